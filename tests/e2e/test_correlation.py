"""One correlation id follows an order from the web request through every task of the
worker that carries it out, down to the publication of its zone (LOG_FORMAT=json)."""

import json
import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registrar.choices import OrderState
from tests.conftest import GOOD_CARD
from tests.e2e.conftest import wait_for_order
from tests.e2e.processes import wait_until_idle

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def test_an_order_s_request_id_is_on_every_log_line_of_its_tasks(stack, customer, rental_pool):
    worker = stack.worker(LOG_FORMAT="json", TASK_LOG_LEVEL="INFO")
    # The zone builds the fixtures asked for are done: a build queued meanwhile would carry
    # this order's change too, under the id of whoever asked first.
    wait_until_idle()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=customer.user)[0].key}")
    placed = api.post(
        "/api/v1/orders/",
        {"lines": [{"domain": "traced.com"}], "card": GOOD_CARD},
        format="json",
        HTTP_X_REQUEST_ID="order-traced-1",
    )
    assert placed["X-Request-Id"] == "order-traced-1"
    assert wait_for_order(placed.json()["id"]).state == OrderState.SUCCESSFUL

    # The card was charged in the request; the registry command, its result and the
    # publication of the com zone with the new delegation ran in the worker. Each task's
    # line is written once it has returned, which may be after the order reads SUCCESSFUL.
    wanted = {"registry.tasks.execute_command", "registrar.tasks.registry_result", "registry.tasks.publish_zone"}

    def traced() -> tuple[list[dict], set[str]]:
        lines = [json.loads(line) for line in worker.output().splitlines() if line.startswith("{")]
        mine = [line for line in lines if line.get("correlation_id") == "order-traced-1"]
        return mine, {line["message"].split()[1] for line in mine if line["message"].startswith("task ")}

    deadline = time.monotonic() + 30
    while not wanted <= traced()[1] and time.monotonic() < deadline:
        time.sleep(0.2)
    lines, tasks = traced()
    assert wanted <= tasks, tasks
    assert {line["process"] for line in lines} == {"worker"}
