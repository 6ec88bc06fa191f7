"""The nameserver-rental service (Route 53's hosted zones): zones, record sets, change
batches, and the publication of each zone version to the zone store.

A change batch is checked as a whole against the zone as it would be after it, and is
applied in one transaction or not at all; the error names the change at fault. Every
applied batch is a ``Change`` that stays PENDING until each nameserver of the zone has
been seen answering with the serial that carries it.

One module per concern: ``errors``, ``names`` (names as typed, who holds them, the
delegation set, ids), ``zones`` (hosted zones), ``batches`` (record sets and change
batches) and ``publication`` (zone versions to the store, and watching the servers take
them). Callers use this package: ``from resolver import rental; rental.create_hosted_zone``.
"""

from resolver.rental.batches import (
    ALIAS_TYPES,
    CONTINENTS,
    MAX_CHANGES,
    MAX_RECORD_SETS,
    MAX_VALUES,
    RECORD_SET_FIELDS,
    ROUTING_FIELDS,
    Draft,
    change_record_sets,
    parse_record_set,
)
from resolver.rental.errors import ChangeRejected, Conflict, NotFound, RentalError, whole_number
from resolver.rental.names import absolute_name, delegation_set, new_id, owns
from resolver.rental.publication import (
    PUBLISH_TASK,
    Observed,
    Stale,
    observe_changes,
    publish_after_commit,
    publish_hosted_zone,
    stale_changes,
    zone_records,
)
from resolver.rental.zones import create_hosted_zone, delete_hosted_zone, registration_nameservers, zone_of

__all__ = [
    "ALIAS_TYPES",
    "CONTINENTS",
    "MAX_CHANGES",
    "MAX_RECORD_SETS",
    "MAX_VALUES",
    "PUBLISH_TASK",
    "RECORD_SET_FIELDS",
    "ROUTING_FIELDS",
    "ChangeRejected",
    "Conflict",
    "Draft",
    "NotFound",
    "Observed",
    "RentalError",
    "Stale",
    "absolute_name",
    "change_record_sets",
    "create_hosted_zone",
    "delegation_set",
    "delete_hosted_zone",
    "new_id",
    "observe_changes",
    "owns",
    "parse_record_set",
    "publish_after_commit",
    "publish_hosted_zone",
    "registration_nameservers",
    "stale_changes",
    "whole_number",
    "zone_of",
    "zone_records",
]
