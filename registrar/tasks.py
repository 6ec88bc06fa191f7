"""Celery tasks of the registrar queue; each is a thin wrapper over registrar.services."""

from __future__ import annotations

from celery import shared_task

from config.tasks import retrying_task
from registrar import services


@retrying_task("registrar.tasks.process_order", bind=True)
def process_order(self, order_id: int) -> None:
    try:
        services.process_order(order_id)
    except services.TransientPaymentError as exc:
        # The number of attempts is bounded by the payment itself (PAYMENT_MAX_ATTEMPTS).
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30), max_retries=None) from None


@retrying_task("registrar.tasks.registry_result")
def registry_result(order_id: int, line_id: int, reply: dict) -> None:
    services.apply_registry_result(order_id, line_id, reply)


@shared_task(name="registrar.tasks.recover_stuck_work")
def recover_stuck_work() -> dict:
    return services.recover_stuck_work()


@retrying_task("registrar.tasks.poll_result")
def poll_result(reply: dict) -> None:
    services.apply_poll_reply(reply)


@retrying_task("registrar.tasks.request_result")
def request_result(request_id: int, reply: dict) -> None:
    services.apply_request_result(request_id, reply)
