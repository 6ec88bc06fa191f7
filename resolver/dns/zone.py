"""A zone compiled for answering: RRsets by name, its delegations, and the lookup of
RFC 1034 section 4.3.2 with wildcards (RFC 4592) and negative answers (RFC 2308)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import dns.name
import dns.rdatatype
import dns.rrset

from resolver.dns import records as rr

# Longest in-zone CNAME chain we follow before answering with what we have.
MAX_CHAIN = 12
ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)
WILDCARD = b"*"


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


class CompiledZone:
    """One zone version in memory. Built once per version; lookups never allocate more
    than the RRsets they return."""

    def __init__(self, origin: dns.name.Name, serial: int, records: list) -> None:
        self.origin = origin
        self.nodes = rr.parse_records(origin, records)
        rr.check_zone(origin, self.nodes)
        self.serial = self.nodes[origin][dns.rdatatype.SOA][0].serial
        if serial != self.serial:
            raise rr.BadRecord(f"zone {origin}: stored serial {serial} but its SOA says {self.serial}")
        # Delegation points by their labels, so finding one builds no Name objects.
        self.cuts = {
            name.labels for name, rrsets in self.nodes.items() if name != origin and dns.rdatatype.NS in rrsets
        }
        # Names that exist only because something lives below them (empty non-terminals).
        self.interior: set[dns.name.Name] = set()
        for name in self.nodes:
            parent = name
            while parent != origin:
                parent = parent.parent()
                if parent in self.interior or parent in self.nodes:
                    break  # what lies above was or will be walked from there
                self.interior.add(parent)
        soa = self.nodes[origin][dns.rdatatype.SOA]
        # RFC 2308 section 5: the negative TTL is the smaller of the SOA's TTL and MINIMUM.
        self.negative_soa = dns.rrset.RRset(origin, soa.rdclass, soa.rdtype)
        self.negative_soa.update(soa)
        self.negative_soa.ttl = min(soa.ttl, soa[0].minimum)
        self.has_wildcards = any(name.labels and name.labels[0] == WILDCARD for name in self.nodes)
        self.depth = len(origin)

    @property
    def soa(self) -> dns.rrset.RRset:
        return self.nodes[self.origin][dns.rdatatype.SOA]

    def record_count(self) -> int:
        return sum(len(rrset) for rrsets in self.nodes.values() for rrset in rrsets.values())

    def exists(self, name: dns.name.Name) -> bool:
        return name in self.nodes or name in self.interior

    def cut_for(self, name: dns.name.Name) -> dns.name.Name | None:
        """The highest delegation point at or above ``name`` inside this zone."""
        if not self.cuts:
            return None
        labels = name.labels
        for depth in range(self.depth + 1, len(labels) + 1):
            if labels[-depth:] in self.cuts:
                return dns.name.Name(labels[-depth:])
        return None

    def lookup(self, qname: dns.name.Name, qtype: int) -> Result:
        """Answer ``qname``/``qtype`` (qname lower case and inside the zone)."""
        answer: list[dns.rrset.RRset] = []
        seen = {qname}
        name = qname
        for _ in range(MAX_CHAIN):
            cut = self.cut_for(name)
            if cut is not None and not (cut == name and qtype == dns.rdatatype.DS):
                referral = self.referral(cut)
                if answer:  # a CNAME we own points below a delegation: answer it, then refer
                    referral.answer, referral.authoritative, referral.kind = answer, True, Kind.ANSWER
                return referral
            rrsets = self.nodes.get(name)
            if rrsets is None:
                if name in self.interior:
                    return self._negative(Kind.NODATA, answer)
                rrsets = self._synthesise(name)
                if rrsets is None:
                    return self._negative(Kind.NXDOMAIN, answer)
            if qtype == dns.rdatatype.ANY:
                answer.extend(rrsets.values())
                return Result(Kind.ANSWER, answer=answer)
            found = rrsets.get(qtype)
            if found is not None:
                answer.append(found)
                return Result(Kind.ANSWER, answer=answer, additional=self._additional(found))
            cname = rrsets.get(dns.rdatatype.CNAME)
            if cname is None:
                return self._negative(Kind.NODATA, answer)
            answer.append(cname)
            target = cname[0].target
            if target in seen or not target.is_subdomain(self.origin):
                return Result(Kind.ANSWER, answer=answer)
            seen.add(target)
            name = target
        return Result(Kind.ANSWER, answer=answer)

    def referral(self, cut: dns.name.Name) -> Result:
        ns = self.nodes[cut][dns.rdatatype.NS]
        result = Result(Kind.REFERRAL, authoritative=False, authority=[ns])
        result.additional = self._addresses(rd.target for rd in ns)
        return result

    def _negative(self, kind: Kind, answer: list[dns.rrset.RRset]) -> Result:
        # After a CNAME the answer is authoritative data plus the negative part (RFC 2308 section 2.1).
        return Result(kind, answer=answer, authority=[self.negative_soa])

    def _synthesise(self, name: dns.name.Name) -> dict[int, dns.rrset.RRset] | None:
        """RRsets made from the wildcard at the closest encloser of ``name`` (RFC 4592)."""
        if not self.has_wildcards:
            return None
        encloser = name.parent()
        while not self.exists(encloser) and encloser != self.origin:
            encloser = encloser.parent()
        source = self.nodes.get(dns.name.Name((WILDCARD, *encloser.labels)))
        if source is None:
            return None
        synthesised = {}
        for rdtype, rrset in source.items():
            copy = dns.rrset.RRset(name, rrset.rdclass, rdtype)
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

    def _addresses(self, targets) -> list[dns.rrset.RRset]:
        """A/AAAA this zone holds for ``targets``: glue below a cut or data of its own."""
        out = []
        for target in targets:
            target = target.canonicalize()
            if not target.is_subdomain(self.origin):
                continue
            rrsets = self.nodes.get(target)
            if rrsets:
                out.extend(rrsets[t] for t in ADDRESS_TYPES if t in rrsets)
        return out
