"""Grace periods and deletion phases (RFC 3915): the refund windows a command opens, the
refunds a delete or transfer gives, and a domain's way out of service.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from config import clock
from registry import zones
from registry.choices import EppStatus, LedgerKind, RgpStatus
from registry.models import Domain, DomainStatus, GracePeriod, Operation, Registrar
from registry.services.billing import ledger
from registry.services.dates import add_years


def open_grace(
    domain: Domain,
    kind: RgpStatus,
    registrar: Registrar,
    amount: int,
    years: int,
    operation: Operation,
    starts: datetime,
    days: int,
) -> None:
    """Open a refund window of ``days`` from ``starts`` (none when the TLD sets 0)."""
    if days:
        GracePeriod.objects.create(
            domain=domain,
            kind=kind,
            registrar=registrar,
            amount=amount,
            years=years,
            operation=operation,
            starts_at=starts,
            ends_at=starts + timedelta(days=days),
        )


def current_graces(domain: Domain, now: datetime) -> list[GracePeriod]:
    return list(domain.grace_periods.filter(ends_at__gt=now).select_related("registrar"))


def rgp_statuses(domain: Domain) -> list[str]:
    """The RFC 3915 statuses of a domain now: its current grace periods and deletion phase."""
    # All of them, filtered here: a listing that prefetched them asks nothing more.
    now = clock.now()
    return with_phase((grace.kind for grace in domain.grace_periods.all() if grace.ends_at > now), domain)


def with_phase(graces: Iterable[str], domain: Domain) -> list[str]:
    """The RGP statuses: current grace period kinds ``graces`` and the deletion phase."""
    statuses = set(graces)
    if domain.rgp_status:
        statuses.add(domain.rgp_status)
    return sorted(statuses)


# The command whose cost each grace period refunds, as ledger descriptions name it.
_GRACE_COMMAND = {
    RgpStatus.ADD_PERIOD: "create",
    RgpStatus.RENEW_PERIOD: "renew",
    RgpStatus.AUTO_RENEW_PERIOD: "auto-renewal",
    RgpStatus.TRANSFER_PERIOD: "transfer",
}


def refund_graces(
    domain: Domain, graces: list[GracePeriod], operation: Operation, now: datetime, why: str = "deleted"
) -> int:
    """Give back what each grace period's command cost its payer, take back the years it
    added, and close the periods; returns the amount refunded."""
    refunded = 0
    for grace in graces:
        if grace.amount:
            ledger(
                grace.registrar,
                LedgerKind.REFUND,
                grace.amount,
                operation,
                f"Refund: {_GRACE_COMMAND[RgpStatus(grace.kind)]} of {domain.unicode_name} ({why} in its {grace.kind})",
                now,
            )
            refunded += grace.amount
        if grace.kind != RgpStatus.ADD_PERIOD:
            earlier = add_years(domain.expires_at, -grace.years)
            if earlier > domain.created_at:
                domain.expires_at = earlier
    close_graces(graces, now)
    return refunded


def close_graces(graces: list[GracePeriod], now: datetime) -> None:
    GracePeriod.objects.filter(pk__in=[g.pk for g in graces]).update(ends_at=now)


def enter_phase(domain: Domain, phase: RgpStatus, ends: datetime) -> None:
    domain.rgp_status, domain.rgp_ends_at = phase, ends
    if phase == RgpStatus.REDEMPTION_PERIOD:
        domain.redemption_ends_at = ends


def start_deletion(domain: Domain, now: datetime) -> datetime:
    """Take a domain out of service: pendingDelete, first the redemption period (when
    the TLD has one), then pendingDelete until the purge. Returns when redemption ends
    (``now`` when the TLD has none)."""
    DomainStatus.objects.get_or_create(domain=domain, status=EppStatus.PENDING_DELETE, defaults={"created_at": now})
    tld = domain.tld
    redemption_ends = now + timedelta(days=tld.redemption_days)
    if tld.redemption_days:
        enter_phase(domain, RgpStatus.REDEMPTION_PERIOD, redemption_ends)
    else:
        domain.redemption_ends_at = redemption_ends
        enter_phase(domain, RgpStatus.PENDING_DELETE, now + timedelta(days=tld.pending_delete_days))
    zones.request_after_commit(zones.zone_of_tld(tld.name), [domain.name])
    return redemption_ends
