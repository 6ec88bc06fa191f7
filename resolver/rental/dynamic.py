"""DNS UPDATE (RFC 2136) applied to a hosted zone: the prerequisites checked against the
zone as it is served (section 3.2), the updates applied in order to its simple record sets
(section 3.4), and the difference made one change batch (``change_record_sets``), so it is
a Change like any other: checked by the same rules, PENDING until every nameserver serves
it. All in one transaction: an update that fails changes nothing.

Where the service keeps more than RFC 2136 knows, it refuses rather than guess: the SOA
and the apex NS are the service's, and routed record sets and aliases (Route 53's) are
changed through the APIs. Additions the RFC says to ignore silently (a CNAME beside other
data, other data beside a CNAME) are ignored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from django.db import transaction

from resolver.choices import ChangeAction, RecordType, RoutingPolicy
from resolver.models import Change, HostedZone, RecordSet
from resolver.rental.batches import change_record_sets
from resolver.rental.errors import RentalError
from resolver.rental.publication import zone_records

# An RRset's identity: its owner (lower case) and type.
Key = tuple[dns.name.Name, dns.rdatatype.RdataType]
# An RRset's TTL and data.
RRset = tuple[int, list[dns.rdata.Rdata]]
# Types no update may add (RFC 2136 section 3.4.1.2), nor delete (but ANY).
META = {
    dns.rdatatype.ANY,
    dns.rdatatype.AXFR,
    dns.rdatatype.IXFR,
    dns.rdatatype.MAILA,
    dns.rdatatype.MAILB,
    dns.rdatatype.OPT,
    dns.rdatatype.TSIG,
    dns.rdatatype.TKEY,
}
KEPT = {dns.rdatatype.from_text(t) for t in RecordType.values}


class UpdateFailed(RentalError):
    """An update not applied; ``rcode`` is what the requester is told."""

    def __init__(self, rcode: dns.rcode.Rcode, message: str) -> None:
        super().__init__(message, code=dns.rcode.to_text(rcode).lower())
        self.rcode = rcode


def apply_dns_update(
    zone_id: str, prerequisites: Sequence[dns.rrset.RRset], updates: Sequence[dns.rrset.RRset], *, comment: str
) -> Change | None:
    """Check ``prerequisites`` and apply ``updates`` (as an UpdateMessage's sections hold
    them, one record per RRset) to the hosted zone; the Change they make, or None when
    they change nothing. Raises UpdateFailed with the RFC's rcode."""
    with transaction.atomic():
        zone = HostedZone.objects.select_for_update().filter(pk=zone_id).first()
        if zone is None:
            raise UpdateFailed(dns.rcode.NOTAUTH, f"no hosted zone {zone_id}")
        origin = dns.name.from_text(zone.name)
        # The names the message speaks of, and what their aliases answer with: its cost
        # follows the message, not the zone.
        names = {rrset.name.canonicalize().to_text() for rrset in [*prerequisites, *updates]}
        rows = list(zone.record_sets.filter(name__in=names).select_related("health_check"))
        if targets := {row.alias_target for row in rows if row.alias_target} - names:
            rows += list(zone.record_sets.filter(name__in=targets).select_related("health_check"))
        served = {key: value for key, value in _served(zone, rows).items() if key[0].to_text() in names}
        _check_prerequisites(origin, served, prerequisites)
        state = {
            (dns.name.from_text(row.name), dns.rdatatype.from_text(row.type)): (row.ttl or 0, _rdatas(row))
            for row in rows
            if row.routing == RoutingPolicy.SIMPLE and not row.alias_target and row.name in names
        }
        before = dict(state)
        for rrset in updates:
            _prescan(origin, rrset)
        fixed = set(served) - set(state)
        for rrset in updates:
            _apply(origin, fixed, state, rrset)
        changes = _changes(rows, before, state)
        if not changes:
            return None
        return change_record_sets(zone.owner, zone.pk, changes, comment, names_absolute=True)


def _rdatas(row: RecordSet) -> list[dns.rdata.Rdata]:
    rdtype = dns.rdatatype.from_text(row.type)
    return [dns.rdata.from_text(dns.rdataclass.IN, rdtype, value, origin=dns.name.root) for value in row.values]


