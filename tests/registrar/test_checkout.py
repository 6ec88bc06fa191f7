"""Checkout and the pipeline's steps, called directly (the worker tests run them for real)."""

from datetime import timedelta

import pytest
from django.conf import settings

from config import clock
from registrar import services
from registrar.choices import CardBehaviour, LineState, OrderState, PaymentState
from registrar.models import CustomerDomain, Order, OrderLine, Payment, PaymentCard, Refund
from registry import services as registry
from registry.models import Domain
from resolver.models import HostedZone
from tests.conftest import DECLINED_CARD, FLAKY_CARD, GOOD_CARD, PREMIUM_FEE

MARGIN = 200  # REGISTRAR_MARGIN_PER_YEAR default


def order_for(customer, *domains, card=GOOD_CARD, **line):
    order, created = services.place_order(customer, [{"domain": d, **line} for d in domains], card)
    assert created
    return order


def test_quote_is_registry_fee_plus_margin_per_year(customer):
    free, premium, reserved = services.quote(["free.com", "shop.com", "nic.com"])
    assert free.price_per_year == 1000 + MARGIN and free.price(3) == 3 * (1000 + MARGIN)
    assert premium.price_per_year == PREMIUM_FEE + MARGIN
    assert reserved.price_per_year is None


def test_margin_is_configurable(customer, settings):
    settings.REGISTRAR_MARGIN_PER_YEAR = 555
    assert services.quote(["free.com"])[0].price_per_year == 1555


def test_checkout_charges_the_card_and_sends_the_lines_after_commit(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        order, created = services.place_order(
            customer,
            [
                {"domain": "One.com", "years": 2},
                {"domain": "bücher.net", "nameservers": ["ns1.example.org", "ns2.example.org"]},
            ],
            GOOD_CARD,
        )
    assert created and order.state == OrderState.IN_PROGRESS and order.paid_at is not None
    assert len(callbacks) == 1  # the registry commands, sent only after commit
    one, two = order.lines.all()
    # With no nameservers given, one.com gets ours: a delegation set of four rental servers,
    # one per pool domain; its hosted zone is made once the registry confirms.
    pool = {s.name.rstrip(".") for s in settings.NETWORK_PLAN.rental_nameservers}
    assert one.our_nameservers and set(one.nameservers) <= pool and len(one.nameservers) == 4
    assert len({name.split(".", 1)[1] for name in one.nameservers}) == 4
    assert not two.our_nameservers and not HostedZone.objects.exists()
    assert (one.domain, one.years, one.registry_fee, one.price) == ("one.com", 2, 2000, 2 * 1200)
    assert (two.domain, two.unicode_domain, two.price) == ("xn--bcher-kva.net", "bücher.net", 1300 + MARGIN)
    assert two.nameservers == ["ns1.example.org", "ns2.example.org"]
    assert {(line.state, line.dispatch_count) for line in (one, two)} == {(LineState.IN_PROGRESS, 1)}
    assert order.total == 2400 + 1500
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.attempts, payment.amount) == (PaymentState.CAPTURED, 1, order.total)


def test_cards_are_tokenised_without_keeping_the_number(customer):
    order = order_for(customer, "one.com")
    card = PaymentCard.objects.get()
    assert (card.brand, card.last4, card.behaviour) == ("Visa", "4242", CardBehaviour.APPROVE)
    assert order.card == card
    stored = " ".join(str(v) for v in PaymentCard.objects.values().get().values())
    assert "4242424242424242" not in stored


