"""Renewal reminders and auto-renew with the stored card, driven by the emulator clock."""

from datetime import timedelta

from django.core import mail

from config import clock
from registrar import services
from registrar.choices import CardBehaviour, LineKind, OrderState
from registrar.models import CustomerDomain, Order, PaymentCard, RegistryMessage, RenewalReminder
from registrar.services import lifecycle
from registry import services as registry
from registry.models import Domain
from tests.conftest import GOOD_CARD
from tests.registrar.conftest import hold

RENEW_PRICE = 1100 + 200  # .com renew fee + REGISTRAR_MARGIN_PER_YEAR


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


def until(moment) -> timedelta:
    return moment - clock.now()


def test_reminders_go_30_7_and_1_days_before_expiry_once_each(customer, broker):
    domain = hold(broker, customer, "one.com")
    CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew=False)
    expiry = domain.expires_at
    broker.advance(until(expiry - timedelta(days=30, minutes=1)))
    assert subjects() == []
    broker.advance(timedelta(minutes=2))
    assert subjects() == ["one.com expires in 30 days"]
    assert "Renew it on the domain's page before then" in mail.outbox[0].body
    assert mail.outbox[0].to == [customer.email]
    broker.advance(until(expiry - timedelta(days=1) + timedelta(minutes=1)))
    assert subjects() == ["one.com expires in 30 days", "one.com expires in 7 days", "one.com expires in 1 day"]
    assert lifecycle.send_reminders() == 0  # the sweep again: nothing twice
    assert len(mail.outbox) == 3 and RenewalReminder.objects.count() == 3


def test_a_reminder_with_auto_renew_on_names_the_card_it_will_use(customer, broker):
    domain = hold(broker, customer, "one.com")
    broker.advance(until(domain.expires_at - timedelta(days=30)))
    assert subjects() == ["one.com expires in 30 days"]
    assert "we will renew it for one year with your card Visa •••• 4242" in mail.outbox[0].body


def test_when_several_reminders_fall_due_at_once_only_the_closest_is_emailed(customer, broker):
    domain = hold(broker, customer, "one.com")
    CustomerDomain.objects.filter(pk=domain.pk).update(expires_at=clock.now() + timedelta(days=2, hours=1))
    assert lifecycle.send_reminders() == 2
    assert subjects() == ["one.com expires in 3 days"]
    assert set(RenewalReminder.objects.values_list("days_before", "emailed")) == {(30, False), (7, True)}
    assert lifecycle.send_reminders() == 0


def test_the_reminder_sweep_names_its_next_moment(customer, broker, settings):
    settings.REGISTRAR_REMINDER_DAYS = [10]
    domain = hold(broker, customer, "one.com")
    assert lifecycle.reminders_next_due() == domain.expires_at - timedelta(days=10)


def test_auto_renew_renews_with_the_stored_card_seven_days_before_expiry(customer, broker):
    domain = hold(broker, customer, "one.com")
    card = Order.objects.get().card
    expiry = domain.expires_at
    broker.advance(until(expiry - timedelta(days=7, minutes=1)))
    assert not Order.objects.filter(automatic=True).exists()
    broker.advance(timedelta(minutes=2))
    order = Order.objects.get(automatic=True)
    assert order.state == OrderState.SUCCESSFUL and order.card == card and PaymentCard.objects.count() == 1
    assert (order.total, order.payment.amount) == (RENEW_PRICE, RENEW_PRICE)
    line = order.lines.get()
    assert (line.kind, line.years, line.current_expiry) == (LineKind.RENEW, 1, expiry.date())
    domain.refresh_from_db()
    assert domain.expires_at == registry.add_years(expiry, 1) == Domain.objects.get(name="one.com").expires_at
    assert "one.com is renewed" in subjects()
    # The sweep again, and the clock past the old expiry: no second renewal.
    assert lifecycle.auto_renew_due() == 0
    broker.advance(timedelta(days=8))
    assert Order.objects.filter(automatic=True).count() == 1
    domain.refresh_from_db()
    assert domain.expires_at == registry.add_years(expiry, 1)


