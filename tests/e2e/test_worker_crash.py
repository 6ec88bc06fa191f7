"""A worker killed with SIGKILL in the middle of any step leaves no order stuck or doubled:
after a restart (worker and beat), the order completes with one card charge, one
registry charge and one domain."""

import time

import pytest

from registrar import services
from registrar.choices import OrderState, PaymentState
from registrar.models import Order, Payment, Refund
from registry.choices import LedgerKind
from registry.models import Domain, LedgerEntry
from resolver.models import HostedZone
from tests.conftest import FLAKY_CARD, GOOD_CARD
from tests.e2e.conftest import wait_for_order

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def wait_for_file(path, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the worker never reached the pause point:\n{process.output()[-3000:]}")
        time.sleep(0.05)


# The payment points are on the worker's path, which an order takes after a transient card
# error at checkout: those cases pay with the card that fails its first attempt.
@pytest.mark.parametrize(
    ("point", "card", "attempts", "sends"),
    [
        # card charged inside an open transaction: rolled back by the crash
        ("registrar.in_payment", FLAKY_CARD, 2, 1),
        # paid, lines not yet sent to the registry
        ("registrar.after_payment", FLAKY_CARD, 2, 1),
        # domain created and charged at the registry, not yet committed
        ("registry.before_commit.domain.create", GOOD_CARD, 1, 2),
        # registry committed, reply not yet sent
        ("registry.after_commit", GOOD_CARD, 1, 2),
        # reply received, line not yet settled
        ("registrar.before_result", GOOD_CARD, 1, 2),
    ],
)
def test_a_worker_killed_mid_order_completes_it_once_after_restart(
    stack, customer, rental_pool, tmp_path, point, card, attempts, sends
):
    marker = tmp_path / "paused"
    crashing = stack.worker(NAMESMITH_PAUSE_AT=f"{point}:{marker}")
    order, _ = services.place_order(customer, [{"domain": "survivor.com", "years": 2}], card)
    wait_for_file(marker, crashing)
    crashing.kill()
    assert Order.objects.get(pk=order.pk).state not in (OrderState.SUCCESSFUL, OrderState.FAILED)

    stack.worker()
    stack.beat()
    order = wait_for_order(order.pk)

    assert order.state == OrderState.SUCCESSFUL, order.failure_reason
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.attempts, payment.refunded) == (PaymentState.CAPTURED, attempts, 0)
    assert not Refund.objects.exists()
    assert Domain.objects.filter(name="survivor.com").count() == 1
    charges = LedgerEntry.objects.filter(registrar=rental_pool, kind=LedgerKind.CHARGE, object_name="survivor.com")
    assert list(charges.values_list("object_name", "amount")) == [("survivor.com", -2000)]
    # Registered with our nameservers: one hosted zone, whichever step the worker died at.
    assert HostedZone.objects.get(name="survivor.com.").nameservers == [
        f"{name}." for name in order.lines.get().nameservers
    ]
    # Commands already sent when the worker died were sent again by the sweep.
    assert order.lines.get().dispatch_count >= sends