@pytest.mark.parametrize(
    ("lines", "card", "errors"),
    [
        ([], GOOD_CARD, {"lines": "an order needs at least one domain"}),
        ([{"domain": "a_b.com"}], GOOD_CARD, {"lines[0].domain": "a_b.com: invalid (label 'a_b' contains '_'"}),
        ([{"domain": "nic.com"}], GOOD_CARD, {"lines[0].domain": "nic.com: reserved (registry operations)"}),
        ([{"domain": "x.zz"}], GOOD_CARD, {"lines[0].domain": "x.zz: invalid (.zz is not a TLD this registry runs)"}),
        ([{"domain": "a.com"}, {"domain": "A.com."}], GOOD_CARD, {"lines[1].domain": "a.com is in the order twice"}),
        ([{"domain": "a.kr", "years": 6}], GOOD_CARD, {"lines[0].years": "a.kr registers for 1 to 5 years"}),
        ([{"domain": "a.com", "nameservers": ["ns1.example.org"]}], GOOD_CARD, {"lines[0].nameservers": "2 to 13"}),
        ([{"domain": "a.com"}], {**GOOD_CARD, "number": "4242 4242 4242 4241"}, {"card": "Luhn check failed"}),
        ([{"domain": "a.com"}], {**GOOD_CARD, "exp_year": 2020}, {"card": "the card expired in 12/2020"}),
        ([{"domain": "a.com"}], {**GOOD_CARD, "cvc": "1"}, {"card": "the CVC must be 3 or 4 digits"}),
    ],
)
def test_checkout_refuses_bad_input_naming_the_field_and_saves_nothing(customer, lines, card, errors):
    with pytest.raises(services.CheckoutError) as excinfo:
        services.place_order(customer, lines, card)
    assert set(excinfo.value.errors) == set(errors)
    for key, text in errors.items():
        assert text in excinfo.value.errors[key]
    assert not Order.objects.exists() and not PaymentCard.objects.exists()


def test_checkout_refuses_a_taken_name(customer, alpha):
    registry.create_domain(alpha, "taken.com")
    with pytest.raises(services.CheckoutError) as excinfo:
        services.place_order(customer, [{"domain": "taken.com"}], GOOD_CARD)
    assert excinfo.value.errors == {"lines[0].domain": "taken.com: unavailable (already registered)"}


def test_a_repeated_idempotency_key_returns_the_first_order(customer, second_customer):
    first, created = services.place_order(customer, [{"domain": "a.com"}], GOOD_CARD, idempotency_key="k1")
    again, created_again = services.place_order(customer, [{"domain": "b.com"}], GOOD_CARD, idempotency_key="k1")
    assert created and not created_again and again.pk == first.pk
    other, other_created = services.place_order(second_customer, [{"domain": "c.com"}], GOOD_CARD, idempotency_key="k1")
    assert other_created and other.pk != first.pk
    assert Order.objects.count() == 2


