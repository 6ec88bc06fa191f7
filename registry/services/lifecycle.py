"""What the registry does as the clock moves: auto-renew at expiry, and deleted domains
through redemption and pending delete to the purge. Each piece of work runs once, under a
client transaction id derived from the state it changes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from config import clock
from registry import zones
from registry.choices import OperationKind, PollKind, RgpStatus
from registry.errors import InsufficientFunds, ObjectNotFound, RegistryError, StatusProhibits
from registry.models import Domain, Host, Operation, Registrar
from registry.names import parse_domain_name
from registry.services.billing import debit
from registry.services.dates import add_years
from registry.services.graces import close_graces, current_graces, enter_phase, open_grace, start_deletion
from registry.services.objects import record_history
from registry.services.poll import post_poll
from registry.services.pricing import tld_fee, tld_for
from registry.services.transform import Body, Data, run_transform

log = logging.getLogger(__name__)


SWEEP_BATCH = 500


def _registry_transform(domain_id: int, name: str, kind: OperationKind, cl_trid: str, body: Body) -> bool:
    """Run one piece of scheduled work under the domain's sponsor, once per ``cl_trid``;
    False when the domain moved on meanwhile (the body raised a RegistryError)."""
    sponsor = Registrar.objects.get(domains__pk=domain_id)
    try:
        run_transform(sponsor, kind, cl_trid, {"name": name, "domain": domain_id}, body)
    except RegistryError as exc:
        log.info("scheduled %s of domain %s skipped: %s", kind, domain_id, exc)
        return False
    return True


def _locked_domain(domain_id: int) -> Domain:
    domain = (
        Domain.objects.select_for_update(of=("self",))
        .select_related("registrar", "tld")
        .filter(pk=domain_id, deleted_at=None)
        .first()
    )
    if domain is None:
        raise ObjectNotFound(f"domain {domain_id} is gone")
    return domain


def _renewable() -> QuerySet[Domain]:
    return Domain.objects.filter(deleted_at=None, rgp_status="")


def next_auto_renewal() -> datetime | None:
    return _renewable().order_by("expires_at").values_list("expires_at", flat=True).first()


def auto_renew_expired() -> int:
    """The registry renews every domain whose expiry date has come, for one year, and
    charges its sponsor (RFC 3915 auto-renew grace follows). A sponsor that cannot pay
    loses the domain: it goes into its redemption period as if deleted."""
    done = 0
    due = _renewable().filter(expires_at__lte=clock.now()).order_by("expires_at")
    for domain_id, name, expiry in due.values_list("id", "name", "expires_at")[:SWEEP_BATCH]:

        def body(operation: Operation, now: datetime, domain_id: int = domain_id, expiry: datetime = expiry) -> Data:
            domain = _locked_domain(domain_id)
            if domain.expires_at != expiry or domain.rgp_status:
                raise StatusProhibits(f"{domain.name} was renewed or deleted meanwhile")
            sponsor = domain.registrar
            fee = tld_fee(tld_for(parse_domain_name(domain.name)), "renew")
            try:
                debit(sponsor, fee, operation, f"Auto-renew {domain.unicode_name} for 1 year", now)
            except InsufficientFunds:
                close_graces(current_graces(domain, now), now)
                start_deletion(domain, now)
                domain.updated_at = now
                domain.save()
                record_history(
                    domain, operation, now, changes={"rgp_status": ["", domain.rgp_status], "reason": "unpaid"}
                )
                post_poll(
                    sponsor,
                    PollKind.DELETED,
                    domain.name,
                    f"{domain.unicode_name} expired and could not be auto-renewed (balance too low); "
                    "it is in its redemption period.",
                    {"name": domain.name, "rgp_status": domain.rgp_status, "reason": "unpaid"},
                    now,
                )
                return {"name": domain.name, "rgp_status": domain.rgp_status}
            domain.expires_at, domain.updated_at = add_years(expiry, 1), now
            domain.save(update_fields=["expires_at", "updated_at"])
            open_grace(
                domain,
                RgpStatus.AUTO_RENEW_PERIOD,
                sponsor,
                fee,
                1,
                operation,
                expiry,
                domain.tld.auto_renew_grace_days,
            )
            record_history(
                domain,
                operation,
                now,
                period=1,
                changes={"expires_at": [expiry.isoformat(), domain.expires_at.isoformat()]},
            )
            post_poll(
                sponsor,
                PollKind.AUTO_RENEW,
                domain.name,
                f"{domain.unicode_name} was auto-renewed until {domain.expires_at:%Y-%m-%d}.",
                {"name": domain.name, "expires_at": domain.expires_at.isoformat(), "fee": fee},
                now,
            )
            return {"name": domain.name, "expires_at": domain.expires_at.isoformat(), "fee": fee}

        done += _registry_transform(
            domain_id, name, OperationKind.DOMAIN_AUTO_RENEW, f"autorenew-{domain_id}-{expiry:%Y%m%d%H%M%S}", body
        )
    return done


def next_deletion_step() -> datetime | None:
    return (
        Domain.objects.filter(deleted_at=None, rgp_ends_at__isnull=False)
        .order_by("rgp_ends_at")
        .values_list("rgp_ends_at", flat=True)
        .first()
    )


def _next_phase(domain: Domain, now: datetime) -> dict[str, Any]:
    """Move a deleted domain on when its phase ends: redemption -> pendingDelete -> purged;
    a restore request with no report by its deadline falls back to redemption (or to
    pendingDelete once redemption is over)."""
    phase, ended = domain.rgp_status, domain.rgp_ends_at
    tld, sponsor = domain.tld, domain.registrar
    if phase == RgpStatus.PENDING_DELETE:
        domain.deleted_at, domain.updated_at = now, now
        domain.rgp_status, domain.rgp_ends_at = "", None
        domain.save()
        # Hosts under a purged name go with it, from every delegation that named them.
        hosts = list(domain.subordinate_hosts.filter(deleted_at=None))
        for host in hosts:
            for other in host.domains.filter(deleted_at=None).values_list("tld__name", flat=True).distinct():
                zones.request_after_commit(zones.zone_of_tld(other))
            host.domains.clear()
        Host.objects.filter(pk__in=[h.pk for h in hosts]).update(deleted_at=now, updated_at=now)
        post_poll(
            sponsor,
            PollKind.DELETED,
            domain.name,
            f"{domain.unicode_name} was purged; the name is available again.",
            {"name": domain.name, "purged_at": now.isoformat()},
            now,
        )
        return {"name": domain.name, "purged_at": now.isoformat(), "changes": {"deleted_at": [None, now.isoformat()]}}
    assert ended is not None  # only a domain in a deletion phase comes here
    redemption_ends = domain.redemption_ends_at
    if phase == RgpStatus.PENDING_RESTORE and redemption_ends is not None and redemption_ends > ended:
        enter_phase(domain, RgpStatus.REDEMPTION_PERIOD, redemption_ends)
    else:
        start = max(ended, redemption_ends or ended)
        enter_phase(domain, RgpStatus.PENDING_DELETE, start + timedelta(days=tld.pending_delete_days))
    if phase == RgpStatus.PENDING_RESTORE:  # it was back in the zone while the report was awaited
        zones.request_after_commit(zones.zone_of_tld(tld.name), [domain.name])
        post_poll(
            sponsor,
            PollKind.RESTORE,
            domain.name,
            f"No restore report for {domain.unicode_name} arrived in time; it is in its {domain.rgp_status} again.",
            {"name": domain.name, "rgp_status": domain.rgp_status},
            now,
        )
    domain.updated_at = now
    domain.save()
    return {"name": domain.name, "rgp_status": domain.rgp_status, "changes": {"rgp_status": [phase, domain.rgp_status]}}


def advance_deletions() -> int:
    """Move every deleted domain whose phase has ended to its next phase (or purge it)."""
    done = 0
    due = Domain.objects.filter(deleted_at=None, rgp_ends_at__lte=clock.now()).order_by("rgp_ends_at")
    for domain_id, name, phase, ends in due.values_list("id", "name", "rgp_status", "rgp_ends_at")[:SWEEP_BATCH]:
        kind = OperationKind.DOMAIN_PURGE if phase == RgpStatus.PENDING_DELETE else OperationKind.DOMAIN_DELETION_PHASE

        def body(
            operation: Operation,
            now: datetime,
            domain_id: int = domain_id,
            phase: str = phase,
            ends: datetime | None = ends,
        ) -> Data:
            domain = _locked_domain(domain_id)
            if (domain.rgp_status, domain.rgp_ends_at) != (phase, ends):
                raise StatusProhibits(f"{domain.name} left its {phase} meanwhile")
            data = _next_phase(domain, now)
            record_history(domain, operation, now, changes=data.pop("changes"))
            return data

        done += _registry_transform(domain_id, name, kind, f"rgp-{domain_id}-{phase}-{ends:%Y%m%d%H%M%S}", body)
    return done
