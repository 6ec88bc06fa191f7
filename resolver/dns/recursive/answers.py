"""What a resolution hands back: the ``Answer`` a client gets (or the ``Failure`` behind
a SERVFAIL, with its Extended DNS Error code), and the ``Trace`` of its ``Step``s for
``dig +trace`` and the trace page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dns.edns
import dns.message
import dns.rcode
import dns.rrset

# Extended DNS Error codes (RFC 8914 section 4) this resolver gives.
EDE_OTHER = dns.edns.EDECode.OTHER  # 0
EDE_PROHIBITED = dns.edns.EDECode.PROHIBITED  # 18
EDE_NO_REACHABLE_AUTHORITY = dns.edns.EDECode.NO_REACHABLE_AUTHORITY  # 22
EDE_NETWORK_ERROR = dns.edns.EDECode.NETWORK_ERROR  # 23


@dataclass
class Step:
    """One step of a resolution: a query sent to a server, or data taken from the cache."""

    zone: str  # the zone whose servers were asked, or whose data the cache held
    qname: str
    qtype: str
    outcome: str  # answer, cname, referral, nxdomain, nodata, timeout, error, lame, from-cache
    detail: str
    depth: int = 0  # above 0: resolving a nameserver's own address
    server: str | None = None
    address: str | None = None
    transport: str | None = None
    elapsed_ms: float = 0.0
    cached: bool = False
    records: list[str] = field(default_factory=list)
    response: dns.message.Message | None = None  # the server's whole response (not sent to the web page)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "response"}


class Trace:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, step: Step) -> None:
        self.steps.append(step)


@dataclass
class Answer:
    """What the client gets: the CNAME chain and final RRset, or a negative answer with its
    SOA, or SERVFAIL with an Extended DNS Error."""

    rcode: dns.rcode.Rcode
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)
    ede: tuple[dns.edns.EDECode, str] | None = None
    authoritative_zone: str | None = None  # the zone whose servers gave the final answer
    from_cache: bool = False  # given without asking any authority (nor waiting for one asked)

    def ttl(self) -> int:
        """How long this answer may be given out unchanged: the lowest TTL in it."""
        ttls = [r.ttl for r in (*self.answer, *self.authority)]
        return min(ttls) if ttls else 0


class Failure(Exception):
    def __init__(self, code: dns.edns.EDECode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
