"""Route 53's hosted-zone operations over the rental service's hosted zones."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from resolver import rental
from resolver.aws import wire
from resolver.aws.wire import translated
from resolver.models import DelegationSet, HostedZone

MAX_ZONES_PER_PAGE = 100


def zone_of(call: Call, raw_id: str, *, lock: bool = False) -> HostedZone:
    """The caller's hosted zone ``raw_id`` (with or without ``/hostedzone/``); another
    account's is as unknown as a missing one."""
    zone_id = wire.bare_id(raw_id, "hostedzone")
    try:
        return rental.zone_of(call.account, zone_id, lock=lock)
    except rental.NotFound:
        raise AwsError("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}") from None


def delegation_set_of(call: Call, raw_id: str) -> DelegationSet:
    set_id = wire.bare_id(raw_id, "delegationset")
    try:
        return rental.delegation_set_of(call.account, set_id)
    except rental.NotFound:
        raise AwsError(
            "NoSuchDelegationSet", f"A reusable delegation set with the ID {set_id} does not exist."
        ) from None


def _owned(call: Call) -> QuerySet[HostedZone]:
    return HostedZone.objects.filter(owner=call.account).annotate(record_set_count=Count("record_sets"))


def _zone_entry(zone: HostedZone) -> dict[str, Any]:
    return wire.hosted_zone(zone, getattr(zone, "record_set_count", None) or zone.record_sets.count())


@translated
def create_hosted_zone(call: Call) -> dict[str, Any]:
    params = call.params
    config = params.get("HostedZoneConfig") or {}
    if params.get("VPC") or config.get("PrivateZone"):
        raise AwsError("InvalidInput", "Private hosted zones (VPC associations) are not emulated; create a public one")
    set_id = wire.bare_id(params.get("DelegationSetId") or "", "delegationset")
    used = AwsError(
        "HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference."
    )
    try:
        zone, change, created = rental.create_hosted_zone(
            call.account,
            wire.name_in(params["Name"]),
            caller_reference=params["CallerReference"],
            comment=config.get("Comment") or "",
            delegation_set_id=set_id,
        )
    except rental.NotFound:
        raise AwsError(
            "NoSuchDelegationSet", f"A reusable delegation set with the ID {set_id} does not exist."
        ) from None
    except rental.Conflict as exc:
        if exc.code == "caller_reference_used":
            raise used from None
        raise
    if not created:  # Route 53 answers a repeated CallerReference with an error, not the zone
        raise used
    assert change is not None
    return {
        "HostedZone": wire.hosted_zone(zone, 0),
        "ChangeInfo": wire.change_info(change),
        "DelegationSet": wire.delegation_set(zone),
        "Location": f"{call.endpoint}{wire.PATH}hostedzone/{zone.pk}",
    }


@translated
def get_hosted_zone(call: Call) -> dict[str, Any]:
    zone = zone_of(call, call.params["Id"])
    return {"HostedZone": _zone_entry(zone), "DelegationSet": wire.delegation_set(zone)}


@translated
def list_hosted_zones(call: Call) -> dict[str, Any]:
    """The caller's zones in the order of their ids; ``Marker`` is the id to start at. Every
    zone is public: a filter on private ones finds none."""
    size = wire.page_size(call.params.get("MaxItems"), MAX_ZONES_PER_PAGE)
    zones = _owned(call)
    if call.params.get("DelegationSetId"):
        zones = zones.filter(delegation_set=delegation_set_of(call, call.params["DelegationSetId"]))
    if call.params.get("HostedZoneType") == "PrivateHostedZone":
        zones = zones.none()
    marker = wire.bare_id(call.params["Marker"], "hostedzone") if call.params.get("Marker") else None
    return wire.marker_page(zones, "HostedZones", marker, size, _zone_entry)


def _reversed_labels(name: str) -> str:
    return ".".join(reversed(name.rstrip(".").split(".")))


@translated
def list_hosted_zones_by_name(call: Call) -> dict[str, Any]:
    """The caller's zones ordered by name with its labels reversed (com.example.www), then
    by id; ``DNSName`` (and ``HostedZoneId``) say where to start."""
    size = wire.page_size(call.params.get("MaxItems"), MAX_ZONES_PER_PAGE)
    zones = sorted(_owned(call), key=lambda z: (_reversed_labels(z.name), z.pk))
    start_name = call.params.get("DNSName")
    start_id = call.params.get("HostedZoneId")
    if start_id and not start_name:
        raise AwsError("InvalidInput", "HostedZoneId is only used together with DNSName")
    if start_name:
        start = _reversed_labels(rental.absolute_name(wire.name_in(start_name)).to_text())
        first_id = wire.bare_id(start_id, "hostedzone") if start_id else ""
        zones = [z for z in zones if (_reversed_labels(z.name), z.pk) >= (start, first_id)]
    out: dict[str, Any] = {
        "HostedZones": [_zone_entry(zone) for zone in zones[:size]],
        "IsTruncated": len(zones) > size,
        "MaxItems": str(size),
    }
    if start_name:
        out["DNSName"] = start_name
    if start_id:
        out["HostedZoneId"] = wire.bare_id(start_id, "hostedzone")
    if len(zones) > size:
        out["NextDNSName"] = wire.name_out(zones[size].name)
        out["NextHostedZoneId"] = zones[size].pk
    return out


@translated
def get_hosted_zone_count(call: Call) -> dict[str, Any]:
    return {"HostedZoneCount": HostedZone.objects.filter(owner=call.account).count()}


@translated
def update_hosted_zone_comment(call: Call) -> dict[str, Any]:
    zone = zone_of(call, call.params["Id"])
    zone = rental.update_hosted_zone_comment(call.account, zone.pk, call.params.get("Comment") or "")
    return {"HostedZone": _zone_entry(zone)}


@translated
def delete_hosted_zone(call: Call) -> dict[str, Any]:
    zone = zone_of(call, call.params["Id"])
    try:
        change = rental.delete_hosted_zone(call.account, zone.pk)
    except rental.Conflict as exc:
        if exc.code == "hosted_zone_not_empty":
            raise AwsError(
                "HostedZoneNotEmpty",
                "The specified hosted zone contains non-required resource record sets and so cannot be deleted.",
            ) from None
        raise
    return {"ChangeInfo": wire.change_info(change)}
