"""Health checks (Route 53's): probing customers' endpoints from several emulated checker
locations, turning their results into a status, and routing around what is unhealthy.

Celery beat runs ``run_due_checks`` every HEALTH_SWEEP_EVERY seconds (half a second); a
check is due every ``interval`` seconds of the emulator clock. Each location probes on its own and changes its verdict
only after ``failure_threshold`` results in a row that disagree with it; the check is
healthy while more than 18% of the locations say so. A status change is recorded as a
HealthEvent, mailed to the owner, passed up to calculated checks, and republishes every
hosted zone whose record sets name the check, so answers leave out what is unhealthy.

Endpoints must be loopback addresses: the emulator never sends traffic off the machine.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from config import clock
from resolver import rental
from resolver.choices import HealthCheckKind, HealthOverride, HealthStatus
from resolver.models import CheckerObservation, HealthCheck, HealthEvent, HostedZone

log = logging.getLogger(__name__)

INTERVALS = (10, 30)
HEALTHY_SHARE = 0.18  # Route 53: healthy while more than 18% of the checkers say so
BODY_SEARCHED = 5120  # bytes of the body a search string is looked for in, as Route 53
MAX_CHILDREN = 256


class HealthCheckError(rental.RentalError):
    code = "invalid_health_check"


def _whole_number(value, field: str, low: int, high: int) -> int:
    return rental.whole_number(value, field, low, high, HealthCheckError)


def locations() -> tuple[str, ...]:
    return tuple(settings.HEALTH_CHECKER_LOCATIONS)


# --- the checks ---------------------------------------------------------------------------------


def create_health_check(owner, data: dict) -> HealthCheck:
    """A new check from its settings (``kind``, ``ip_address``, ``port``, ``host``, ``path``,
    ``search_string``, ``interval``, ``failure_threshold``; for a calculated one,
    ``children`` and ``healthy_threshold``). Probed for the first time at once."""
    if not isinstance(data, dict):
        raise HealthCheckError("a health check is an object")
    known = {
        "name",
        "kind",
        "ip_address",
        "port",
        "host",
        "path",
        "search_string",
        "interval",
        "failure_threshold",
        "children",
        "healthy_threshold",
    }
    if unknown := set(data) - known:
        raise HealthCheckError(f"unknown fields {', '.join(sorted(unknown))}")
    kind = str(data.get("kind", "")).upper()
    if kind not in HealthCheckKind.values:
        raise HealthCheckError(f"kind must be one of {', '.join(HealthCheckKind.values)}")
    now = clock.now()
    check = HealthCheck(
        id=rental.new_id("HC"), owner=owner, name=str(data.get("name") or "")[:128], kind=kind, created_at=now
    )
    children: list[HealthCheck] = []
    if kind == HealthCheckKind.CALCULATED:
        ids = data.get("children") or []
        if not isinstance(ids, list) or not ids or len(ids) > MAX_CHILDREN:
            raise HealthCheckError(f"children: a list of 1 to {MAX_CHILDREN} of your health check ids")
        children = list(HealthCheck.objects.filter(owner=owner, pk__in=ids))
        if missing := set(ids) - {c.pk for c in children}:
            raise HealthCheckError(f"children: no health check {', '.join(sorted(map(str, missing)))}")
        check.healthy_threshold = _whole_number(data.get("healthy_threshold", 1), "healthy_threshold", 0, len(children))
        for field in ("ip_address", "port", "search_string"):
            if data.get(field):
                raise HealthCheckError(f"{field} belongs to an endpoint check, not a calculated one")
    else:
        check.ip_address = _loopback(data.get("ip_address"))
        default_port = 443 if kind == HealthCheckKind.HTTPS else 80
        check.port = _whole_number(data.get("port", default_port), "port", 1, 65535)
        check.host = str(data.get("host") or "").strip().rstrip(".")[:255]
        check.path = str(data.get("path") or "/")[:255]
        if not check.path.startswith("/"):
            raise HealthCheckError("path must start with /")
        check.search_string = str(data.get("search_string") or "")[:255]
        if kind == HealthCheckKind.TCP and (check.search_string or data.get("path")):
            raise HealthCheckError("a TCP check only connects: no path or search_string")
        check.interval = _whole_number(data.get("interval", 30), "interval", 10, 30)
        if check.interval not in INTERVALS:
            raise HealthCheckError("interval: 10 or 30 seconds")
        check.failure_threshold = _whole_number(data.get("failure_threshold", 3), "failure_threshold", 1, 10)
        check.next_check_at = now
    with transaction.atomic():
        check.save()
        if children:
            check.children.set(children)
            check.status = _calculated_status(check)
            check.save(update_fields=["status"])
    return check


def _loopback(value) -> str:
    try:
        address = ipaddress.ip_address(str(value or "").strip())
    except ValueError:
        raise HealthCheckError(f"ip_address: {value!r} is not an IP address") from None
    if not address.is_loopback:
        raise HealthCheckError("ip_address: the emulator only probes loopback addresses (127.0.0.0/8, ::1)")
    return str(address)


def check_of(owner, check_id: str, *, lock: bool = False) -> HealthCheck:
    checks = HealthCheck.objects.filter(pk=check_id, owner=owner)
    check = (checks.select_for_update() if lock else checks).first()
    if check is None:
        raise rental.NotFound(f"no health check {check_id}")
    return check


def delete_health_check(owner, check_id: str) -> None:
    with transaction.atomic():
        check = check_of(owner, check_id, lock=True)
        if check.record_sets.exists() or check.parents.exists():
            raise rental.Conflict(
                f"health check {check_id} is in use by record sets or calculated checks", code="health_check_in_use"
            )
        check.delete()


def set_override(owner, check_id: str, override: str) -> HealthCheck:
    """Force a status by hand ('HEALTHY', 'UNHEALTHY') or give it back to the checkers ('')."""
    override = str(override or "").upper()
    if override not in HealthOverride.values:
        raise HealthCheckError("override: HEALTHY, UNHEALTHY, or empty to let the checkers decide")
    with transaction.atomic():
        check = check_of(owner, check_id, lock=True)
        before = check.healthy
        check.override = override
        check.save(update_fields=["override"])
        if check.healthy != before:
            _changed(check, f"override set to {override}" if override else "override removed")
    return check


# --- probing ------------------------------------------------------------------------------------


def probe(check: HealthCheck) -> tuple[bool, str]:
    """One probe of the endpoint: (healthy, what was seen)."""
    timeout = settings.HEALTH_CHECK_TIMEOUT
    assert check.ip_address is not None and check.port is not None  # an endpoint check has both
    address = (check.ip_address, check.port)
    try:
        if check.kind == HealthCheckKind.TCP:
            with socket.create_connection(address, timeout=timeout):
                return True, "connected"
        conn: http.client.HTTPConnection
        if check.kind == HealthCheckKind.HTTPS:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # as Route 53: the certificate is not validated
            conn = http.client.HTTPSConnection(*address, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection(*address, timeout=timeout)
        try:
            conn.request("GET", check.path or "/", headers={"Host": check.host or check.ip_address})
            response = conn.getresponse()
            body = response.read(BODY_SEARCHED)
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return False, f"{type(exc).__name__}: {exc}"[:255]
    if not 200 <= response.status < 400:
        return False, f"HTTP {response.status}"
    if check.search_string and check.search_string.encode() not in body:
        return False, f"HTTP {response.status}, {check.search_string!r} not in the first {BODY_SEARCHED} bytes"
    return True, f"HTTP {response.status}"


def run_due_checks() -> int:
    """Probe every check that is due (claimed first, so overlapping sweeps never probe one
    twice), from every location at once; how many checks ran."""
    now = clock.now()
    claimed = []
    for check in HealthCheck.objects.filter(next_check_at__lte=now).exclude(kind=HealthCheckKind.CALCULATED):
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
    jobs = [(check, where) for check in claimed for where in locations()]
    with ThreadPoolExecutor(min(16, len(jobs))) as pool:
        results = list(pool.map(lambda job: probe(job[0]), jobs))
    by_check: dict[str, dict[str, tuple[bool, str]]] = {}
    for (check, where), result in zip(jobs, results, strict=True):
        by_check.setdefault(check.pk, {})[where] = result
    for check in claimed:
        record(check.pk, by_check[check.pk])
    return len(claimed)


def record(check_id: str, results: dict[str, tuple[bool, str]]) -> None:
    """Fold one round of probe results into each location's verdict and the check's status."""
    now = clock.now()
    with transaction.atomic():
        check = HealthCheck.objects.select_for_update().filter(pk=check_id).first()
        if check is None:
            return
        before = check.healthy
        verdicts = []
        for where, (ok, detail) in results.items():
            seen, _ = CheckerObservation.objects.get_or_create(
                health_check=check, location=where, defaults={"observed_at": now}
            )
            seen.streak = 0 if ok == seen.healthy else seen.streak + 1
            if seen.streak >= check.failure_threshold:
                seen.healthy, seen.streak = ok, 0
            seen.last_ok, seen.detail, seen.observed_at = ok, detail[:255], now
            seen.save()
            verdicts.append(seen.healthy)
        share = sum(verdicts) / len(verdicts)
        status = HealthStatus.HEALTHY if share > HEALTHY_SHARE else HealthStatus.UNHEALTHY
        if status != check.status:
            check.status, check.status_changed_at = status, now
            check.save(update_fields=["status", "status_changed_at"])
            if check.healthy != before:
                failing = sorted(f"{d}" for ok, d in results.values() if not ok)
                _changed(
                    check,
                    f"{sum(verdicts)} of {len(verdicts)} checkers healthy" + (f"; {failing[0]}" if failing else ""),
                )


def _calculated_status(check: HealthCheck) -> str:
    healthy = sum(child.healthy for child in check.children.all())
    return HealthStatus.HEALTHY if healthy >= check.healthy_threshold else HealthStatus.UNHEALTHY


def _changed(check: HealthCheck, reason: str, seen: frozenset[str] = frozenset()) -> None:
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
        parent.status, parent.status_changed_at = _calculated_status(parent), now
        parent.save(update_fields=["status", "status_changed_at"])
        if parent.healthy != before:
            _changed(parent, f"child {label} is {status.lower()}", seen | {check.pk})


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
