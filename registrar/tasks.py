"""Celery tasks of the registrar queue; each is a thin wrapper over registrar.services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from registrar import lifecycle, services

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="registrar.tasks.process_order",
    bind=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def process_order(self, order_id: int) -> None:
    try:
        services.process_order(order_id)
    except services.TransientPaymentError as exc:
        # The number of attempts is bounded by the payment itself (PAYMENT_MAX_ATTEMPTS).
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30), max_retries=None) from None


@shared_task(
    name="registrar.tasks.registry_result",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def registry_result(order_id: int, line_id: int, reply: dict) -> None:
    services.apply_registry_result(order_id, line_id, reply)


@shared_task(name="registrar.tasks.recover_stuck_work")
def recover_stuck_work() -> dict:
    return services.recover_stuck_work()


@shared_task(
    name="registrar.tasks.poll_result",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def poll_result(reply: dict) -> None:
    lifecycle.apply_poll_reply(reply)


@shared_task(
    name="registrar.tasks.request_result",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def request_result(request_id: int, reply: dict) -> None:
    services.apply_request_result(request_id, reply)