def _served(zone: HostedZone, rows: list[RecordSet]) -> dict[Key, list[dns.rdata.Rdata]]:
    """The zone's RRsets as its nameservers serve them: the SOA and NS, simple record sets,
    aliases with their target's data, and routed ones as all their members' data."""
    records, routed = zone_records(zone, rows)
    served: dict[Key, list[dns.rdata.Rdata]] = {}

    def add(name: str, rtype: str, values: Iterable[str]) -> None:
        rdtype = dns.rdatatype.from_text(rtype)
        found = served.setdefault((dns.name.from_text(name), rdtype), [])
        for value in values:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, value, origin=dns.name.root)
            if rdata not in found:
                found.append(rdata)

    for name, _, rtype, value in records:
        add(name, rtype, [value])
    for entry in routed:
        add(entry["name"], entry["type"], [value for member in entry["members"] for value in member["values"]])
    return served


def _check_prerequisites(
    origin: dns.name.Name, served: dict[Key, list[dns.rdata.Rdata]], prerequisites: Sequence[dns.rrset.RRset]
) -> None:
    """RFC 2136 section 3.2, in order; the first one that fails decides the rcode."""
    wanted: dict[Key, list[dns.rdata.Rdata]] = {}
    for rrset in prerequisites:
        name, rdtype = rrset.name.canonicalize(), rrset.rdtype
        what = f"{name} {dns.rdatatype.to_text(rdtype)}"
        if rrset.ttl != 0:
            raise UpdateFailed(dns.rcode.FORMERR, f"prerequisite {what}: its TTL must be 0")
        if not name.is_subdomain(origin):
            raise UpdateFailed(dns.rcode.NOTZONE, f"prerequisite {what}: outside the zone {origin}")
        if rrset.deleting is not None and len(rrset):
            raise UpdateFailed(dns.rcode.FORMERR, f"prerequisite {what}: class ANY or NONE carries no data")
        if rrset.deleting is not None:
            _check_existence(served, rrset.deleting, name, rdtype)
        elif rrset.rdclass == dns.rdataclass.IN and rdtype not in META:
            found = wanted.setdefault((name, rdtype), [])
            found.extend(rdata for rdata in rrset if rdata not in found)
        else:
            raise UpdateFailed(dns.rcode.FORMERR, f"prerequisite {what}: a class or type no prerequisite has")
    for (name, rdtype), rdatas in wanted.items():
        have = served.get((name, rdtype), [])
        if len(have) != len(rdatas) or any(rdata not in have for rdata in rdatas):
            raise UpdateFailed(
                dns.rcode.NXRRSET, f"prerequisite: {name} {dns.rdatatype.to_text(rdtype)} holds other data"
            )


