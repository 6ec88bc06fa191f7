"""Restores from redemption, transfers out (auth code, lock) and transfer-in orders."""

import re
from datetime import timedelta

import pytest

from config import clock
from registrar import services
from registrar.choices import DomainRequestKind, DomainRequestState, DomainState, LineKind, LineState, OrderState
from registrar.models import CustomerDomain, DomainRequest, Order, Refund
from registrar.services import lifecycle
from registry import services as registry
from registry.errors import StatusProhibits
from registry.models import Domain
from tests.conftest import GOOD_CARD
from tests.registrar.conftest import hold

MARGIN = 200
RESTORE_FEE, RENEW_FEE, TRANSFER_FEE = 4000, 1100, 1200


def in_redemption(broker, customer, inhouse, name: str) -> CustomerDomain:
    """A held domain the registry has deleted (past its add grace) into its redemption
    period, and the poll message that says so applied."""
    domain = hold(broker, customer, name)
    broker.advance(timedelta(days=6))
    registry.delete_domain(inhouse, name)
    CustomerDomain.objects.filter(pk=domain.pk).update(state=DomainState.REDEMPTION, redemption_at=clock.now())
    return CustomerDomain.objects.get(pk=domain.pk)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- restore -----------------------------------------------------------------------------------------


def test_a_domain_in_redemption_is_restored_by_a_paid_order(customer, broker, inhouse):
    domain = in_redemption(broker, customer, inhouse, "one.com")
    assert services.restore_price(domain) == (RESTORE_FEE, RESTORE_FEE + MARGIN)
    balance = registry.get_registrar(inhouse.client_id).balance
    order, _ = broker.run(services.place_restore, customer, "one.com", GOOD_CARD)
    order.refresh_from_db()
    line = order.lines.get()
    assert (order.state, line.kind, line.state) == (OrderState.SUCCESSFUL, LineKind.RESTORE, LineState.SUCCESSFUL)
    assert (line.registry_fee, line.price) == (RESTORE_FEE, RESTORE_FEE + MARGIN)
    domain.refresh_from_db()
    assert (domain.state, domain.redemption_at) == (DomainState.ACTIVE, None)
    assert registry.info_domain("one.com").rgp_statuses == []
    assert registry.get_registrar(inhouse.client_id).balance == balance - RESTORE_FEE


def test_restoring_an_expired_domain_adds_a_years_renewal(customer, broker, inhouse):
    domain = hold(broker, customer, "one.com")
    CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew=False)
    expiry = domain.expires_at
    broker.advance(expiry + timedelta(days=1) - clock.now())  # the registry auto-renews it
    registry.delete_domain(inhouse, "one.com")  # in the auto-renew grace: refunded, the year taken back
    domain = CustomerDomain.objects.get(pk=domain.pk)
    assert services.standing(domain, registry.info_domain("one.com")).state == DomainState.REDEMPTION
    assert services.restore_price(domain) == (RESTORE_FEE + RENEW_FEE, RESTORE_FEE + RENEW_FEE + 2 * MARGIN)
    order, _ = broker.run(services.place_restore, customer, "one.com", GOOD_CARD)
    assert Order.objects.get(pk=order.pk).state == OrderState.SUCCESSFUL
    assert CustomerDomain.objects.get(pk=domain.pk).expires_at == registry.add_years(expiry, 1)


def test_only_a_domain_in_redemption_can_be_restored(customer, broker):
    hold(broker, customer, "one.com")
    with pytest.raises(services.CheckoutError) as excinfo:
        services.place_restore(customer, "one.com", GOOD_CARD)
    assert excinfo.value.errors == {"domain": "one.com is not in its redemption period"}


def test_a_refused_restore_is_refunded(customer, broker, inhouse):
    in_redemption(broker, customer, inhouse, "one.com")
    order, _ = services.place_restore(customer, "one.com", GOOD_CARD)
    line = order.lines.get()
    services.apply_registry_result(
        order.pk, line.pk, {"ok": False, "error": {"code": "status_prohibits", "message": "no longer restorable"}}
    )
    assert Refund.objects.get(line=line).amount == line.price
    assert Order.objects.get(pk=order.pk).state == OrderState.FAILED


def test_my_domains_show_the_state_and_restore_price(client, customer, broker, inhouse):
    in_redemption(broker, customer, inhouse, "one.com")
    hold(broker, customer, "two.com")
    client.force_login(customer.user)
    page = text(client.get("/domains/"))
    assert (
        'data-state="redemption">Redemption period: <a href="/domains/one.com/#restore-heading">restore for 42.00 USD'
        in page
    )
    assert 'data-state="active">Active' in page
    page = text(client.get("/domains/one.com/"))
    assert 'id="restore-price">42.00 USD' in page and 'id="restore-form"' in page and 'id="renew-form"' not in page


