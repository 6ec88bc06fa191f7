"""The nameserver-rental service (Route 53's hosted zones): zones, record sets, change
batches, and the publication of each zone version to the zone store.

A change batch is checked as a whole against the zone as it would be after it, and is
applied in one transaction or not at all; the error names the change at fault. Every
applied batch is a ``Change`` that stays PENDING until each nameserver of the zone has
been seen answering with the serial that carries it.

One module per concern: ``errors``, ``names`` (names as typed, ids), ``pool`` (the rental
nameservers and the delegation sets drawn from them), ``zones`` (hosted zones),
``delegation_sets`` (reusable ones), ``limits`` (Route 53's quotas), ``tags``, ``batches`` (record
sets and change batches), ``tsig`` (TSIG keys), ``dynamic`` (DNS UPDATE as a change batch)
and ``publication`` (zone versions to the store, and watching the servers take them).
Callers use this package: ``from resolver import rental; rental.create_hosted_zone``.
"""

from resolver.rental.batches import (
    ALIAS_TYPES,
    CONTINENTS,
    MAX_CHANGES,
    MAX_VALUES,
    RECORD_SET_FIELDS,
    ROUTING_FIELDS,
    Draft,
    change_record_sets,
    parse_record_set,
)
from resolver.rental.delegation_sets import create_delegation_set, delete_delegation_set
from resolver.rental.dynamic import UpdateFailed, apply_dns_update
from resolver.rental.errors import ChangeRejected, Conflict, NotFound, RentalError, whole_number
from resolver.rental.limits import LimitExceeded
from resolver.rental.names import absolute_name, new_id
from resolver.rental.pool import grown_servers
from resolver.rental.publication import (
    PUBLISH_TASK,
    NameserverAnswer,
    Observed,
    Stale,
    answer_from_nameserver,
    observe_changes,
    publish_after_commit,
    publish_hosted_zone,
    stale_changes,
    zone_records,
)
from resolver.rental.tags import change_tags, drop_tags, tags_of
from resolver.rental.tsig import (
    create_tsig_key,
    delete_tsig_key,
    find_tsig_key,
    hosted_zone_named,
    key_file,
    set_secondaries,
    tsig_key_of,
    tsig_keys_of,
    zone_tsig_key,
)
from resolver.rental.zones import (
    check_zone_name,
    create_hosted_zone,
    delegation_set_of,
    delete_hosted_zone,
    registration_nameservers,
    reset_account,
    update_hosted_zone_comment,
    zone_of,
)

__all__ = [
    "ALIAS_TYPES",
    "CONTINENTS",
    "MAX_CHANGES",
    "MAX_VALUES",
    "PUBLISH_TASK",
    "RECORD_SET_FIELDS",
    "ROUTING_FIELDS",
    "ChangeRejected",
    "Conflict",
    "Draft",
    "LimitExceeded",
    "NameserverAnswer",
    "NotFound",
    "Observed",
    "RentalError",
    "Stale",
    "UpdateFailed",
    "absolute_name",
    "answer_from_nameserver",
    "apply_dns_update",
    "change_record_sets",
    "change_tags",
    "check_zone_name",
    "create_delegation_set",
    "create_hosted_zone",
    "create_tsig_key",
    "delegation_set_of",
    "delete_delegation_set",
    "delete_hosted_zone",
    "delete_tsig_key",
    "drop_tags",
    "find_tsig_key",
    "grown_servers",
    "hosted_zone_named",
    "key_file",
    "new_id",
    "observe_changes",
    "parse_record_set",
    "publish_after_commit",
    "publish_hosted_zone",
    "registration_nameservers",
    "reset_account",
    "set_secondaries",
    "stale_changes",
    "tags_of",
    "tsig_key_of",
    "tsig_keys_of",
    "update_hosted_zone_comment",
    "whole_number",
    "zone_of",
    "zone_records",
    "zone_tsig_key",
]
