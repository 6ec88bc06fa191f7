"""Route 53's account-wide operations: quotas, tags, DNSSEC status, the checkers'
addresses, and TestDNSAnswer (the zone's own nameserver asked over DNS)."""

from __future__ import annotations

import ipaddress
from typing import Any

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from resolver import rental
from resolver.aws import wire
from resolver.aws.wire import translated
from resolver.aws.zones import zone_of
from resolver.choices import TaggedKind
from resolver.rental import limits

# Quotas of features Namesmith does not emulate: Route 53's values, never used.
UNUSED_LIMITS = {"MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER": 5, "MAX_TRAFFIC_POLICIES_BY_OWNER": 50}


@translated
def get_account_limit(call: Call) -> dict[str, Any]:
    kind = call.params["Type"]
    if kind in UNUSED_LIMITS:
        return {"Limit": {"Type": kind, "Value": UNUSED_LIMITS[kind]}, "Count": 0}
    return {"Limit": {"Type": kind, "Value": limits.value(kind)}, "Count": limits.count(kind, call.account)}


@translated
def get_hosted_zone_limit(call: Call) -> dict[str, Any]:
    zone = zone_of(call, call.params["HostedZoneId"])
    kind = call.params["Type"]
    if kind != limits.RECORD_SETS:
        raise AwsError("HostedZoneNotPrivate", "The specified hosted zone is a public hosted zone.")
    count = zone.record_sets.count() + 2  # its SOA and NS too, as Route 53 counts
    return {"Limit": {"Type": kind, "Value": limits.value(kind)}, "Count": count}


def _tagged(call: Call, kind: str, resource_ids: list[str]) -> dict[str, dict[str, str]]:
    try:
        return rental.tags_of(call.account, kind, resource_ids)
    except rental.NotFound:
        raise _no_resource(kind, resource_ids) from None


def _no_resource(kind: str, resource_ids: list[str]) -> AwsError:
    """Route 53's error for tags on a resource that is not the caller's (the first asked for)."""
    if kind == TaggedKind.HOSTED_ZONE:
        return AwsError("NoSuchHostedZone", f"No hosted zone found with ID: {resource_ids[0]}")
    return AwsError("NoSuchHealthCheck", f"A health check with id {resource_ids[0]} does not exist.")


def _tag_set(kind: str, resource_id: str, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "ResourceType": kind,
        "ResourceId": resource_id,
        "Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())],
    }


@translated
def list_tags_for_resource(call: Call) -> dict[str, Any]:
    kind, resource_id = call.params["ResourceType"], call.params["ResourceId"]
    return {"ResourceTagSet": _tag_set(kind, resource_id, _tagged(call, kind, [resource_id])[resource_id])}


@translated
def list_tags_for_resources(call: Call) -> dict[str, Any]:
    kind = call.params["ResourceType"]
    ids = list(call.params["ResourceIds"])
    found = _tagged(call, kind, ids)
    return {"ResourceTagSets": [_tag_set(kind, resource_id, found[resource_id]) for resource_id in ids]}


@translated
def change_tags_for_resource(call: Call) -> dict[str, Any]:
    # The bare id, as Route 53 takes it: unlike its other operations, clients do not strip
    # ``/hostedzone/`` here, and Route 53 does not know the zone by that form.
    kind, resource_id = call.params["ResourceType"], call.params["ResourceId"]
    add = {tag["Key"]: tag.get("Value", "") for tag in call.params.get("AddTags") or [] if "Key" in tag}
    try:
        rental.change_tags(call.account, kind, resource_id, add, call.params.get("RemoveTagKeys") or [])
    except rental.NotFound:
        raise _no_resource(kind, [resource_id]) from None
    return {}


@translated
def get_dnssec(call: Call) -> dict[str, Any]:
    zone_of(call, call.params["HostedZoneId"])
    return {"Status": {"ServeSignature": "NOT_SIGNING"}, "KeySigningKeys": []}


@translated
def test_dns_answer(call: Call) -> dict[str, Any]:
    """Ask the zone's nameserver, as a resolver at ``ResolverIP`` or for a client in the
    EDNS Client Subnet given would, what it answers."""
    params = call.params
    zone = zone_of(call, params["HostedZoneId"])
    name = rental.absolute_name(wire.name_in(params["RecordName"])).to_text()
    answer = rental.answer_from_nameserver(zone, name, params["RecordType"], _subnet(params))
    if not answer.rcode:
        raise AwsError(
            "InvalidInput", f"The nameserver {answer.server.rstrip('.')} did not answer (is run_dns running?)"
        )
    return {
        "Nameserver": answer.server.rstrip("."),
        "RecordName": params["RecordName"],
        "RecordType": params["RecordType"],
        "RecordData": answer.records,
        "ResponseCode": answer.rcode,
        "Protocol": "UDP",
    }


def _subnet(params: dict[str, Any]) -> tuple[str, int] | None:
    address = params.get("EDNS0ClientSubnetIP") or params.get("ResolverIP")
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        raise AwsError("InvalidInput", f"{address} is not an IP address") from None
    mask = params.get("EDNS0ClientSubnetMask")
    length = int(mask) if mask and str(mask).isascii() and str(mask).isdigit() else parsed.max_prefixlen
    if not 0 <= length <= parsed.max_prefixlen:
        raise AwsError("InvalidInput", f"EDNS0ClientSubnetMask {mask} is out of range")
    return str(parsed), length


@translated
def get_checker_ip_ranges(call: Call) -> dict[str, Any]:
    """Where the emulated health checkers probe from: this machine's loopback network."""
    return {"CheckerIpRanges": ["127.0.0.0/8"]}