def _check_existence(
    served: dict[Key, Any], deleting: int, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> None:
    """A prerequisite on whether a name (type ANY) or an RRset exists, with class ANY,
    or does not, with class NONE."""
    what = f"{name} {dns.rdatatype.to_text(rdtype)}"
    if rdtype == dns.rdatatype.ANY:
        in_use = any(owner == name for owner, _ in served)
        if deleting == dns.rdataclass.ANY and not in_use:
            raise UpdateFailed(dns.rcode.NXDOMAIN, f"prerequisite: {name} is not in use")
        if deleting == dns.rdataclass.NONE and in_use:
            raise UpdateFailed(dns.rcode.YXDOMAIN, f"prerequisite: {name} is in use")
    elif deleting == dns.rdataclass.ANY and (name, rdtype) not in served:
        raise UpdateFailed(dns.rcode.NXRRSET, f"prerequisite: {what} does not exist")
    elif deleting == dns.rdataclass.NONE and (name, rdtype) in served:
        raise UpdateFailed(dns.rcode.YXRRSET, f"prerequisite: {what} exists")


def _prescan(origin: dns.name.Name, rrset: dns.rrset.RRset) -> None:
    """RFC 2136 section 3.4.1: every update is checked before any is applied."""
    name, rdtype = rrset.name.canonicalize(), rrset.rdtype
    what = f"update {name} {dns.rdatatype.to_text(rdtype)}"
    if not name.is_subdomain(origin):
        raise UpdateFailed(dns.rcode.NOTZONE, f"{what}: outside the zone {origin}")
    if rrset.deleting is None:
        if rrset.rdclass != dns.rdataclass.IN or rdtype in META or not len(rrset):
            raise UpdateFailed(dns.rcode.FORMERR, f"{what}: not a record that can be added")
    elif rrset.ttl != 0 or (rrset.deleting == dns.rdataclass.ANY and len(rrset)):
        raise UpdateFailed(dns.rcode.FORMERR, f"{what}: a deletion has TTL 0 (and, for a whole RRset, no data)")
    elif rdtype in META and not (rrset.deleting == dns.rdataclass.ANY and rdtype == dns.rdatatype.ANY):
        raise UpdateFailed(dns.rcode.FORMERR, f"{what}: not a type that can be deleted")
    if name == origin and rdtype in (dns.rdatatype.SOA, dns.rdatatype.NS):
        raise UpdateFailed(dns.rcode.REFUSED, f"{what}: the SOA and apex NS are kept by the service")
    if rrset.deleting is None and rdtype not in KEPT:
        raise UpdateFailed(dns.rcode.REFUSED, f"{what}: a hosted zone keeps only {', '.join(RecordType.values)}")


def _apply(origin: dns.name.Name, fixed: set[Key], state: dict[Key, RRset], rrset: dns.rrset.RRset) -> None:
    """One update (RFC 2136 section 3.4.2) to ``state``, the zone's simple record sets;
    ``fixed`` are the RRsets an update may not change (routed ones, aliases, the SOA and
    apex NS)."""
    name, rdtype = rrset.name.canonicalize(), rrset.rdtype
    fixed_here = {t for owner, t in fixed if owner == name}
    guarded = fixed_here - {dns.rdatatype.SOA, dns.rdatatype.NS}  # the apex's: refused by _prescan
    touched = guarded if rdtype == dns.rdatatype.ANY else guarded & {rdtype}
    if touched:
        types = ", ".join(sorted(dns.rdatatype.to_text(t) for t in touched))
        raise UpdateFailed(
            dns.rcode.REFUSED,
            f"update {name}: its {types} record sets are routed or aliases; change them through the API",
        )
    key = (name, rdtype)
    if rrset.deleting is None:
        present = {t for owner, t in state if owner == name} | fixed_here
        if rdtype == dns.rdatatype.CNAME:
            if present - {dns.rdatatype.CNAME}:
                return  # section 3.4.2.2: a CNAME beside other data is ignored
            state[key] = (rrset.ttl, [rrset[0]])
        elif dns.rdatatype.CNAME not in present:  # and other data beside a CNAME too
            _, rdatas = state.get(key, (rrset.ttl, []))
            # The RRset takes the TTL of what is added, as BIND does.
            state[key] = (rrset.ttl, [*rdatas, *(rdata for rdata in rrset if rdata not in rdatas)])
    elif rdtype == dns.rdatatype.ANY:
        for gone in [k for k in state if k[0] == name]:
            del state[gone]
    elif rrset.deleting == dns.rdataclass.ANY:
        state.pop(key, None)
    elif key in state:
        ttl, rdatas = state[key]
        left = [rdata for rdata in rdatas if rdata not in rrset]
        if left:
            state[key] = (ttl, left)
        else:
            del state[key]


def _changes(
    rows: list[RecordSet],
    before: dict[Key, RRset],
    state: dict[Key, RRset],
) -> list[dict[str, Any]]:
    """The change batch that takes the zone from ``before`` to ``state``: a DELETE (with
    the stored values, as a batch must name them) for each RRset gone, an UPSERT for each
    one new or changed."""
    stored = {(dns.name.from_text(row.name), dns.rdatatype.from_text(row.type)): row for row in rows}
    changes: list[dict[str, Any]] = []
    for key in sorted({*before, *state}):
        name, rdtype = key
        record: dict[str, Any] = {"name": name.to_text(), "type": dns.rdatatype.to_text(rdtype)}
        if key not in state:
            row = stored[key]
            record |= {"ttl": row.ttl, "values": row.values}
            changes.append({"action": ChangeAction.DELETE, "record_set": record})
        elif before.get(key) != state[key]:
            ttl, rdatas = state[key]
            values = [rdata.to_text() for rdata in rdatas]
            changes.append({"action": ChangeAction.UPSERT, "record_set": {**record, "ttl": ttl, "values": values}})
    return changes
