"""The resolver's cache: RRsets and negative answers (RFC 2308) by name and type, each
until its TTL runs out, ranked by how far the data may be trusted (RFC 2181 section 5.4.1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

TRUST_GLUE, TRUST_AUTHORITY, TRUST_ANSWER = 1, 2, 3
NXDOMAIN_KEY = 0  # the negative cache's "every type" slot (type 0 is reserved)
MAX_TTL = 86_400
MAX_NEGATIVE_TTL = 3_600


@dataclass(slots=True)
class Entry:
    rrset: dns.rrset.RRset
    expires: float
    trust: int


@dataclass(slots=True)
class Negative:
    rcode: int  # NXDOMAIN, or NOERROR for NODATA
    soa: dns.rrset.RRset | None  # TTL already the negative TTL
    expires: float


@dataclass(frozen=True)
class CacheItem:
    """One cache entry as operators see it."""

    name: str
    type: str
    kind: str  # answer, referral, glue, nxdomain, nodata
    ttl: int
    data: list[str]


def with_ttl(rrset: dns.rrset.RRset, ttl: int) -> dns.rrset.RRset:
    copy = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
    copy.update(rrset)
    copy.ttl = max(0, ttl)
    return copy


class Cache:
    """RRsets and negative answers by (name, type), each until its TTL runs out.

    Bounded: past ``limit`` entries the oldest inserted go first. Higher-trust data is
    never replaced by lower-trust data while it lasts.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, limit: int = 200_000) -> None:
        self.clock = clock
        self.limit = limit
        self.rrsets: dict[tuple[dns.name.Name, int], Entry] = {}
        self.negative: dict[tuple[dns.name.Name, int], Negative] = {}
        self.on_change: Callable[[], None] | None = None

    def put(self, rrset: dns.rrset.RRset, trust: int) -> None:
        if rrset.rdclass != dns.rdataclass.IN or rrset.ttl <= 0:
            return
        now = self.clock()
        key = (rrset.name, rrset.rdtype)
        old = self.rrsets.get(key)
        if old is not None and old.expires > now and old.trust > trust:
            return
        self.rrsets.pop(key, None)  # re-inserted at the end: eviction goes by age
        self.rrsets[key] = Entry(rrset, now + min(rrset.ttl, MAX_TTL), trust)
        # Data for the name proves it exists now, whatever was cached against it.
        self.negative.pop((rrset.name, NXDOMAIN_KEY), None)
        self.negative.pop(key, None)
        self._bound(self.rrsets)

    def put_negative(self, name: dns.name.Name, rdtype: int, rcode: int, soa: dns.rrset.RRset | None) -> int:
        """Cache NXDOMAIN (every type of ``name``) or NODATA (this type); the negative TTL,
        0 (not cached) without an SOA as RFC 2308 section 5 asks."""
        if soa is None or not len(soa):
            return 0
        ttl: int = min(soa.ttl, soa[0].minimum, MAX_NEGATIVE_TTL)
        if ttl <= 0:
            return 0
        key = (name, NXDOMAIN_KEY if rcode == dns.rcode.NXDOMAIN else rdtype)
        self.negative.pop(key, None)
        self.negative[key] = Negative(rcode, with_ttl(soa, ttl), self.clock() + ttl)
        self._bound(self.negative)
        return ttl

    def _bound(self, table: dict[tuple[dns.name.Name, int], Any]) -> None:
        if len(table) > self.limit:
            for key in list(table)[: len(table) - self.limit + self.limit // 10]:
                del table[key]

    def get(self, name: dns.name.Name, rdtype: int, trust: int = TRUST_AUTHORITY) -> dns.rrset.RRset | None:
        """The RRset with its remaining TTL, if cached at ``trust`` or above."""
        entry = self.rrsets.get((name, rdtype))
        if entry is None or entry.trust < trust:
            return None
        left = entry.expires - self.clock()
        if left <= 0:
            del self.rrsets[(name, rdtype)]
            return None
        return with_ttl(entry.rrset, int(left))

    def get_negative(self, name: dns.name.Name, rdtype: int) -> tuple[int, dns.rrset.RRset | None] | None:
        """(rcode, SOA with its remaining TTL) of a cached NXDOMAIN or NODATA."""
        now = self.clock()
        for key in ((name, NXDOMAIN_KEY), (name, rdtype)):
            entry = self.negative.get(key)
            if entry is None:
                continue
            left = entry.expires - now
            if left <= 0:
                del self.negative[key]
                continue
            return entry.rcode, with_ttl(entry.soa, int(left)) if entry.soa is not None else None
        return None

    def items(self) -> list[CacheItem]:
        now = self.clock()
        kinds = {TRUST_GLUE: "referral", TRUST_AUTHORITY: "answer", TRUST_ANSWER: "answer"}
        items = [
            CacheItem(
                name.to_text(),
                dns.rdatatype.RdataType.to_text(rdtype),
                "glue" if entry.trust == TRUST_GLUE and rdtype != dns.rdatatype.NS else kinds[entry.trust],
                int(entry.expires - now),
                [rdata.to_text() for rdata in entry.rrset],
            )
            for (name, rdtype), entry in list(self.rrsets.items())
            if entry.expires > now
        ]
        items += [
            CacheItem(
                name.to_text(),
                "*" if rdtype == NXDOMAIN_KEY else dns.rdatatype.RdataType.to_text(rdtype),
                "nxdomain" if entry.rcode == dns.rcode.NXDOMAIN else "nodata",
                int(entry.expires - now),
                [entry.soa.to_text()] if entry.soa is not None else [],
            )
            for (name, rdtype), entry in list(self.negative.items())
            if entry.expires > now
        ]
        return sorted(items, key=lambda i: (dns.name.from_text(i.name), i.type))

    def flush(self, name: dns.name.Name | None = None) -> int:
        """Forget everything (no name), or ``name`` and every name below it; how many entries went."""
        removed = 0
        for table in (self.rrsets, self.negative):
            keys = list(table) if name is None else [k for k in table if k[0].is_subdomain(name)]
            for key in keys:
                del table[key]
            removed += len(keys)
        if self.on_change is not None:
            self.on_change()
        return removed

    def __len__(self) -> int:
        return len(self.rrsets) + len(self.negative)