def test_the_restore_form_places_the_order(client, customer, broker, inhouse):
    in_redemption(broker, customer, inhouse, "one.com")
    client.force_login(customer.user)
    page = client.get("/domains/one.com/").content.decode()
    key = re.search(r'id="restore-form".*?name="idempotency_key" value="([0-9a-f]+)"', page, re.S).group(1)
    card = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": clock.now().year + 1, "cvc": "123"}
    response = broker.run(client.post, "/domains/one.com/restore/", {"idempotency_key": key} | card)
    order = Order.objects.get(lines__kind=LineKind.RESTORE)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.state == OrderState.SUCCESSFUL


def test_an_expired_domain_is_shown_as_expired(client, customer, broker):
    domain = hold(broker, customer, "one.com")
    CustomerDomain.objects.filter(pk=domain.pk).update(expires_at=clock.now() - timedelta(hours=1))
    client.force_login(customer.user)
    assert 'data-state="expired">Expired' in text(client.get("/domains/"))


# --- transfer out ------------------------------------------------------------------------------------


def test_the_owner_reveals_the_auth_code_through_the_registry(client, customer, second_customer, broker, inhouse):
    domain = hold(broker, customer, "one.com")
    client.force_login(customer.user)
    response = broker.run(client.post, "/domains/one.com/auth-code/")
    assert response.status_code == 302
    request = DomainRequest.objects.get()
    assert (request.kind, request.state) == (DomainRequestKind.REVEAL_AUTH_CODE, DomainRequestState.DONE)
    code = registry.info_domain("one.com", registrar=inhouse).auth_info
    domain.refresh_from_db()
    assert domain.auth_code == code
    assert f'id="auth-code">{code}</code>' in text(client.get("/domains/one.com/"))
    client.force_login(second_customer.user)
    assert client.get("/domains/one.com/").status_code == 404
    assert client.post("/domains/one.com/auth-code/").status_code == 404


def test_a_request_whose_command_was_lost_is_sent_again_by_the_sweep(client, customer, broker, inhouse, settings):
    settings.PIPELINE_STUCK_AFTER = 30
    hold(broker, customer, "one.com")
    client.force_login(customer.user)
    assert client.post("/domains/one.com/auth-code/").status_code == 302
    broker.sent.clear()  # the command is lost on its way
    request = DomainRequest.objects.get()
    assert services.recover_stuck_work()["requests"] == 0  # not stuck yet
    DomainRequest.objects.filter(pk=request.pk).update(sent_at=clock.now() - timedelta(minutes=5))
    assert broker.run(services.recover_stuck_work)["requests"] == 1
    request.refresh_from_db()
    assert request.state == DomainRequestState.DONE
    assert (
        CustomerDomain.objects.get(name="one.com").auth_code
        == registry.info_domain("one.com", registrar=inhouse).auth_info
    )
    assert services.recover_stuck_work()["requests"] == 0  # settled: never sent again


def test_the_transfer_lock_is_set_and_lifted_at_the_registry(client, customer, broker, inhouse, alpha):
    hold(broker, customer, "one.com")
    client.force_login(customer.user)
    broker.run(client.post, "/domains/one.com/transfer-lock/", {"locked": "on"})
    assert "clientTransferProhibited" in registry.info_domain("one.com").statuses
    assert 'id="transfer-lock" name="locked" checked' in text(client.get("/domains/one.com/"))
    auth = registry.info_domain("one.com", registrar=inhouse).auth_info
    with pytest.raises(StatusProhibits):
        registry.request_transfer(alpha, "one.com", auth_info=auth)
    broker.run(client.post, "/domains/one.com/transfer-lock/", {})
    assert "clientTransferProhibited" not in registry.info_domain("one.com").statuses
    registry.request_transfer(alpha, "one.com", auth_info=auth)


def test_a_refused_request_is_shown_with_its_reason(client, customer, broker):
    hold(broker, customer, "one.com")
    client.force_login(customer.user)
    broker.run(client.post, "/domains/one.com/transfer-lock/", {})  # not locked: nothing to lift
    request = DomainRequest.objects.get()
    assert request.state == DomainRequestState.FAILED
    assert f'id="failed-request">Unlock transfers failed: {request.failure_reason}' in text(
        client.get("/domains/one.com/")
    )


# --- transfer in -------------------------------------------------------------------------------------


