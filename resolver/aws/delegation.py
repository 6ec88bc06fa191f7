"""Route 53's reusable delegation sets over the rental service's."""

from __future__ import annotations

from typing import Any

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from resolver import rental
from resolver.aws import wire
from resolver.aws.wire import translated
from resolver.aws.zones import delegation_set_of
from resolver.models import DelegationSet
from resolver.rental import limits

MAX_SETS_PER_PAGE = 100


@translated
def create_reusable_delegation_set(call: Call) -> dict[str, Any]:
    zone_id = wire.bare_id(call.params.get("HostedZoneId") or "", "hostedzone")
    try:
        created = rental.create_delegation_set(call.account, call.params["CallerReference"], zone_id=zone_id)
    except rental.NotFound:
        raise AwsError("HostedZoneNotFound", f"No hosted zone found with ID: {zone_id}") from None
    return {
        "DelegationSet": wire.reusable_set(created),
        "Location": f"{call.endpoint}{wire.PATH}delegationset/{created.pk}",
    }


@translated
def get_reusable_delegation_set(call: Call) -> dict[str, Any]:
    return {"DelegationSet": wire.reusable_set(delegation_set_of(call, call.params["Id"]))}


@translated
def list_reusable_delegation_sets(call: Call) -> dict[str, Any]:
    size = wire.page_size(call.params.get("MaxItems"), MAX_SETS_PER_PAGE)
    marker = wire.bare_id(call.params["Marker"], "delegationset") if call.params.get("Marker") else None
    sets = DelegationSet.objects.filter(owner=call.account)
    return wire.marker_page(sets, "DelegationSets", marker, size, wire.reusable_set)


@translated
def delete_reusable_delegation_set(call: Call) -> dict[str, Any]:
    found = delegation_set_of(call, call.params["Id"])
    try:
        rental.delete_delegation_set(call.account, found.pk)
    except rental.Conflict as exc:
        if exc.code == "delegation_set_in_use":
            raise AwsError(
                "DelegationSetInUse",
                f"The reusable delegation set {found.pk} is associated with hosted zones: delete them first.",
            ) from None
        raise
    return {}


@translated
def get_reusable_delegation_set_limit(call: Call) -> dict[str, Any]:
    found = delegation_set_of(call, call.params["DelegationSetId"])
    kind = call.params["Type"]
    return {"Limit": {"Type": kind, "Value": limits.value(kind)}, "Count": limits.count(kind, found)}
