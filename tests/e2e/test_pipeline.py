"""The order pipeline through a real Celery worker process and the configured broker
(Redis when REDIS_URL is set, else the embedded filesystem broker; make test runs both)."""

import threading

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registrar import services
from registrar.choices import LineState, OrderState, PaymentState
from registrar.models import CustomerDomain, Payment, Refund
from registry.choices import LedgerKind
from registry.models import Domain, LedgerEntry
from resolver.models import HostedZone
from tests.conftest import DECLINED_CARD, FLAKY_CARD, GOOD_CARD, make_customer
from tests.e2e.conftest import wait_for_order

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def test_an_order_placed_over_the_api_ends_successful(module_stack, customer, rental_pool):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=customer.user).key}")
    response = client.post(
        "/api/v1/orders/",
        {"lines": [{"domain": "first.com", "years": 2}, {"domain": "한국.kr"}], "card": GOOD_CARD},
        format="json",
    )
    assert response.status_code == 202
    order = wait_for_order(response.json()["id"])

    assert order.state == OrderState.SUCCESSFUL
    assert set(order.lines.values_list("state", flat=True)) == {LineState.SUCCESSFUL}
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.attempts, payment.amount, payment.refunded) == (
        PaymentState.CAPTURED,
        1,
        order.total,
        0,
    )
    domains = {d.name: d for d in Domain.objects.filter(registrant__handle=customer.registry_handle)}
    assert set(domains) == {"first.com", "xn--3e0b707e.kr"}
    assert {d.registrar for d in domains.values()} == {rental_pool}
    charges = LedgerEntry.objects.filter(registrar=rental_pool, kind=LedgerKind.CHARGE, object_name__in=domains)
    assert sorted(charges.values_list("object_name", "amount")) == [("first.com", -2000), ("xn--3e0b707e.kr", -2000)]
    assert set(CustomerDomain.objects.values_list("customer", "name")) == {
        (customer.pk, "first.com"),
        (customer.pk, "xn--3e0b707e.kr"),
    }
    # No nameservers given: both are delegated to hosted zones on our rental nameservers.
    zones = {z.name: z.nameservers for z in HostedZone.objects.filter(owner=customer.user)}
    assert set(zones) == {"first.com.", "xn--3e0b707e.kr."}
    assert {h.name + "." for h in domains["first.com"].nameservers.all()} == set(zones["first.com."])


def test_a_declined_card_fails_the_order_and_nothing_is_registered(module_stack, customer):
    order, _ = services.place_order(customer, [{"domain": "declined.com"}], DECLINED_CARD)
    order = wait_for_order(order.pk)
    assert order.state == OrderState.FAILED
    assert "declined" in order.failure_reason
    assert not Domain.objects.exists()


def test_a_transient_card_error_is_retried_and_the_order_completes(module_stack, customer, rental_pool):
    order, _ = services.place_order(customer, [{"domain": "flaky.com"}], FLAKY_CARD)
    order = wait_for_order(order.pk)
    assert order.state == OrderState.SUCCESSFUL
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.attempts) == (PaymentState.CAPTURED, 2)
    assert Domain.objects.filter(name="flaky.com").count() == 1


def test_customers_racing_for_one_name_get_one_domain_and_the_rest_refunds(module_stack, rental_pool):
    customers = [make_customer(f"racer{i}") for i in range(10)]
    orders: list = [None] * len(customers)
    barrier = threading.Barrier(len(customers))

    def checkout(i: int) -> None:
        try:
            barrier.wait()
            orders[i] = services.place_order(customers[i], [{"domain": "wanted.com"}], GOOD_CARD)[0].pk
        finally:
            connections.close_all()

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(len(customers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    finished = [wait_for_order(pk) for pk in orders]

    assert sorted(o.state for o in finished) == [OrderState.FAILED] * 9 + [OrderState.SUCCESSFUL]
    assert Domain.objects.filter(name="wanted.com").count() == 1
    assert (
        LedgerEntry.objects.filter(registrar=rental_pool, kind=LedgerKind.CHARGE, object_name="wanted.com").count() == 1
    )
    failed = [o for o in finished if o.state == OrderState.FAILED]
    assert all(o.failure_reason == "refunded wanted.com: wanted.com is already registered" for o in failed)
    assert Refund.objects.count() == 9
    assert all(Payment.objects.get(order=o).refunded == o.total for o in failed)
    winner = next(o for o in finished if o.state == OrderState.SUCCESSFUL)
    assert Domain.objects.get(name="wanted.com").registrant.handle == winner.customer.registry_handle
    # Only the winner's registration made a hosted zone.
    assert HostedZone.objects.get(name="wanted.com.").owner == winner.customer.user
