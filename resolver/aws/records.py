"""Route 53's record-set operations: change batches, the listing of a zone's record sets
(its SOA and NS among them, in Route 53's order and pages) and the status of a change."""

from __future__ import annotations

from typing import Any

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from resolver import platform, rental
from resolver.aws import wire
from resolver.aws.wire import translated
from resolver.aws.zones import zone_of
from resolver.choices import RoutingPolicy
from resolver.models import Change, HostedZone, RecordSet

MAX_RECORD_SETS_PER_PAGE = 300
# Route 53's limits on one ChangeResourceRecordSets request (an UPSERT counts twice).
MAX_RECORDS_PER_REQUEST = 1000
MAX_CHARACTERS_PER_REQUEST = 32_000
DEFAULT_RECORD_SETS_PER_PAGE = 100
# Route 53 features the rental service has no counterpart for, by member name.
UNSUPPORTED = {
    "TrafficPolicyInstanceId": "traffic policies",
    "CidrRoutingConfig": "IP-based (CIDR) routing",
    "GeoProximityLocation": "geoproximity routing",
    "AZAffinity": "availability-zone affinity",
}


# --- record sets in and out --------------------------------------------------------------------


def record_set_in(zone: HostedZone, data: dict[str, Any]) -> dict[str, Any]:
    """A Route 53 ResourceRecordSet as the rental service's record set; raises
    rental.RentalError for what has no counterpart."""
    for member, what in UNSUPPORTED.items():
        if data.get(member) is not None:
            raise rental.RentalError(f"{what} ({member}) is not emulated by Namesmith")
    out: dict[str, Any] = {"name": wire.name_in(data["Name"]), "type": data["Type"]}
    if "TTL" in data:
        out["ttl"] = data["TTL"]
    if "ResourceRecords" in data:
        out["values"] = [record.get("Value", "") for record in data["ResourceRecords"]]
    if data.get("SetIdentifier"):
        out["set_identifier"] = data["SetIdentifier"]
    if data.get("HealthCheckId"):
        out["health_check"] = data["HealthCheckId"]
    out.update(_routing_in(data))
    alias = data.get("AliasTarget")
    if alias is not None:
        if wire.bare_id(alias["HostedZoneId"], "hostedzone") != zone.pk:
            raise rental.RentalError(
                "an alias target is a record set in the same hosted zone: "
                f"HostedZoneId {alias['HostedZoneId']} is not {zone.pk} (AWS resources are not emulated)"
            )
        out["alias_target"] = wire.name_in(alias["DNSName"])
    return out


def _routing_in(data: dict[str, Any]) -> dict[str, Any]:
    policies: list[dict[str, Any]] = []
    if data.get("Weight") is not None:
        policies.append({"routing": RoutingPolicy.WEIGHTED, "weight": data["Weight"]})
    if data.get("Failover"):
        policies.append({"routing": RoutingPolicy.FAILOVER, "failover": data["Failover"]})
    if data.get("Region"):
        policies.append({"routing": RoutingPolicy.LATENCY, "region": data["Region"]})
    if data.get("GeoLocation") is not None:
        policies.append({"routing": RoutingPolicy.GEOLOCATION, "location": _location_in(data["GeoLocation"])})
    if data.get("MultiValueAnswer"):
        policies.append({"routing": RoutingPolicy.MULTIVALUE})
    if len(policies) > 1:
        raise rental.RentalError(
            "a record set has one routing policy: Weight, Failover, Region, GeoLocation or MultiValueAnswer"
        )
    return policies[0] if policies else {}


def _location_in(geo: dict[str, Any]) -> str:
    if geo.get("SubdivisionCode"):
        raise rental.RentalError("geolocation by subdivision (SubdivisionCode) is not emulated; use a country")
    if geo.get("CountryCode") == "*":
        return "*"
    if geo.get("CountryCode"):
        return f"country:{geo['CountryCode']}"
    if geo.get("ContinentCode"):
        return f"continent:{geo['ContinentCode']}"
    raise rental.RentalError("GeoLocation needs a ContinentCode or a CountryCode ('*' for the default)")


