"""An in-process stand-in for the Celery broker, for tests of work that crosses the queues.

``broker`` captures every task the code sends and ``broker.run()`` delivers the registry
commands and the registrar's tasks (replies, the poll chain) in order, running each
task's body in this process with its after-commit callbacks, until none is left, as the
workers would. Zone publishing is dropped: these tests are about the registrar's books.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from celery import current_app

from config import clock
from registrar import services
from registrar.models import CustomerDomain
from tests.conftest import GOOD_CARD

DELIVERED = (services.REGISTRY_COMMAND_TASK, "registrar.tasks.")
OWN_NAMESERVERS = ["ns1.example.org", "ns2.example.org"]


class InlineBroker:
    def __init__(self, capture) -> None:
        self.capture = capture
        self.sent: list[tuple[str, list]] = []
        self.delivered: list[str] = []

    def send_task(self, name: str, args=None, kwargs=None, queue=None, **options) -> None:
        self.sent.append((name, list(args or [])))

    def ops(self) -> list[str]:
        """The registry commands waiting to be delivered, by op."""
        return [args[0]["op"] for name, args in self.sent if name == services.REGISTRY_COMMAND_TASK]

    def run(self, work: Callable | None = None, *args, **kwargs):
        """Do ``work`` (its after-commit callbacks included), then deliver every task it
        and the tasks after it send; returns what ``work`` returned."""
        with self.capture(execute=True):
            result = work(*args, **kwargs) if work is not None else None
        while self.sent:
            name, task_args = self.sent.pop(0)
            if not name.startswith(DELIVERED):
                continue
            module, _, attr = name.rpartition(".")
            task = getattr(importlib.import_module(module), attr)
            self.delivered.append(name)
            with self.capture(execute=True):
                task(*task_args)
        return result

    def advance(self, delta, **kwargs):
        """Move the emulator clock (no worker: sweeps are not waited for) and deliver what
        the sweeps sent."""
        return self.run(clock.advance, delta, settle_timeout=0, **kwargs)


@pytest.fixture
def broker(monkeypatch, django_capture_on_commit_callbacks) -> InlineBroker:
    fake = InlineBroker(django_capture_on_commit_callbacks)
    monkeypatch.setattr(current_app, "send_task", fake.send_task)
    return fake


def hold(broker: InlineBroker, customer, name: str, card=GOOD_CARD) -> CustomerDomain:
    """Register ``name`` for ``customer`` through the whole pipeline; returns the holding."""
    order, _ = broker.run(services.place_order, customer, [{"domain": name, "nameservers": OWN_NAMESERVERS}], card)
    return CustomerDomain.objects.get(order_line__order=order)
