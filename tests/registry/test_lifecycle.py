"""The registry lifecycle on the emulator clock: grace periods and their refunds, the
registry's auto-renewal, deletion through redemption and pending delete to the purge, RGP
restore, and transfers decided by registrars or by the clock.

After every step the registrars' balances equal their ledgers and the TLD zone delegates
exactly the domains that should resolve."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import clock
from registry import services, zones
from registry.choices import CheckStatus, EppStatus, PollKind, RgpStatus, TransferStatus
from registry.errors import InsufficientFunds, ObjectNotFound, StatusProhibits
from registry.models import Domain, DomainHistory, LedgerEntry, PollMessage, Registrar
from tests.conftest import COM_FEES, assert_ledger_matches_balances, make_registrar

NS = ["ns1.dns.example", "ns2.dns.example"]
CREATE, RENEW, TRANSFER, RESTORE = (COM_FEES[k] for k in ("create_fee", "renew_fee", "transfer_fee", "restore_fee"))


def delegated(tld: str = "com") -> set[str]:
    records, _ = zones.build_tld(tld)
    return {owner.rstrip(".") for owner, _, kind, _ in records if kind == "NS" and owner != f"{tld}."}


def settled(*names: str) -> None:
    """The invariants every step keeps: money adds up; the zone holds ``names``, no more."""
    assert_ledger_matches_balances()
    assert delegated() == set(names)


def balance(registrar: Registrar) -> int:
    return Registrar.objects.get(pk=registrar.pk).balance


def domain(name: str) -> Domain:
    return Domain.objects.get(name=name, deleted_at=None)


def advance(**delta) -> list[clock.Step]:
    return clock.advance(timedelta(**delta), settle_timeout=0)


def register(registrar: Registrar, name: str = "life.com", years: int = 1):
    return services.create_domain(registrar, name, years=years, nameservers=NS, auth_info="2fooBAR!")


def rgp(name: str = "life.com") -> list[str]:
    return services.info_domain(name).rgp_statuses


# --- a year in seconds --------------------------------------------------------------------------


def test_a_year_in_seconds(alpha, beta):
    register(alpha)
    expiry = domain("life.com").expires_at
    settled("life.com")
    assert rgp() == [RgpStatus.ADD_PERIOD]
    assert balance(alpha) == 100_000 - CREATE

    advance(days=6)  # past the add grace period
    assert rgp() == []
    settled("life.com")

    # Expiry: the registry renews for a year and charges the sponsor.
    steps = advance(days=365)
    assert [s.ran for s in steps] == [{"registry.auto_renew": 1}]
    assert domain("life.com").expires_at == services.add_years(expiry, 1)
    assert rgp() == [RgpStatus.AUTO_RENEW_PERIOD]
    assert balance(alpha) == 100_000 - CREATE - RENEW
    message = PollMessage.objects.get(registrar=alpha, kind=PollKind.AUTO_RENEW)
    assert message.data["expires_at"] == services.add_years(expiry, 1).isoformat()
    settled("life.com")

    # A delete in the auto-renew grace period refunds the renewal; redemption follows.
    result = services.delete_domain(alpha, "life.com")
    assert result.data["pending"] and result.data["refunded"] == RENEW
    assert balance(alpha) == 100_000 - CREATE
    assert domain("life.com").expires_at == expiry
    assert EppStatus.PENDING_DELETE in services.info_domain("life.com").statuses
    assert rgp() == [RgpStatus.REDEMPTION_PERIOD]
    assert services.check(["life.com"])[0].status == CheckStatus.UNAVAILABLE
    settled()

    # Restore: the restore fee and, as it has expired, a year's renewal; back in the zone.
    restored = services.restore_domain(alpha, "life.com", expected_fee=RESTORE + RENEW)
    assert restored.data["rgp_status"] == RgpStatus.PENDING_RESTORE
    assert balance(alpha) == 100_000 - CREATE - RESTORE - RENEW
    settled("life.com")
    services.report_restore(alpha, "life.com", report())
    assert rgp() == [] and services.info_domain("life.com").statuses == [EppStatus.OK]
    assert domain("life.com").expires_at == services.add_years(expiry, 1)
    settled("life.com")

    # Delete again: redemption 30 days, pendingDelete 5 days, then purged.
    services.delete_domain(alpha, "life.com")
    settled()
    advance(days=30, seconds=1)
    assert rgp() == [RgpStatus.PENDING_DELETE]
    with pytest.raises(StatusProhibits):
        services.restore_domain(alpha, "life.com")
    settled()
    advance(days=5)
    assert not Domain.objects.filter(name="life.com", deleted_at=None).exists()
    assert services.check(["life.com"])[0].status == CheckStatus.AVAILABLE
    assert PollMessage.objects.filter(registrar=alpha, kind=PollKind.DELETED, data__has_key="purged_at").exists()
    settled()

    # The name is free: another registrar registers it; the old history stays.
    register(beta)
    settled("life.com")
    old = Domain.objects.get(name="life.com", deleted_at__isnull=False)
    kinds = list(DomainHistory.objects.filter(domain=old).values_list("kind", flat=True))
    assert kinds == [
        "domain.create",
        "domain.autoRenew",
        "domain.delete",
        "domain.restore",
        "domain.restore.report",
        "domain.delete",
        "domain.rgp",
        "domain.purge",
    ]


def report() -> dict:
    return {
        "pre_data": "life.com as it was",
        "post_data": "life.com as it is",
        "deleted_at": "2026-01-01T00:00:00Z",
        "restored_at": "2026-01-02T00:00:00Z",
        "reason": "deleted by mistake",
        "statements": ["The information is true.", "The restore is not for a third party."],
    }


def test_moving_the_clock_runs_each_renewal_in_order_once(alpha):
    register(alpha)
    expiry = domain("life.com").expires_at
    steps = advance(days=3 * 365 + 10)
    assert [s.ran for s in steps] == [{"registry.auto_renew": 1}] * 3
    # Each renewal ran when its expiry came, not all at the end.
    assert [s.at.date() for s in steps] == [services.add_years(expiry, n).date() for n in range(3)]
    assert domain("life.com").expires_at == services.add_years(expiry, 3)
    assert LedgerEntry.objects.filter(registrar=alpha, description__startswith="Auto-renew").count() == 3
    # Running the sweeps again does nothing more.
    assert clock.run_due() == {}
    settled("life.com")


# --- grace periods ------------------------------------------------------------------------------


def test_a_delete_in_the_add_grace_period_frees_the_name_at_once_and_refunds(alpha):
    register(alpha, years=2)
    settled("life.com")
    advance(days=4)
    result = services.delete_domain(alpha, "life.com")
    assert not result.data["pending"] and result.data["refunded"] == 2 * CREATE
    assert balance(alpha) == 100_000
    assert services.check(["life.com"])[0].status == CheckStatus.AVAILABLE
    settled()


def test_a_delete_after_the_add_grace_period_refunds_nothing(alpha):
    register(alpha)
    advance(days=5, seconds=1)
    assert services.delete_domain(alpha, "life.com").data["refunded"] == 0
    assert balance(alpha) == 100_000 - CREATE
    settled()


def test_a_delete_in_the_renew_grace_period_refunds_the_renewal(alpha):
    register(alpha)
    advance(days=10)
    expiry = domain("life.com").expires_at
    services.renew_domain(alpha, "life.com", current_expiry=expiry.date(), years=2)
    assert rgp() == [RgpStatus.RENEW_PERIOD]
    services.delete_domain(alpha, "life.com")
    assert balance(alpha) == 100_000 - CREATE
    assert domain("life.com").expires_at == expiry
    settled()


def test_periods_follow_the_tld(alpha, tlds):
    tlds["com"].add_grace_days = 0
    tlds["com"].save()
    register(alpha)
    assert rgp() == []
    assert services.delete_domain(alpha, "life.com").data["pending"]


# --- auto-renewal ------------------------------------------------------------------------------


def test_a_sponsor_that_cannot_pay_the_auto_renewal_loses_the_domain_to_redemption(tlds):
    poor = make_registrar("poor-reg", CREATE)
    register(poor)
    assert balance(poor) == 0
    advance(days=366)
    assert rgp() == [RgpStatus.REDEMPTION_PERIOD]
    message = PollMessage.objects.get(registrar=poor, kind=PollKind.DELETED, object_name="life.com")
    assert message.data["reason"] == "unpaid"
    assert not LedgerEntry.objects.filter(registrar=poor, description__startswith="Auto-renew").exists()
    settled()


# --- restore -------------------------------------------------------------------------------------


def test_a_restore_request_with_no_report_falls_back_into_redemption(alpha):
    register(alpha)
    advance(days=6)
    services.delete_domain(alpha, "life.com")
    services.restore_domain(alpha, "life.com")
    settled("life.com")
    advance(days=7, seconds=1)
    assert rgp() == [RgpStatus.REDEMPTION_PERIOD]
    assert PollMessage.objects.filter(registrar=alpha, kind=PollKind.RESTORE).exists()
    settled()
    with pytest.raises(StatusProhibits):
        services.report_restore(alpha, "life.com", report())


def test_a_tld_without_a_pending_restore_period_restores_on_the_request(alpha, tlds):
    tlds["com"].pending_restore_days = 0
    tlds["com"].save()
    register(alpha)
    advance(days=6)
    services.delete_domain(alpha, "life.com")
    assert services.restore_domain(alpha, "life.com").data["rgp_status"] == ""
    assert rgp() == [] and services.info_domain("life.com").statuses == [EppStatus.OK]
    settled("life.com")


def test_the_restore_quote_is_what_the_restore_charges(alpha, tlds):
    tlds["com"].redemption_days = 400  # long enough for the domain to expire in redemption
    tlds["com"].save()
    register(alpha)
    advance(days=6)
    services.delete_domain(alpha, "life.com")
    assert services.restore_quote("life.com") == services.RestoreQuote(fee=RESTORE, renew_years=0)
    advance(days=370)
    quote = services.restore_quote("life.com")
    assert quote == services.RestoreQuote(fee=RESTORE + RENEW, renew_years=1)
    before = balance(alpha)
    assert services.restore_domain(alpha, "life.com").data["fee"] == quote.fee
    assert before - balance(alpha) == quote.fee


def test_a_restore_quote_for_a_name_the_registry_does_not_hold_needs_an_expiry(tlds):
    with pytest.raises(ObjectNotFound):
        services.restore_quote("gone.com")
    expired = clock.now() - timedelta(days=400)
    assert services.restore_quote("gone.com", expires_at=expired) == services.RestoreQuote(
        fee=RESTORE + 2 * RENEW, renew_years=2
    )


def test_a_restore_that_cannot_be_paid_changes_nothing(tlds):
    poor = make_registrar("poor-reg", CREATE)
    register(poor)
    advance(days=6)
    services.delete_domain(poor, "life.com")
    with pytest.raises(InsufficientFunds):
        services.restore_domain(poor, "life.com")
    assert rgp() == [RgpStatus.REDEMPTION_PERIOD]
    settled()


# --- transfers ------------------------------------------------------------------------------------


def test_a_transfer_approved_by_the_sponsor_moves_the_domain_and_adds_a_year(alpha, beta):
    register(alpha)
    advance(days=10)
    expiry = domain("life.com").expires_at
    services.request_transfer(beta, "life.com", auth_info="2fooBAR!")
    services.approve_transfer(alpha, "life.com")
    moved = domain("life.com")
    assert moved.registrar == beta and moved.expires_at == services.add_years(expiry, 1)
    assert balance(beta) == 100_000 - TRANSFER
    assert rgp() == [RgpStatus.TRANSFER_PERIOD]
    assert PollMessage.objects.filter(registrar=alpha, kind=PollKind.TRANSFER).count() == 2
    settled("life.com")
    # A delete in the transfer grace period refunds the gaining registrar.
    services.delete_domain(beta, "life.com")
    assert balance(beta) == 100_000
    settled()


def test_a_rejected_transfer_refunds_the_gaining_registrar(alpha, beta):
    register(alpha)
    services.request_transfer(beta, "life.com", auth_info="2fooBAR!")
    services.reject_transfer(alpha, "life.com")
    assert domain("life.com").registrar == alpha
    assert balance(beta) == 100_000
    settled("life.com")


def test_a_transfer_nobody_answers_is_approved_by_the_clock(alpha, beta):
    register(alpha)
    services.request_transfer(beta, "life.com", auth_info="2fooBAR!")
    advance(days=4)
    assert domain("life.com").registrar == alpha
    steps = advance(days=2)
    assert steps[0].ran == {"registry.transfers": 1}
    assert domain("life.com").registrar == beta
    assert services.transfer_query("life.com", registrar=beta).status == TransferStatus.SERVER_APPROVED
    settled("life.com")


def test_a_transfer_in_the_auto_renew_grace_period_replaces_the_auto_renewal(alpha, beta):
    register(alpha)
    expiry = domain("life.com").expires_at
    advance(days=370)  # auto-renewed 5 days ago
    assert rgp() == [RgpStatus.AUTO_RENEW_PERIOD]
    services.request_transfer(beta, "life.com", auth_info="2fooBAR!")
    services.approve_transfer(alpha, "life.com")
    # The losing registrar gets the auto-renewal back; the transfer's year counts instead.
    assert balance(alpha) == 100_000 - CREATE
    assert domain("life.com").expires_at == services.add_years(expiry, 1)
    settled("life.com")


# --- the clock ---------------------------------------------------------------------------------


def test_the_clock_never_moves_backward(db):
    with pytest.raises(clock.ClockError, match="never moves backward"):
        clock.advance_to(clock.now() - timedelta(seconds=5))
    with pytest.raises(clock.ClockError):
        clock.advance(timedelta(days=-1))


def test_the_clock_is_shared_through_the_database(db):
    before = clock.now()
    advance(days=45)
    clock.forget()  # as another process would read it
    assert clock.now() - before >= timedelta(days=45)
    assert clock.offset() >= timedelta(days=45) - timedelta(seconds=5)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45d", 45 * 86400), ("1d12h", 36 * 3600), ("90s", 90), ("2w", 14 * 86400), ("1y", 365 * 86400)],
)
def test_durations(text, seconds):
    assert clock.parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "45", "d", "4x", "-1d", "1d 2"])
def test_bad_durations_are_refused(text):
    with pytest.raises(clock.ClockError):
        clock.parse_duration(text)
