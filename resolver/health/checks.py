"""Health checks as their owner sets them up: making one (idempotent on its caller
reference), changing one (Route 53's HealthCheckVersion guards against lost updates),
deleting one, forcing a status by hand."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from config import clock
from resolver import rental
from resolver.choices import HealthCheckKind, HealthOverride, TaggedKind
from resolver.health.status import calculated_status, changed
from resolver.models import HealthCheck
from resolver.rental import limits

INTERVALS = (10, 30)
MAX_CHILDREN = 256
MIN_REGIONS = 3
# Route 53's checker regions; a check may name these or the emulator's own locations.
ROUTE53_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
ENDPOINT_FIELDS = ("ip_address", "port", "host", "path", "search_string", "enable_sni")
FLAGS = ("inverted", "disabled", "measure_latency", "enable_sni")
# What an update may change (the kind, interval and latency measuring are set for good).
UPDATABLE = {
    "name",
    "ip_address",
    "port",
    "host",
    "path",
    "search_string",
    "failure_threshold",
    "children",
    "healthy_threshold",
    "inverted",
    "disabled",
    "enable_sni",
    "regions",
}
KNOWN = UPDATABLE | {"kind", "interval", "measure_latency", "caller_reference"}


class HealthCheckError(rental.RentalError):
    code = "invalid_health_check"


def _whole_number(value: object, field: str, low: int, high: int) -> int:
    return rental.whole_number(value, field, low, high, HealthCheckError)


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise HealthCheckError(f"{field}: true or false")
    return value


def create_health_check(owner: Any, data: dict[str, Any]) -> HealthCheck:
    """A new check from its settings (``kind``; for an endpoint ``ip_address`` and/or
    ``host``, ``port``, ``path``, ``search_string``, ``interval``, ``failure_threshold``,
    ``enable_sni``, ``measure_latency``; for a calculated one ``children`` and
    ``healthy_threshold``; for any ``inverted``, ``disabled``, ``regions``, ``name``).
    Probed for the first time at once. With a ``caller_reference`` used before, the check
    it made when the settings are the same, else a refusal (Route 53's rule)."""
    if not isinstance(data, dict):
        raise HealthCheckError("a health check is an object")
    if unknown := set(data) - KNOWN:
        raise HealthCheckError(f"unknown fields {', '.join(sorted(unknown))}")
    kind = str(data.get("kind", "")).upper()
    if kind not in HealthCheckKind.values:
        raise HealthCheckError(f"kind must be one of {', '.join(HealthCheckKind.values)}")
    reference = str(data.get("caller_reference") or "").strip()
    if len(reference) > 64:
        raise HealthCheckError("caller_reference: at most 64 characters")
    now = clock.now()
    check = HealthCheck(id=str(uuid.uuid4()), owner=owner, kind=kind, caller_reference=reference, created_at=now)
    if kind != HealthCheckKind.CALCULATED:
        check.interval = _whole_number(data.get("interval", 30), "interval", 10, 30)
        if check.interval not in INTERVALS:
            raise HealthCheckError("interval: 10 or 30 seconds")
        check.measure_latency = _flag(data.get("measure_latency", False), "measure_latency")
        check.next_check_at = now
    # Route 53's defaults: three failures in a row, and SNI for HTTPS.
    defaults: dict[str, Any] = {}
    if kind != HealthCheckKind.CALCULATED:
        defaults = {"failure_threshold": 3, "enable_sni": kind == HealthCheckKind.HTTPS}
    children = _apply(check, {**defaults, **data}, creating=True)
    with transaction.atomic():
        if reference:
            previous = HealthCheck.objects.select_for_update().filter(owner=owner, caller_reference=reference).first()
            if previous is not None:
                if _same_settings(previous, check, children):
                    return previous
                raise rental.Conflict(
                    "A different health check has already been created with the specified caller reference.",
                    code="health_check_exists",
                )
        limits.check(limits.HEALTH_CHECKS, owner)
        check.save()
        if kind == HealthCheckKind.CALCULATED:
            check.children.set(children)
            check.status = calculated_status(check)
            check.save(update_fields=["status"])
    return check


def _same_settings(previous: HealthCheck, new: HealthCheck, children: list[HealthCheck]) -> bool:
    fields = ("kind", "interval", "measure_latency", *UPDATABLE - {"children"})
    same = all(getattr(previous, name) == getattr(new, name) for name in fields)
    return same and {c.pk for c in previous.children.all()} == {c.pk for c in children}


def _apply(check: HealthCheck, data: dict[str, Any], *, creating: bool) -> list[HealthCheck]:
    """Check and set the fields ``data`` gives (all of a new check's); the children of a
    calculated check, which are set once it is saved."""
    if "name" in data:
        check.name = str(data.get("name") or "")[:128]
    for field in FLAGS:
        if field in data and field != "measure_latency":
            setattr(check, field, _flag(data[field], field))
    if "regions" in data:
        check.regions = _regions(data["regions"])
    if check.kind == HealthCheckKind.CALCULATED:
        for field in ("interval", *ENDPOINT_FIELDS, "failure_threshold", "measure_latency"):
            if data.get(field) not in (None, "", False):
                raise HealthCheckError(f"{field} belongs to an endpoint check, not a calculated one")
        return _children(check, data, creating=creating)
    if data.get("children") or data.get("healthy_threshold") is not None:
        raise HealthCheckError("children and healthy_threshold belong to a calculated check")
    _endpoint(check, data, creating=creating)
    return []


def _endpoint(check: HealthCheck, data: dict[str, Any], *, creating: bool) -> None:
    """Check and set an endpoint check's target and probe settings."""
    if "ip_address" in data:
        check.ip_address = _address(data["ip_address"])
    if "host" in data:
        check.host = _host(data["host"])
    if not check.ip_address and not check.host:
        raise HealthCheckError(
            "an endpoint check needs an ip_address, a host (resolved through the emulated resolver), or both"
        )
    if "port" in data or creating:
        default = 443 if check.kind == HealthCheckKind.HTTPS else 80
        check.port = _whole_number(data.get("port") or default, "port", 1, 65535)
    if "path" in data or creating:
        check.path = str(data.get("path") or "/")[:255]
        if not check.path.startswith("/"):
            raise HealthCheckError("path must start with /")
    if "search_string" in data:
        check.search_string = str(data.get("search_string") or "")[:255]
    if check.kind == HealthCheckKind.TCP and (check.search_string or data.get("path")):
        raise HealthCheckError("a TCP check only connects: no path or search_string")
    if "failure_threshold" in data:
        check.failure_threshold = _whole_number(data["failure_threshold"], "failure_threshold", 1, 10)


def _children(check: HealthCheck, data: dict[str, Any], *, creating: bool) -> list[HealthCheck]:
    if "children" not in data and not creating:
        children = list(check.children.all())
    else:
        ids = data.get("children") or []
        if not isinstance(ids, list) or len(ids) > MAX_CHILDREN:
            raise HealthCheckError(f"children: a list of at most {MAX_CHILDREN} of your health check ids")
        children = list(HealthCheck.objects.filter(owner=check.owner, pk__in=ids).exclude(pk=check.pk))
        if missing := set(ids) - {c.pk for c in children}:
            raise HealthCheckError(f"children: no health check {', '.join(sorted(map(str, missing)))}")
    if "healthy_threshold" in data or creating:
        # As Route 53: more than there are children is allowed (the check is then never healthy).
        check.healthy_threshold = _whole_number(data.get("healthy_threshold", 1), "healthy_threshold", 0, MAX_CHILDREN)
    return children


def _address(value: object) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise HealthCheckError(f"ip_address: {value!r} is not an IP address") from None


def _host(value: object) -> str:
    text = str(value or "").strip().rstrip(".")
    if not text:
        return ""
    try:
        return rental.absolute_name(text).to_text().rstrip(".")
    except rental.RentalError as exc:
        raise HealthCheckError(f"host: {exc.message}") from None


def _regions(value: object) -> list[str]:
    if value in (None, []):
        return []
    known = set(ROUTE53_REGIONS) | set(settings.HEALTH_CHECKER_LOCATIONS)
    if not isinstance(value, list) or len(set(value)) < MIN_REGIONS or not set(map(str, value)) <= known:
        raise HealthCheckError(
            f"regions: at least {MIN_REGIONS} different checker regions of {', '.join(sorted(known))}"
        )
    return sorted(set(map(str, value)))


def check_of(owner: Any, check_id: str, *, lock: bool = False) -> HealthCheck:
    checks = HealthCheck.objects.filter(pk=check_id, owner=owner)
    check = (checks.select_for_update() if lock else checks).first()
    if check is None:
        raise rental.NotFound(f"no health check {check_id}", code="no_health_check")
    return check


def update_health_check(
    owner: Any, check_id: str, data: dict[str, Any], *, version: int | None = None, reset: tuple[str, ...] = ()
) -> HealthCheck:
    """Change the settings ``data`` gives (and clear those named in ``reset``: host,
    regions, path, children); refused when ``version`` is given and the check has moved
    past it. Each update makes the next version."""
    if unknown := set(data) - UPDATABLE:
        raise HealthCheckError(f"these cannot change after creation, or are unknown: {', '.join(sorted(unknown))}")
    cleared = {"host": "", "regions": [], "path": "/", "children": []}
    if bad := set(reset) - set(cleared):
        raise HealthCheckError(f"reset: only {', '.join(sorted(cleared))}, not {', '.join(sorted(bad))}")
    with transaction.atomic():
        check = check_of(owner, check_id, lock=True)
        if version is not None and version < check.version:
            raise rental.Conflict(
                f"The health check {check_id} is at version {check.version}, newer than {version}: "
                "read it again and apply your change to what it is now",
                code="health_check_version",
            )
        before = check.healthy
        children = _apply(check, {**{name: cleared[name] for name in reset}, **data}, creating=False)
        check.version += 1
        check.save()
        if check.kind == HealthCheckKind.CALCULATED:
            check.children.set(children)
            check.status = calculated_status(check)
            check.save(update_fields=["status"])
        if check.healthy != before:
            changed(check, "settings changed")
    return check


def delete_health_check(owner: Any, check_id: str) -> None:
    with transaction.atomic():
        check = check_of(owner, check_id, lock=True)
        if check.record_sets.exists() or check.parents.exists():
            raise rental.Conflict(
                f"health check {check_id} is in use by record sets or calculated checks", code="health_check_in_use"
            )
        check.delete()
        rental.drop_tags(TaggedKind.HEALTH_CHECK, check_id)


def set_override(owner: Any, check_id: str, override: str) -> HealthCheck:
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
            changed(check, f"override set to {override}" if override else "override removed")
    return check
