"""How Route 53 writes what the rental service keeps: ids with their resource prefix
(``/hostedzone/Z...``), names with a final dot and octal escapes (``\\052`` for ``*``),
zones, changes and record sets in the shapes of botocore's model, and the rental service's
refusals as Route 53's errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import dns.name
from django.db.models import QuerySet

from config.aws.dispatch import Call, Handler
from config.aws.errors import AwsError
from resolver import rental
from resolver.models import Change, DelegationSet, HostedZone

PATH = "/2013-04-01/"  # where every Route 53 operation lives
_OCTAL = re.compile(r"\\([0-7]{3})")
# Bytes Route 53 writes as they are in a name's labels; any other is written \ooo (octal).
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_")
_PLAIN_NAME = re.compile(r"(?:[a-z0-9_-]+\.)+|\.")


def bare_id(value: str, kind: str) -> str:
    """``Z123`` from ``Z123`` or ``/hostedzone/Z123`` (the forms clients send)."""
    prefix = f"/{kind}/"
    return value[len(prefix) :] if value.startswith(prefix) else value.lstrip("/")


def name_in(text: str) -> str:
    """A name as Route 53 takes it (octal escapes like ``\\052``) in the form the rental
    service takes (a zone file's: ``\\DDD`` escapes are decimal, so an escaped dot or
    backslash stays inside its label). Route 53 refuses a space or control character that
    is not escaped, and so does this (AWS's words)."""
    if bad := next((c for c in text if c.isspace() or not c.isprintable()), None):
        raise UnsupportedCharacter(bad)
    return _OCTAL.sub(lambda m: f"\\{int(m.group(1), 8):03d}", text)


class UnsupportedCharacter(rental.RentalError):
    def __init__(self, character: str) -> None:
        what = "FATAL problem: UnsupportedCharacter (Value contains unsupported characters)"
        super().__init__(f"{what} encountered with '{character}'", code="unsupported_character")


def name_out(name: str) -> str:
    """A stored name (absolute, as dnspython writes it) as Route 53 writes it: lower case,
    each byte outside a-z, 0-9, - and _ as a three-digit octal escape."""
    if _PLAIN_NAME.fullmatch(name):  # most names: nothing to escape, nothing to parse
        return name
    labels = dns.name.from_text(name).labels
    return (
        "".join("".join(chr(b) if b in _PLAIN else f"\\{b:03o}" for b in label) + "." for label in labels[:-1]) or "."
    )


def page_size(raw: str | None, most: int, default: int | None = None) -> int:
    """A list operation's MaxItems: ``default`` (else ``most``) when not given, at most ``most``."""
    if raw is None:
        return default or most
    try:
        size = int(raw)
    except ValueError:
        raise AwsError("InvalidInput", f"Value '{raw}' at 'maxItems' is not a valid integer") from None
    if size < 1:
        raise AwsError(
            "InvalidInput", f"Value '{raw}' at 'maxItems' failed to satisfy constraint: Member must be positive"
        )
    return min(size, most)


def marker_page(
    rows: QuerySet[Any], key: str, marker: str | None, size: int, render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """A Marker-paged list as Route 53 gives it (zones, health checks, delegation sets):
    the rows from the one ``marker`` names, in id order, under ``key``; NextMarker names
    the first row of the next page. Marker is left out when the request gave none."""
    if marker:
        rows = rows.filter(pk__gte=marker)
    page = list(rows.order_by("pk")[: size + 1])
    out: dict[str, Any] = {
        key: [render(row) for row in page[:size]],
        "Marker": marker,
        "IsTruncated": len(page) > size,
        "MaxItems": str(size),
    }
    if len(page) > size:
        out["NextMarker"] = page[size].pk
    return out


def hosted_zone(zone: HostedZone, record_sets: int) -> dict[str, Any]:
    """The model's HostedZone; ``record_sets`` counts Route 53's way (its SOA and NS too)."""
    return {
        "Id": f"/hostedzone/{zone.pk}",
        "Name": name_out(zone.name),
        "CallerReference": zone.caller_reference,
        "Config": {"Comment": zone.comment, "PrivateZone": False} if zone.comment else {"PrivateZone": False},
        "ResourceRecordSetCount": record_sets + 2,
    }


def delegation_set(zone: HostedZone) -> dict[str, Any]:
    """A zone's delegation set; its Id when it is one of the account's reusable sets."""
    if zone.delegation_set is not None:
        return reusable_set(zone.delegation_set)
    return {"NameServers": [name.rstrip(".") for name in zone.nameservers]}


def reusable_set(found: DelegationSet) -> dict[str, Any]:
    return {
        "Id": f"/delegationset/{found.pk}",
        "CallerReference": found.caller_reference,
        "NameServers": [name.rstrip(".") for name in found.nameservers],
    }


def change_info(change: Change) -> dict[str, Any]:
    out = {"Id": f"/change/{change.pk}", "Status": change.status, "SubmittedAt": change.submitted_at}
    if change.comment:
        out["Comment"] = change.comment
    return out


# --- errors ------------------------------------------------------------------------------------

# The rental service's refusals by code, as Route 53's error codes.
CODES = {
    "invalid_request": "InvalidInput",
    "invalid_name": "InvalidDomainName",
    "reserved_name": "InvalidDomainName",
    "caller_reference_used": "HostedZoneAlreadyExists",
    "hosted_zone_not_empty": "HostedZoneNotEmpty",
    "conflicting_domain": "ConflictingDomainExists",
    "invalid_health_check": "InvalidInput",
    "health_check_in_use": "HealthCheckInUse",
    "health_check_exists": "HealthCheckAlreadyExists",
    "health_check_version": "HealthCheckVersionMismatch",
    "no_health_check": "NoSuchHealthCheck",
    "no_delegation_set": "NoSuchDelegationSet",
    "delegation_set_exists": "DelegationSetAlreadyCreated",
    "delegation_set_reusable": "DelegationSetAlreadyReusable",
    "delegation_set_in_use": "DelegationSetInUse",
}
# Quotas by Route 53's names, as the error each answers with.
LIMIT_CODES = {
    "MAX_HOSTED_ZONES_BY_OWNER": "TooManyHostedZones",
    "MAX_ZONES_BY_REUSABLE_DELEGATION_SET": "TooManyHostedZones",
    "MAX_HEALTH_CHECKS_BY_OWNER": "TooManyHealthChecks",
    "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER": "LimitsExceeded",
}


def translated(handler: Callable[[Call], dict[str, Any]]) -> Handler:
    """``handler`` with the rental service's refusals answered as Route 53's errors."""

    @wraps(handler)
    def run(call: Call) -> dict[str, Any]:
        try:
            return handler(call)
        except rental.ChangeRejected as exc:
            raise AwsError("InvalidChangeBatch", f"[{exc.reason}]") from None
        except rental.LimitExceeded as exc:
            raise AwsError(LIMIT_CODES.get(exc.limit, "LimitsExceeded"), exc.message) from None
        except rental.RentalError as exc:
            raise AwsError(CODES.get(exc.code, "InvalidInput"), exc.message) from None

    return run