def test_a_declined_card_fails_the_order_at_checkout_without_reaching_the_registry(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        order = order_for(customer, "one.com", card=DECLINED_CARD)
    order.refresh_from_db()
    assert order.state == OrderState.FAILED and order.completed_at is not None
    assert order.failure_reason == "the card Visa •••• 0002 was declined by the issuer"
    assert order.lines.get().state == LineState.FAILED
    assert Payment.objects.get(order=order).state == PaymentState.DECLINED
    assert not callbacks and not Refund.objects.exists()


def test_a_transient_card_error_is_retried_by_the_worker_then_captured(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as at_checkout:
        order = order_for(customer, "one.com", "two.com", card=FLAKY_CARD)
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED and order.payment.attempts == 1
    assert len(at_checkout) == 1  # process_order, which retries the charge
    with django_capture_on_commit_callbacks() as by_worker:
        services.process_order(order.pk)
        services.process_order(order.pk)  # a duplicate delivery does nothing more
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS and order.paid_at is not None
    assert (order.payment.state, order.payment.attempts) == (PaymentState.CAPTURED, 2)
    assert set(order.lines.values_list("state", "dispatch_count")) == {(LineState.IN_PROGRESS, 1)}
    assert len(by_worker) == 1  # the registry commands, once


def test_the_worker_reports_a_transient_error_so_celery_retries(customer):
    order = order_for(customer, "one.com", card=FLAKY_CARD)
    Payment.objects.filter(order=order).update(attempts=0)  # as if the checkout attempt never happened
    with pytest.raises(services.TransientPaymentError):
        services.process_order(order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED and order.payment.attempts == 1


def test_a_card_processor_that_never_recovers_fails_the_order(customer, settings):
    settings.PAYMENT_MAX_ATTEMPTS = 1
    order = order_for(customer, "one.com", card=FLAKY_CARD)
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    assert order.payment.state == PaymentState.FAILED
    assert order.failure_reason == "the card processor did not answer after 1 attempts"


def dispatched(customer, *domains):
    order = order_for(customer, *domains)
    assert order.state == OrderState.IN_PROGRESS
    return order, list(order.lines.all())


def test_a_successful_reply_settles_the_line_and_records_the_holding(customer, rental_pool):
    order, [line] = dispatched(customer, "one.com")
    reply = registry_reply(line)
    services.apply_registry_result(order.pk, line.pk, reply)
    services.apply_registry_result(order.pk, line.pk, reply)  # a duplicate reply changes nothing
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == OrderState.SUCCESSFUL and order.completed_at is not None
    assert line.state == LineState.SUCCESSFUL and line.expires_at == Domain.objects.get(name="one.com").expires_at
    holding = CustomerDomain.objects.get()
    assert (holding.customer, holding.name, holding.expires_at) == (customer, "one.com", line.expires_at)
    # Registered with our nameservers: the hosted zone on the delegation set the registry delegates to.
    zone = HostedZone.objects.get(name="one.com.")
    assert zone.owner == customer.user and line.hosted_zone == zone.pk
    assert zone.nameservers == [f"{name}." for name in line.nameservers]
    assert Domain.objects.get(name="one.com").nameservers.count() == 4


def registry_reply(line: OrderLine) -> dict:
    """What the registry answers to this line's command (run through the real registry)."""
    from registry import commands

    return commands.execute(services.registry_command(line))


def test_a_failed_line_is_refunded_once_and_a_mixed_order_is_partial(customer, alpha, rental_pool):
    order, [good, bad] = dispatched(customer, "good.com", "bad.com")
    registry.create_domain(alpha, "bad.com")  # someone else got it between checkout and processing
    services.apply_registry_result(order.pk, good.pk, registry_reply(good))
    failure = registry_reply(bad)
    assert failure["ok"] is False and failure["error"]["code"] == "domain_unavailable"
    services.apply_registry_result(order.pk, bad.pk, failure)
    services.apply_registry_result(order.pk, bad.pk, failure)
    order.refresh_from_db()
    bad.refresh_from_db()
    assert order.state == OrderState.PARTIAL
    assert order.failure_reason == "refunded bad.com: bad.com is already registered"
    assert (bad.state, bad.failure_code) == (LineState.FAILED, "domain_unavailable")
    refund = Refund.objects.get()
    assert (refund.line, refund.amount) == (bad, bad.price)
    assert Payment.objects.get(order=order).refunded == bad.price
    # Only the registered name gets a hosted zone.
    assert list(HostedZone.objects.values_list("name", flat=True)) == ["good.com."]


def test_an_order_whose_every_line_fails_is_failed_and_fully_refunded(customer, alpha):
    order, [line] = dispatched(customer, "gone.com")
    registry.create_domain(alpha, "gone.com")
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    assert Payment.objects.get(order=order).refunded == order.total


def test_the_registry_charges_the_in_house_registrar_the_quoted_fee(customer, rental_pool):
    _, [line] = dispatched(customer, "shop.com")
    reply = registry_reply(line)
    assert reply["ok"] and reply["data"]["fee"] == PREMIUM_FEE == line.registry_fee
    domain = Domain.objects.get(name="shop.com")
    assert domain.registrar == rental_pool
    assert domain.registrant.handle == customer.registry_handle
    assert domain.registrant.email == customer.email


def test_resending_a_command_replays_the_registry_result(customer, rental_pool):
    _, [line] = dispatched(customer, "one.com")
    first, second = registry_reply(line), registry_reply(line)
    assert first["sv_trid"] == second["sv_trid"] and second["replayed"] and not first["replayed"]
    assert rental_pool.ledger.filter(kind="charge", operation__object_name="one.com").count() == 1


def test_the_sweep_resends_only_work_that_stopped_moving(customer, settings, django_capture_on_commit_callbacks):
    settings.PIPELINE_STUCK_AFTER = 30
    _, [stuck, fresh] = dispatched(customer, "stuck.com", "fresh.com")
    waiting = order_for(customer, "waiting.com", card=FLAKY_CARD)  # SUBMITTED, its retry lost
    long_ago = clock.now() - timedelta(minutes=5)
    OrderLine.objects.filter(pk=stuck.pk).update(dispatched_at=long_ago)
    Order.objects.filter(pk=waiting.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.recover_stuck_work() == {"orders": 1, "lines": 1, "requests": 0}
        assert services.recover_stuck_work() == {"orders": 0, "lines": 0, "requests": 0}  # claimed: not resent twice
    assert len(callbacks) == 2
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.dispatch_count, fresh.dispatch_count) == (2, 1)