def test_each_expiry_is_auto_renewed_at_most_once(customer, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 400  # due at once
    domain = hold(broker, customer, "one.com")
    assert lifecycle.auto_renew(domain.pk) is True
    assert lifecycle.auto_renew(domain.pk) is False  # a second sweep finds it tried
    # Even a lost claim cannot place a second order: the order's idempotency key is the expiry's.
    CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew_tried_for=None)
    assert lifecycle.auto_renew_due() == 1
    assert Order.objects.filter(automatic=True).count() == 1


def test_the_auto_renew_sweep_is_busy_while_its_order_runs(customer, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 400
    hold(broker, customer, "one.com")
    with broker.capture(execute=True):
        assert lifecycle.auto_renew_due() == 1
    assert lifecycle.auto_renew_busy() and broker.ops() == ["domain.renew"]
    broker.run()
    assert not lifecycle.auto_renew_busy()
    assert Order.objects.get(automatic=True).state == OrderState.SUCCESSFUL


def test_auto_renew_off_places_no_order(customer, broker):
    domain = hold(broker, customer, "one.com")
    CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew=False)
    assert lifecycle.auto_renew_next_due() is None
    broker.advance(until(domain.expires_at - timedelta(days=1)))
    assert not Order.objects.filter(automatic=True).exists()


def test_auto_renew_uses_the_card_last_charged_for_the_domain(customer, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 800
    domain = hold(broker, customer, "one.com")
    broker.run(services.place_renewal, customer, "one.com", 1, {**GOOD_CARD, "number": "5555 5555 5555 4444"})
    CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew_tried_for=None)
    broker.run(lifecycle.auto_renew_due)
    assert str(Order.objects.get(automatic=True).card) == "Mastercard •••• 4444"


def test_a_declined_stored_card_is_emailed_about_and_nothing_else_happens(customer, broker):
    domain = hold(broker, customer, "one.com")
    PaymentCard.objects.update(behaviour=CardBehaviour.DECLINE)  # the issuer declines it now
    expiry = domain.expires_at
    broker.advance(until(expiry - timedelta(days=7) + timedelta(minutes=1)))
    order = Order.objects.get(automatic=True)
    assert order.state == OrderState.FAILED and not order.lines.get().registry_sv_trid
    assert subjects() == ["one.com expires in 30 days", "one.com expires in 7 days", "We could not renew one.com"]
    assert "the card Visa •••• 4242 was declined by the issuer" in mail.outbox[2].body
    domain.refresh_from_db()
    assert domain.expires_at == expiry
    assert lifecycle.auto_renew_due() == 0  # tried once for this expiry


def test_an_expired_stored_card_is_emailed_about(customer, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 400
    hold(broker, customer, "one.com")
    PaymentCard.objects.update(exp_year=2020)
    assert lifecycle.auto_renew_due() == 1
    assert not Order.objects.filter(automatic=True).exists()
    assert subjects() == ["We could not renew one.com"]
    assert "expired in 12/2020" in mail.outbox[0].body


def test_a_card_that_fails_in_the_worker_is_emailed_about(customer, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 400
    settings.PAYMENT_MAX_ATTEMPTS = 1
    hold(broker, customer, "one.com")
    PaymentCard.objects.update(behaviour=CardBehaviour.TRANSIENT)
    with broker.capture(execute=True):
        lifecycle.auto_renew_due()
    order = Order.objects.get(automatic=True)
    assert order.state == OrderState.FAILED and subjects() == ["We could not renew one.com"]


def test_when_auto_renew_fails_the_registry_renews_at_expiry_and_the_registrar_learns_it(customer, broker):
    domain = hold(broker, customer, "one.com")
    PaymentCard.objects.update(behaviour=CardBehaviour.DECLINE)
    expiry = domain.expires_at
    broker.advance(until(expiry + timedelta(minutes=1)))  # the registry's auto-renew sweep
    domain.refresh_from_db()
    assert domain.expires_at == registry.add_years(expiry, 1)
    assert RegistryMessage.objects.filter(kind="autoRenew", object_name="one.com").count() == 1
    assert registry.poll_request(registry.get_registrar("namesmith"))[0] == 0
