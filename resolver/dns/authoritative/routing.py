"""Routing policies of hosted zones (Route 53's weighted, failover, multivalue answer,
latency and geolocation).

A routed name and type holds several members, each an RRset with its own health. When a
zone is compiled, a policy becomes a handful of *variants* (the answer RRsets a query may
get) and a rule to pick one; the engine renders every variant once and a query only picks
among the rendered bytes. Health is part of the published zone, so a health change is a
new zone version: the pick itself never looks anything up. Latency and geolocation pick by the client's
region (see ``regions``): one variant per member, and per region the member it gets.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from config.network import Region
from resolver.dns.authoritative.regions import Regions
from resolver.dns.wire.records import MAX_TTL, BadRecord

WEIGHTED, FAILOVER, MULTIVALUE = "weighted", "failover", "multivalue"
LATENCY, GEOLOCATION = "latency", "geolocation"
POLICIES = (WEIGHTED, FAILOVER, MULTIVALUE, LATENCY, GEOLOCATION)
REGIONAL = (LATENCY, GEOLOCATION)
DEFAULT_LOCATION = "*"
PRIMARY, SECONDARY = "PRIMARY", "SECONDARY"
MULTIVALUE_MAX = 8  # records in one multivalue answer, as Route 53
SHUFFLES = 16  # orders of a multivalue answer rendered ahead


@dataclass(frozen=True)
class Member:
    """One record set of a routed name and type."""

    id: str
    rrset: dns.rrset.RRset
    healthy: bool = True
    weight: int = 0
    role: str = ""
    region: str = ""  # latency: where the resource is
    location: str = ""  # geolocation: "*", "continent:EU" or "country:KR"


class Routed:
    """The members of one routed name and type, with the variants their policy allows."""

    def __init__(self, policy: str, members: Sequence[Member]) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown routing policy {policy!r}")
        if not members:
            raise ValueError("a routed record set needs at least one member")
        self.policy = policy
        self.members = list(members)
        self.rdtype = members[0].rrset.rdtype
        # Route 53: when every member is unhealthy, answer as if all were healthy.
        self.usable = [m for m in self.members if m.healthy] or self.members
        self.regional = policy in REGIONAL
        if self.regional:
            self.variants, self.weights = [[m.rrset] for m in self.members], None
        else:
            self.variants, self.weights = self._plan()

    def _plan(self) -> tuple[list[list[dns.rrset.RRset]], list[int] | None]:
        """Variants (each a list of RRsets for the answer) and, for a weighted pick,
        their weights; None means every variant is equally likely."""
        if self.policy == FAILOVER:
            primary = next((m for m in self.members if m.role == PRIMARY), None)
            secondary = next((m for m in self.members if m.role == SECONDARY), None)
            if primary is not None and (primary.healthy or secondary is None or not secondary.healthy):
                return [[primary.rrset]], None
            return [[(secondary or self.members[0]).rrset]], None
        if self.policy == WEIGHTED:
            weighted = [m for m in self.usable if m.weight > 0]
            if not weighted:  # all zero: equal chances (Route 53)
                return [[m.rrset] for m in self.usable], None
            return [[m.rrset] for m in weighted], [m.weight for m in weighted]
        return self._shuffles(self.usable), None

    def _shuffles(self, members: list[Member]) -> list[list[dns.rrset.RRset]]:
        """Multivalue: up to eight records drawn from the members, in several random
        orders (each query gets one of them)."""
        records = [(m.rrset.ttl, rdata) for m in members for rdata in m.rrset]
        name, rdclass = members[0].rrset.name, members[0].rrset.rdclass
        orders: list[Sequence[tuple[int, Any]]]
        if len(records) <= 4:  # few enough to render every order
            orders = list(itertools.permutations(records))
        else:
            orders = [random.sample(records, min(MULTIVALUE_MAX, len(records))) for _ in range(SHUFFLES)]
        variants = []
        for order in orders:
            rrset = dns.rrset.RRset(name, rdclass, self.rdtype)
            rrset.update_ttl(min(ttl for ttl, _ in order))
            for _, rdata in order:
                rrset.add(rdata)
            variants.append([rrset])
        return variants

    def index_for(self, client: Region | None, regions: Regions) -> int | None:
        """Latency and geolocation: the member (variant) a client in ``client`` gets, or
        None when no record set covers it (the answer is then NODATA, as Route 53's)."""
        if self.policy == LATENCY:
            nearest = min(self.usable, key=lambda m: regions.rtt(client, m.region))
            return self.members.index(nearest)
        wanted = [DEFAULT_LOCATION]
        if client is not None:
            wanted = [f"country:{client.country}", f"continent:{client.continent}", DEFAULT_LOCATION]
        matches = [i for location in wanted for i, m in enumerate(self.members) if m.location == location]
        # The most specific match that is healthy, as Route 53; none healthy: the most specific.
        return next((i for i in matches if self.members[i].healthy), matches[0] if matches else None)

    def pick(self, client: Region | None = None, regions: Regions | None = None) -> list[dns.rrset.RRset] | None:
        """One variant, drawn as a Choice would (for answers that are not cached)."""
        if self.regional:
            index = self.index_for(client, regions or Regions())
            return None if index is None else self.variants[index]
        return random.choices(self.variants, weights=self.weights)[0]

    def merged(self) -> dns.rrset.RRset:
        """Every healthy member's records as one RRset: what a zone transfer carries,
        since a secondary server has no routing of its own."""
        rrset = dns.rrset.RRset(self.members[0].rrset.name, self.members[0].rrset.rdclass, self.rdtype)
        for member in self.usable:
            rrset.update_ttl(member.rrset.ttl)
            for rdata in member.rrset:
                rrset.add(rdata, member.rrset.ttl)
        return rrset


class Choice:
    """Rendered variants and the rule that picks one per query: by weight, at random, or
    (``by_region``) by the region of the client's address."""

    __slots__ = ("by_region", "cumulative", "regions", "total", "variants")

    def __init__(
        self,
        variants: list[bytes],
        weights: list[int] | None,
        by_region: dict[str | None, bytes] | None = None,
        regions: Regions | None = None,
    ) -> None:
        self.variants = variants
        self.cumulative = list(itertools.accumulate(weights)) if weights else None
        self.total = self.cumulative[-1] if self.cumulative else len(variants)
        self.by_region = by_region
        self.regions = regions if regions is not None else Regions()

    def pick(self, source: tuple[Any, ...] | None = None) -> bytes | None:
        """The answer for this query; None for a regional one asked without its source."""
        if self.by_region is not None:
            if source is None:
                return None
            region = self.regions.of(source[0])
            return self.by_region[region.name if region else None]
        if self.cumulative is None:
            return self.variants[random.randrange(self.total)]
        return self.variants[bisect.bisect_right(self.cumulative, random.random() * self.total)]


def merged_records(routed: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Routed record sets in their stored form as the plain records a zone transfer
    carries: each one the healthy members' values (all members' when none is healthy)
    under the lowest TTL among them, as ``Routed.merged`` does."""
    out: list[list[Any]] = []
    for entry in routed:
        members = [m for m in entry["members"] if m.get("healthy", True)] or list(entry["members"])
        if not members:
            continue
        ttl = min(int(m["ttl"]) for m in members)
        values = dict.fromkeys(str(v) for m in members for v in m["values"])
        out += [[str(entry["name"]).lower(), ttl, str(entry["type"]).upper(), value] for value in values]
    return out


def parse_routed(origin: dns.name.Name, routed: Iterable[dict[str, Any]]) -> dict[tuple[dns.name.Name, int], Routed]:
    """Routed record sets from their stored form::

        {"name": "www.example.com.", "type": "A", "policy": "weighted",
         "members": [{"id": "blue", "ttl": 60, "values": ["192.0.2.1"], "weight": 10,
                      "healthy": true, "role": ""}, ...]}

    raising BadRecord naming the first one that is wrong."""
    out: dict[tuple[dns.name.Name, int], Routed] = {}
    for index, entry in enumerate(routed):
        try:
            owner = dns.name.from_text(str(entry["name"]).lower(), origin)
            rdtype = dns.rdatatype.from_text(str(entry["type"]))
            members = []
            for member in entry["members"]:
                ttl = int(member["ttl"])
                if not 0 <= ttl <= MAX_TTL:
                    raise ValueError(f"TTL {ttl} is outside 0-{MAX_TTL}")
                rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype)
                for text in member["values"]:
                    rrset.add(
                        dns.rdata.from_text(dns.rdataclass.IN, rdtype, str(text), origin=origin, relativize=False), ttl
                    )
                members.append(
                    Member(
                        str(member["id"]),
                        rrset,
                        healthy=bool(member.get("healthy", True)),
                        weight=int(member.get("weight") or 0),
                        role=str(member.get("role") or ""),
                        region=str(member.get("region") or ""),
                        location=str(member.get("location") or ""),
                    )
                )
            result = Routed(str(entry["policy"]), members)
        except (KeyError, TypeError, ValueError, dns.exception.DNSException) as exc:
            raise BadRecord(f"routed record set {index} {entry!r}: {exc}") from None
        if not owner.is_subdomain(origin):
            raise BadRecord(f"routed record set {index}: {owner} is outside the zone {origin}")
        if (owner, rdtype) in out:
            raise BadRecord(f"routed record set {index}: {owner} {entry['type']} is given twice")
        out[owner, rdtype] = result
    return out


def check_routed(
    origin: dns.name.Name,
    nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]],
    routed: dict[tuple[dns.name.Name, int], Routed],
) -> None:
    """A routed name and type has no plain RRset beside it, and a routed CNAME is alone."""
    for owner, rdtype in routed:
        plain = nodes.get(owner, {})
        if rdtype in plain:
            raise BadRecord(f"{owner} {dns.rdatatype.RdataType.to_text(rdtype)} is both routed and plain")
        types = set(plain) | {t for (o, t) in routed if o == owner}
        if dns.rdatatype.CNAME in types and (len(types) > 1 or owner == origin):
            raise BadRecord(f"{owner}: a CNAME cannot sit beside other data or at the apex")