def transfer_in(broker, customer, alpha, name="far.com", auth=None):
    registry.create_domain(alpha, name)
    auth = auth or registry.info_domain(name, registrar=alpha).auth_info
    order, _ = broker.run(services.place_transfer, customer, name, auth, GOOD_CARD)
    return Order.objects.get(pk=order.pk)


def test_a_transfer_in_waits_for_approval_then_the_domain_is_the_customers(customer, broker, alpha, settings):
    order = transfer_in(broker, customer, alpha)
    line = order.lines.get()
    assert (order.state, line.kind, line.state) == (
        OrderState.IN_PROGRESS,
        LineKind.TRANSFER,
        LineState.AWAITING_TRANSFER,
    )
    assert (line.registry_fee, line.price) == (TRANSFER_FEE, TRANSFER_FEE + MARGIN)
    settings.PIPELINE_STUCK_AFTER = 0.1
    broker.advance(timedelta(minutes=1))
    assert services.recover_stuck_work() == {"orders": 0, "lines": 0, "requests": 0}  # awaiting is not stuck
    expiry = Domain.objects.get(name="far.com").expires_at
    registry.approve_transfer(alpha, "far.com")
    broker.run(lifecycle.start_poll)
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.state, line.state) == (OrderState.SUCCESSFUL, LineState.SUCCESSFUL)
    held = CustomerDomain.objects.get(name="far.com", released_at=None)
    assert (held.customer, held.expires_at, held.order_line) == (customer, registry.add_years(expiry, 1), line)
    assert Domain.objects.get(name="far.com").registrar.client_id == settings.REGISTRAR_CLIENT_ID
    assert line.auth_info == ""  # kept only while the command might be resent


def test_a_rejected_transfer_in_is_refunded(customer, broker, alpha):
    order = transfer_in(broker, customer, alpha)
    registry.reject_transfer(alpha, "far.com")
    broker.run(lifecycle.start_poll)
    order.refresh_from_db()
    line = order.lines.get()
    assert (order.state, line.state, line.failure_code) == (OrderState.FAILED, LineState.FAILED, "transfer_refused")
    assert line.failure_reason == "the transfer was rejected by the current registrar"
    assert Refund.objects.get(line=line).amount == line.price
    assert not CustomerDomain.objects.filter(name="far.com").exists()


def test_a_transfer_nobody_answers_is_approved_by_the_registry_after_five_days(customer, broker, alpha):
    order = transfer_in(broker, customer, alpha)
    broker.advance(timedelta(days=5, minutes=1))
    order.refresh_from_db()
    assert order.state == OrderState.SUCCESSFUL
    assert CustomerDomain.objects.filter(name="far.com", customer=customer, released_at=None).exists()


def test_a_wrong_auth_code_fails_and_refunds_at_once(customer, broker, alpha):
    order = transfer_in(broker, customer, alpha, auth="wrong-code")
    line = order.lines.get()
    assert (order.state, line.state, line.failure_code) == (
        OrderState.FAILED,
        LineState.FAILED,
        "invalid_authorization",
    )
    assert Refund.objects.get(line=line).amount == line.price


@pytest.mark.parametrize(
    ("name", "auth", "error"),
    [
        ("free.com", "secret-code", {"domain": "free.com is not registered: register it instead"}),
        ("held.com", "secret-code", {"domain": "held.com is with us already"}),
        ("far.com", "short", {"auth_code": "the auth code is 6 to 64 characters long"}),
    ],
)
def test_a_transfer_in_needs_a_name_held_elsewhere_and_an_auth_code(customer, broker, alpha, name, auth, error):
    registry.create_domain(alpha, "far.com")
    hold(broker, customer, "held.com")
    with pytest.raises(services.CheckoutError) as excinfo:
        services.place_transfer(customer, name, auth, GOOD_CARD)
    assert excinfo.value.errors == error


def test_the_transfer_in_page_places_the_order(client, customer, broker, alpha):
    registry.create_domain(alpha, "far.com")
    client.force_login(customer.user)
    page = client.get("/domains/transfer-in/?name=far.com").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    card = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": clock.now().year + 1, "cvc": "123"}
    auth = registry.info_domain("far.com", registrar=alpha).auth_info
    data = {"idempotency_key": key, "domain": "far.com", "auth_code": auth} | card
    response = broker.run(client.post, "/domains/transfer-in/", data)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.lines.get().state == LineState.AWAITING_TRANSFER
    assert "the current registrar may approve or reject it" in text(client.get(f"/orders/{order.pk}/"))
    bad = client.post("/domains/transfer-in/", data | {"idempotency_key": "other", "domain": "free.com"})
    assert bad.status_code == 400 and "free.com is not registered" in text(bad)