def record_set_out(zone: HostedZone, row: RecordSet) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": wire.name_out(row.name), "Type": row.type}
    if row.set_identifier:
        out["SetIdentifier"] = row.set_identifier
    if row.routing == RoutingPolicy.WEIGHTED:
        out["Weight"] = row.weight
    elif row.routing == RoutingPolicy.FAILOVER:
        out["Failover"] = row.failover
    elif row.routing == RoutingPolicy.LATENCY:
        out["Region"] = row.region
    elif row.routing == RoutingPolicy.GEOLOCATION:
        out["GeoLocation"] = _location_out(row.location)
    elif row.routing == RoutingPolicy.MULTIVALUE:
        out["MultiValueAnswer"] = True
    if row.alias_target:
        out["AliasTarget"] = {
            "HostedZoneId": zone.pk,
            "DNSName": wire.name_out(row.alias_target),
            "EvaluateTargetHealth": row.evaluate_target_health,
        }
    else:
        out["TTL"] = row.ttl
        out["ResourceRecords"] = [{"Value": value} for value in row.given or row.values]
    if row.health_check_id:
        out["HealthCheckId"] = row.health_check_id
    return out


def _location_out(location: str) -> dict[str, str]:
    if location == "*":
        return {"CountryCode": "*"}
    kind, _, code = location.partition(":")
    return {"ContinentCode": code} if kind == "continent" else {"CountryCode": code}


def _service_sets(zone: HostedZone) -> list[dict[str, Any]]:
    """The zone's SOA and NS as Route 53 lists them (the service keeps them)."""
    sets: dict[str, dict[str, Any]] = {}
    for name, ttl, rtype, value in platform.zone_records(zone.name, zone.nameservers):
        entry = sets.setdefault(rtype, {"Name": wire.name_out(name), "Type": rtype, "TTL": ttl, "ResourceRecords": []})
        entry["ResourceRecords"].append({"Value": value})
    return list(sets.values())


# --- operations --------------------------------------------------------------------------------


def _missing_fields(action: str, data: dict[str, Any]) -> str:
    """Route 53's InvalidInput for a change whose members do not fit together, or ""."""
    shown = (
        f"[Action={action}, Name={data.get('Name')}, Type={data.get('Type')}, "
        f"SetIdentifier={data.get('SetIdentifier') or 'null'}]"
    )
    kinds = [data.get("AliasTarget") is not None, "TTL" in data or "ResourceRecords" in data]
    if sum(kinds) != 1 or (kinds[1] and not ("TTL" in data and "ResourceRecords" in data)):
        found = "more than one" if all(kinds) else "none"
        return (
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], "
            f"or TrafficPolicyInstanceId], but found {found} in Change with {shown}"
        )
    routed = any(data.get(k) is not None for k in ("Weight", "Failover", "Region", "GeoLocation"))
    routed |= bool(data.get("MultiValueAnswer"))  # false is the same as absent
    if routed and not data.get("SetIdentifier"):
        return f"Invalid request: Missing field 'SetIdentifier' in Change with {shown}"
    return ""


def _sizes(changes: list[dict[str, Any]]) -> tuple[int, int]:
    """A batch's ResourceRecord elements and characters of their values, as Route 53 counts
    them for its request limits: an UPSERT's twice."""
    records = characters = 0
    for change in changes:
        values = [r.get("Value", "") for r in change["ResourceRecordSet"].get("ResourceRecords") or []]
        times = 2 if change["Action"] == "UPSERT" else 1
        records += times * len(values)
        characters += times * sum(map(len, values))
    return records, characters


@translated
def change_resource_record_sets(call: Call) -> dict[str, Any]:
    zone = zone_of(call, call.params["HostedZoneId"])
    batch = call.params["ChangeBatch"]
    records, characters = _sizes(batch["Changes"])
    if records > MAX_RECORDS_PER_REQUEST:
        raise AwsError("InvalidChangeBatch", f"Number of records limit of {MAX_RECORDS_PER_REQUEST} exceeded.")
    if characters > MAX_CHARACTERS_PER_REQUEST:
        raise AwsError("InvalidChangeBatch", f"Number of characters limit of {MAX_CHARACTERS_PER_REQUEST} exceeded.")
    changes = []
    for index, change in enumerate(batch["Changes"]):
        data = change["ResourceRecordSet"]
        try:
            wire.name_in(data["Name"])  # Route 53 checks the name's characters before all else
        except wire.UnsupportedCharacter as exc:
            raise AwsError("InvalidChangeBatch", exc.message) from None
        if problem := _missing_fields(change["Action"], data):
            raise AwsError("InvalidInput", problem)
        try:
            record_set = record_set_in(zone, data)
        except rental.RentalError as exc:
            what = {"action": change["Action"], "record_set": {"name": data.get("Name"), "type": data.get("Type")}}
            raise rental.ChangeRejected(index, what, exc.message, kind=exc.code) from None
        if "AliasTarget" in data:
            record_set["evaluate_target_health"] = bool(data["AliasTarget"].get("EvaluateTargetHealth"))
        changes.append({"action": change["Action"], "record_set": record_set})
    try:
        result = rental.change_record_sets(
            call.account, zone.pk, changes, batch.get("Comment") or "", names_absolute=True
        )
    except rental.ChangeRejected as exc:
        if exc.kind == "no_health_check":
            health_check = exc.change["record_set"].get("health_check")
            raise AwsError("NoSuchHealthCheck", f"A health check with id {health_check} does not exist.") from None
        raise AwsError("InvalidChangeBatch", f"[{_batch_message(zone, exc)}]") from None
    return {"ChangeInfo": wire.change_info(result)}


