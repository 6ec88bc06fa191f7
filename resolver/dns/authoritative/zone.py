"""A zone compiled for answering: RRsets by name, its delegations, and the lookup of
RFC 1034 section 4.3.2 with wildcards (RFC 4592) and negative answers (RFC 2308)."""

from __future__ import annotations

import copy
import enum
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.name
import dns.rdatatype
import dns.rrset

from resolver.dns.authoritative import routing
from resolver.dns.authoritative.routing import Routed
from resolver.dns.wire import records as rr

# Longest in-zone CNAME chain we follow before answering with what we have.
MAX_CHAIN = 12
ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)
WILDCARD = b"*"

Labels = tuple[bytes, ...]


def lower(name: dns.name.Name) -> Labels:
    return tuple(label.lower() for label in name.labels)


class Kind(enum.Enum):
    ANSWER = "answer"
    REFERRAL = "referral"
    NODATA = "nodata"
    NXDOMAIN = "nxdomain"


@dataclass
class Result:
    kind: Kind
    authoritative: bool = True
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)
    # A routed record set that ends the answer: the engine adds one of its variants.
    routed: Routed | None = None


class CompiledZone:
    """One zone version in memory. Built once per version; lookups never allocate more
    than the RRsets they return. ``routed`` are the record sets under a routing policy
    (see ``routing``), in their stored form."""

    def __init__(
        self, origin: dns.name.Name, serial: int, records: Sequence[rr.Record], routed: Sequence[dict[str, Any]] = ()
    ) -> None:
        self.origin = origin
        self.key = origin.to_text()  # the zone store's key, set by the engine that serves it
        # Who may transfer the zone, when not the engine's default; a key transfers need;
        # secondaries to NOTIFY once the zone is served, (address, port).
        self.transfer_allow: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None = None
        self.transfer_key: dns.name.Name | None = None
        self.notify: list[tuple[str, int]] = []
        self.nodes = rr.parse_records(origin, records)
        rr.check_zone(origin, self.nodes)
        routed_sets = routing.parse_routed(origin, routed)
        routing.check_routed(origin, self.nodes, routed_sets)
        self.routed = {(lower(name), rdtype): value for (name, rdtype), value in routed_sets.items()}
        self.serial = self.nodes[origin][dns.rdatatype.SOA][0].serial
        if serial != self.serial:
            raise rr.BadRecord(f"zone {origin}: stored serial {serial} but its SOA says {self.serial}")
        # The query path works on lower-case label tuples, which hash in C; a Name's hash
        # is computed in Python on every use.
        self.labels = lower(origin)
        self.depth = len(origin)
        self.by_labels = {lower(name): rrsets for name, rrsets in self.nodes.items()}
        for labels, _ in self.routed:  # a name with only routed data exists all the same
            self.by_labels.setdefault(labels, {})
        self.cuts = {
            labels for labels, rrsets in self.by_labels.items() if labels != self.labels and dns.rdatatype.NS in rrsets
        }
        self.interior = self._interior(self.by_labels)
        self.has_wildcards = any(labels and labels[0] == WILDCARD for labels in self.by_labels)
        self._negative_soa()

    def _interior(self, names: Iterable[Labels]) -> set[Labels]:
        """Names that exist only because something lives below them (empty non-terminals)."""
        interior: set[Labels] = set()
        for labels in names:
            while labels != self.labels:
                labels = labels[1:]
                if labels in interior or labels in self.by_labels:
                    break  # what lies above was or will be walked from there
                interior.add(labels)
        return interior

    def _negative_soa(self) -> None:
        soa = self.nodes[self.origin][dns.rdatatype.SOA]
        # RFC 2308 section 5: the negative TTL is the smaller of the SOA's TTL and MINIMUM.
        self.negative_soa = dns.rrset.RRset(self.origin, soa.rdclass, soa.rdtype)
        self.negative_soa.update(soa)
        self.negative_soa.ttl = min(soa.ttl, soa[0].minimum)

    def updated(self, changes: Sequence[tuple[Sequence[rr.Record], Sequence[rr.Record]]]) -> CompiledZone:
        """This zone with ``changes`` applied, each (removed, added) records, oldest first,
        the old and new SOA among them: a new object, since listeners may be reading this
        one. Only the names changed are parsed and checked, so the time taken follows the
        change, not the zone (copying its indexes is a C loop). Raises BadRecord as a full
        load would; the routed record sets stay as they are."""
        nodes = dict(self.nodes)
        touched: set[dns.name.Name] = set()
        for removed, added in changes:
            for owner, rrsets in rr.parse_records(self.origin, removed).items():
                touched.add(owner)
                node = dict(nodes.get(owner, {}))
                for rdtype, rrset in rrsets.items():
                    if rdtype in node:
                        left = node[rdtype].copy()
                        left.difference_update(rrset)
                        if left:
                            node[rdtype] = left
                        else:
                            del node[rdtype]
                if node:
                    nodes[owner] = node
                else:
                    nodes.pop(owner, None)
            for owner, rrsets in rr.parse_records(self.origin, added).items():
                touched.add(owner)
                node = dict(nodes.get(owner, {}))
                for rdtype, rrset in rrsets.items():
                    have = node.get(rdtype)
                    if have is None:
                        node[rdtype] = rrset
                    else:  # the lowest TTL of the set, as a full load takes it
                        merged = have.copy()
                        merged.union_update(rrset)
                        node[rdtype] = merged
                nodes[owner] = node
        rr.check_zone(self.origin, {owner: nodes[owner] for owner in touched | {self.origin} if owner in nodes})
        zone = copy.copy(self)
        zone.nodes = nodes
        zone.by_labels = dict(self.by_labels)
        zone.cuts = set(self.cuts)
        names = {lower(owner) for owner in touched}
        vanished = False
        for labels in names:
            at = nodes.get(dns.name.Name(labels))
            if at is None and not any(key[0] == labels for key in self.routed):
                vanished |= zone.by_labels.pop(labels, None) is not None
            else:
                zone.by_labels[labels] = at or {}
            if labels != self.labels and at and dns.rdatatype.NS in at:
                zone.cuts.add(labels)
            else:
                zone.cuts.discard(labels)
        if vanished:  # rare: what a name held up may be empty now, a wildcard may be gone
            zone.interior = zone._interior(zone.by_labels)
            zone.has_wildcards = any(labels and labels[0] == WILDCARD for labels in zone.by_labels)
        else:
            zone.interior = (self.interior - names) | zone._interior(names)
            zone.has_wildcards = self.has_wildcards or any(labels and labels[0] == WILDCARD for labels in names)
        zone.serial = nodes[self.origin][dns.rdatatype.SOA][0].serial
        zone._negative_soa()
        return zone

    def set_secondaries(self, allow: Sequence[str] | None, key: str | None, notify: Sequence[str] = ()) -> None:
        """Let only ``allow`` (networks; None: the engine's default) transfer the zone,
        and only with the TSIG key ``key`` when given; ``notify``: secondaries to tell of
        each version served, 'address:port' ('[v6]:port')."""
        self.transfer_allow = None if allow is None else [ipaddress.ip_network(n, strict=False) for n in allow]
        self.transfer_key = None if key is None else dns.name.from_text(key)
        self.notify = [(host.strip("[]"), int(port)) for host, _, port in (t.rpartition(":") for t in notify)]

    def transfer_nodes(self) -> dict[dns.name.Name, dict[int, dns.rrset.RRset]]:
        """The zone's RRsets for a transfer or a master file: routed record sets as the
        union of their healthy members, since a secondary server does no routing."""
        if not self.routed:
            return self.nodes
        nodes = {name: dict(rrsets) for name, rrsets in self.nodes.items()}
        for (_, rdtype), routed in self.routed.items():
            merged = routed.merged()
            nodes.setdefault(merged.name, {})[rdtype] = merged
        return nodes

    @property
    def soa(self) -> dns.rrset.RRset:
        return self.nodes[self.origin][dns.rdatatype.SOA]

    def record_count(self) -> int:
        return sum(len(rrset) for rrsets in self.nodes.values() for rrset in rrsets.values())

    def exists(self, labels: Labels) -> bool:
        return labels in self.by_labels or labels in self.interior

    def inside(self, labels: Labels) -> bool:
        return labels[-self.depth :] == self.labels

    def cut_for(self, labels: Labels) -> Labels | None:
        """The highest delegation point at or above ``labels`` inside this zone."""
        if not self.cuts:
            return None
        for depth in range(self.depth + 1, len(labels) + 1):
            if labels[-depth:] in self.cuts:
                return labels[-depth:]
        return None

    def lookup(self, qname: dns.name.Name, qtype: int) -> Result:
        """Answer ``qname``/``qtype`` (``qname`` inside the zone)."""
        return self.lookup_labels(lower(qname), qtype)

    def lookup_labels(self, labels: Labels, qtype: int) -> Result:
        """Answer the lower-case name ``labels`` (inside the zone) for ``qtype``."""
        answer: list[dns.rrset.RRset] = []
        seen = {labels}
        for _ in range(MAX_CHAIN):
            cut = self.cut_for(labels)
            if cut is not None and not (cut == labels and qtype == dns.rdatatype.DS):
                referral = self.referral(cut)
                if answer:  # a CNAME we own points below a delegation: answer it, then refer
                    referral.answer, referral.authoritative, referral.kind = answer, True, Kind.ANSWER
                return referral
            rrsets = self.by_labels.get(labels)
            if rrsets is None:
                if labels in self.interior:
                    return self._negative(Kind.NODATA, answer)
                rrsets = self._synthesise(labels)
                if rrsets is None:
                    return self._negative(Kind.NXDOMAIN, answer)
            if qtype == dns.rdatatype.ANY:
                answer.extend(rrsets.values())
                answer.extend(r.merged() for (owner, _), r in self.routed.items() if owner == labels)
                return Result(Kind.ANSWER, answer=answer)
            found = rrsets.get(qtype)
            if found is not None:
                answer.append(found)
                return Result(Kind.ANSWER, answer=answer, additional=self._additional(found))
            if self.routed:
                routed = self.routed.get((labels, qtype)) or self.routed.get((labels, dns.rdatatype.CNAME))
                if routed is not None:  # a routed CNAME is not followed: its target depends on the pick
                    return Result(Kind.ANSWER, answer=answer, routed=routed)
            cname = rrsets.get(dns.rdatatype.CNAME)
            if cname is None:
                return self._negative(Kind.NODATA, answer)
            answer.append(cname)
            target = lower(cname[0].target)
            if target in seen or not self.inside(target):
                return Result(Kind.ANSWER, answer=answer)
            seen.add(target)
            labels = target
        return Result(Kind.ANSWER, answer=answer)

    def referral(self, cut: Labels) -> Result:
        ns = self.by_labels[cut][dns.rdatatype.NS]
        result = Result(Kind.REFERRAL, authoritative=False, authority=[ns])
        result.additional = self._addresses(rd.target for rd in ns)
        return result

    def _negative(self, kind: Kind, answer: list[dns.rrset.RRset]) -> Result:
        # After a CNAME the answer is authoritative data plus the negative part (RFC 2308 section 2.1).
        return Result(kind, answer=answer, authority=[self.negative_soa])

    def _synthesise(self, labels: Labels) -> dict[int, dns.rrset.RRset] | None:
        """RRsets made from the wildcard at the closest encloser of ``labels`` (RFC 4592)."""
        if not self.has_wildcards:
            return None
        encloser = labels[1:]
        while not self.exists(encloser) and encloser != self.labels:
            encloser = encloser[1:]
        source = self.by_labels.get((WILDCARD, *encloser))
        if source is None:
            return None
        name = dns.name.Name(labels)
        synthesised = {}
        for rdtype, rrset in source.items():
            copy = dns.rrset.RRset(name, rrset.rdclass, rrset.rdtype)
            copy.update(rrset)
            synthesised[rdtype] = copy
        return synthesised

    def _additional(self, rrset: dns.rrset.RRset) -> list[dns.rrset.RRset]:
        if rrset.rdtype == dns.rdatatype.NS:
            return self._addresses(rd.target for rd in rrset)
        if rrset.rdtype == dns.rdatatype.MX:
            return self._addresses(rd.exchange for rd in rrset)
        if rrset.rdtype == dns.rdatatype.SRV:
            return self._addresses(rd.target for rd in rrset)
        return []

    def _addresses(self, targets: Iterable[dns.name.Name]) -> list[dns.rrset.RRset]:
        """A/AAAA this zone holds for ``targets``: glue below a cut or data of its own."""
        out: list[dns.rrset.RRset] = []
        for target in targets:
            labels = lower(target)
            if not self.inside(labels):
                continue
            rrsets = self.by_labels.get(labels)
            if rrsets:
                out.extend(rrsets[t] for t in ADDRESS_TYPES if t in rrsets)
        return out
