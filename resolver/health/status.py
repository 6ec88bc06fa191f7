"""A health check's status: probing the due checks from each checker location, folding
each round into the locations' verdicts and the check's status (the 18% rule), and what
a change of status sets off (history, mail, calculated parents, the zones that use it)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from config import clock
from resolver import rental
from resolver.choices import HealthCheckKind, HealthStatus
from resolver.health.probes import Probe, probe
from resolver.models import CheckerObservation, HealthCheck, HealthEvent, HostedZone

log = logging.getLogger(__name__)

HEALTHY_SHARE = 0.18  # Route 53: healthy while more than 18% of the checkers say so


def locations(check: HealthCheck) -> tuple[str, ...]:
    """Where the check's checkers are: its own regions, else the emulator's locations."""
    return tuple(check.regions or settings.HEALTH_CHECKER_LOCATIONS)


def run_due_checks() -> int:
    """Probe every check that is due (claimed first, so overlapping sweeps never probe one
    twice), from every location at once; how many checks ran. A disabled check is not
    probed."""
    now = clock.now()
    claimed = []
    due = HealthCheck.objects.filter(next_check_at__lte=now, disabled=False)
    for check in due.exclude(kind=HealthCheckKind.CALCULATED):
        # Keep the cadence (the sweep's own delay must not add up); a check far behind,
        # as after the clock moved on, starts afresh from now.
        assert check.next_check_at is not None  # due: the filter says when
        following = check.next_check_at + timedelta(seconds=check.interval)
        if following <= now:
            following = now + timedelta(seconds=check.interval)
        if HealthCheck.objects.filter(pk=check.pk, next_check_at=check.next_check_at).update(next_check_at=following):
            claimed.append(check)
    if not claimed:
        return 0
    jobs = [(check, where) for check in claimed for where in locations(check)]
    with ThreadPoolExecutor(min(16, len(jobs))) as pool:
        results = list(pool.map(lambda job: probe(job[0]), jobs))
    by_check: dict[str, dict[str, Probe]] = {}
    for (check, where), result in zip(jobs, results, strict=True):
        by_check.setdefault(check.pk, {})[where] = result
    for check in claimed:
        record(check.pk, by_check[check.pk])
    return len(claimed)


def record(check_id: str, results: dict[str, Probe]) -> None:
    """Fold one round of probe results into each location's verdict and the check's status."""
    now = clock.now()
    with transaction.atomic():
        check = HealthCheck.objects.select_for_update().filter(pk=check_id).first()
        if check is None:
            return
        before = check.healthy
        verdicts = []
        for where, result in results.items():
            seen, _ = CheckerObservation.objects.get_or_create(
                health_check=check, location=where, defaults={"observed_at": now}
            )
            seen.streak = 0 if result.ok == seen.healthy else seen.streak + 1
            if seen.streak >= check.failure_threshold:
                seen.healthy, seen.streak = result.ok, 0
            seen.last_ok, seen.detail, seen.observed_at = result.ok, result.detail[:255], now
            if not result.ok:
                seen.last_failure, seen.failed_at = result.detail[:255], now
            seen.save()
            verdicts.append(seen.healthy)
        status = _status((sum(verdicts) / len(verdicts)) > HEALTHY_SHARE, check.inverted)
        if status != check.status:
            check.status, check.status_changed_at = status, now
            check.save(update_fields=["status", "status_changed_at"])
            if check.healthy != before:
                failing = sorted(r.detail for r in results.values() if not r.ok)
                changed(
                    check,
                    f"{sum(verdicts)} of {len(verdicts)} checkers healthy" + (f"; {failing[0]}" if failing else ""),
                )


def _status(healthy: bool, inverted: bool) -> str:
    return HealthStatus.HEALTHY if healthy != inverted else HealthStatus.UNHEALTHY


def calculated_status(check: HealthCheck) -> str:
    healthy = sum(child.healthy for child in check.children.all())
    return _status(healthy >= check.healthy_threshold, check.inverted)


def changed(check: HealthCheck, reason: str, seen: frozenset[str] = frozenset()) -> None:
    """A check's effective status changed: history, mail, calculated parents, zones."""
    now = clock.now()
    status = HealthStatus.HEALTHY if check.healthy else HealthStatus.UNHEALTHY
    HealthEvent.objects.create(health_check=check, status=status, reason=reason[:255], at=now)
    owner_email, label = check.owner.email, check.name or check.pk
    transaction.on_commit(lambda: _mail(owner_email, label, status, reason))
    zones = set(HostedZone.objects.filter(record_sets__health_check=check).values_list("pk", flat=True))
    if zones:
        HostedZone.objects.filter(pk__in=zones).update(version=F("version") + 1)
        for zone_id in zones:
            rental.publish_after_commit(zone_id)
    for parent in check.parents.select_for_update().exclude(pk__in=seen):
        before = parent.healthy
        parent.status, parent.status_changed_at = calculated_status(parent), now
        parent.save(update_fields=["status", "status_changed_at"])
        if parent.healthy != before:
            changed(parent, f"child {label} is {status.lower()}", seen | {check.pk})


def _mail(email: str, label: str, status: str, reason: str) -> None:
    if not email:
        return
    try:
        send_mail(
            f"Health check {label} is {status}",
            f"Your health check {label} is now {status}: {reason}.\n\n"
            "Record sets that use it are left out of answers while it is unhealthy.",
            None,
            [email],
        )
    except Exception:  # mail is a courtesy: the status change stands without it
        log.exception("could not mail %s about health check %s", email, label)