def _batch_message(zone: HostedZone, exc: rental.ChangeRejected) -> str:
    """A refused change in Route 53's words where clients know them, else the service's."""
    data = exc.change.get("record_set") or {}
    try:
        name = wire.name_out(rental.absolute_name(str(data.get("name") or "")).to_text())
    except rental.RentalError:
        name = str(data.get("name"))
    rtype = str(data.get("type") or "").upper()
    zone_name = wire.name_out(zone.name)
    which = f"[name='{name}', type='{rtype}'" + (
        f", set-identifier='{data['set_identifier']}']" if data.get("set_identifier") else "]"
    )
    messages = {
        "exists": f"Tried to create resource record set {which} but it already exists",
        "missing": f"Tried to delete resource record set {which} but it was not found",
        "mismatch": (
            f"Tried to delete resource record set {which} but the values provided do not match the current values"
        ),
        "outside_zone": f"RRSet with DNS name {name} is not permitted in zone {zone_name}",
        "cname_apex": f"RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone_name}",
        "alias_target": (
            f"Tried to create an alias that targets {wire.name_out(str(data.get('alias_target') or ''))}, "
            f"type {rtype} in zone {zone.pk}, but that target was not found"
        ),
    }
    if exc.kind == "cname_conflict":
        if rtype == "CNAME":
            return (
                f"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts with other records "
                f"with the same DNS name in zone {zone_name}"
            )
        return (
            f"RRSet of type {rtype} with DNS name {name} is not permitted because a conflicting RRSet of type "
            f"CNAME with the same DNS name already exists in zone {zone_name}"
        )
    return messages.get(exc.kind, exc.reason)


def _sort_key(name: str, rtype: str, identifier: str) -> tuple[str, str, str]:
    """Route 53's order: names with their labels reversed and a final dot, then type, then identifier."""
    labels = name.rstrip(".").split(".")
    return (".".join(reversed(labels)) + ".", rtype, identifier)


@translated
def list_resource_record_sets(call: Call) -> dict[str, Any]:
    params = call.params
    zone = zone_of(call, params["HostedZoneId"])
    size = wire.page_size(params.get("MaxItems"), MAX_RECORD_SETS_PER_PAGE, DEFAULT_RECORD_SETS_PER_PAGE)
    if params.get("StartRecordType") and not params.get("StartRecordName"):
        raise AwsError("InvalidInput", "The input is not valid: StartRecordType is given without StartRecordName")
    if params.get("StartRecordIdentifier") and not params.get("StartRecordType"):
        raise AwsError("InvalidInput", "The input is not valid: StartRecordIdentifier needs StartRecordType")
    entries = [(_sort_key(rrs["Name"], rrs["Type"], ""), rrs) for rrs in _service_sets(zone)]
    for row in zone.record_sets.all():
        entries.append((_sort_key(wire.name_out(row.name), row.type, row.set_identifier), record_set_out(zone, row)))
    entries.sort(key=lambda entry: entry[0])
    if params.get("StartRecordName"):
        start_name = rental.absolute_name(wire.name_in(params["StartRecordName"])).to_text()
        start = _sort_key(
            wire.name_out(start_name), params.get("StartRecordType") or "", params.get("StartRecordIdentifier") or ""
        )
        entries = [entry for entry in entries if entry[0] >= start]
    page = entries[:size]
    out: dict[str, Any] = {
        "ResourceRecordSets": [rrs for _, rrs in page],
        "IsTruncated": len(entries) > size,
        "MaxItems": str(size),
    }
    if len(entries) > size:
        following = entries[size][1]
        out["NextRecordName"] = following["Name"]
        out["NextRecordType"] = following["Type"]
        if following.get("SetIdentifier"):
            out["NextRecordIdentifier"] = following["SetIdentifier"]
    return out


@translated
def get_change(call: Call) -> dict[str, Any]:
    change_id = wire.bare_id(call.params["Id"], "change")
    change = Change.objects.filter(pk=change_id, owner=call.account).first()
    if change is None:
        raise AwsError("NoSuchChange", f"A change with the specified change ID does not exist: {change_id}")
    return {"ChangeInfo": wire.change_info(change)}
