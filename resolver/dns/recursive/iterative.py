"""Iterative resolution from root hints (RFC 1034 section 5.3.3), as a recursive resolver
such as 1.1.1.1 does it: ask a root server, follow its referral to the TLD's servers,
follow theirs to the zone's own nameservers, and cache every step by its TTL so the next
lookup starts as far down the tree as it can.

What a response is believed for:
- Only names inside the zone the server was asked as an authority for (its bailiwick);
  anything else in the response is dropped.
- A referral's NS set and its glue (addresses of those NS names, inside the bailiwick)
  find servers; they are never handed to a client as an answer (RFC 2181 section 5.4.1
  ranks them below authoritative data), so asking for them asks the zone itself.
- Negative answers are cached per RFC 2308: NXDOMAIN for the name and every type, NODATA
  for the name and type, each for the smaller of the SOA's TTL and its MINIMUM.

Every resolution has a deadline; a server that times out is tried again only after the
others, and when no server of a zone answers the client gets SERVFAIL with an Extended DNS
Error (RFC 8914) saying which zone and why. A ``Trace`` records each step (query or cache
hit), for ``dig +trace`` and the trace page.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import dns.asyncbackend
import dns.asyncquery
import dns.entropy
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from resolver.dns.recursive.answers import (
    EDE_NETWORK_ERROR,
    EDE_NO_REACHABLE_AUTHORITY,
    EDE_OTHER,
    Answer,
    Failure,
    Step,
    Trace,
)
from resolver.dns.recursive.cache import (
    MAX_NEGATIVE_TTL,
    MAX_TTL,
    TRUST_ANSWER,
    TRUST_AUTHORITY,
    TRUST_GLUE,
    Cache,
    with_ttl,
)

MAX_CHAIN = 10  # CNAMEs followed for one question (Unbound restarts at most 11 times)
MAX_REFERRALS = 16  # referrals followed for one name
MAX_DEPTH = 3  # nested resolutions of nameserver names that came without glue
BUDGET = 3.0  # seconds for one client question, below dig's 5 s wait
UNKNOWN_RTT = 0.376  # what a never-asked server is assumed to take (Unbound's figure)
# A busy event loop delays every reply it reads: below 0.3 s a loaded resolver would take
# its own lag for lost answers (Unbound, in C, goes down to 50 ms).
MIN_TIMEOUT, MAX_TIMEOUT = 0.3, 1.5
FIRST_TIMEOUT = 0.8  # for a server never heard from
BACKOFF = 30.0  # seconds a server that timed out goes to the back of the queue
EDNS_PAYLOAD = 1232

# --- resolution ------------------------------------------------------------------------------


@dataclass
class Server:
    name: dns.name.Name
    address: str


@dataclass(slots=True)
class Infra:
    """What we know of one server address: its smoothed round trip and when it last failed."""

    srtt: float = UNKNOWN_RTT
    backoff_until: float = 0.0


# Outcomes of asking one zone about one name.
ANSWER, CNAME, REFERRAL, NXDOMAIN, NODATA, LAME = "answer", "cname", "referral", "nxdomain", "nodata", "lame"
# What is known of a name: (outcome, its RRset: the answer, the CNAME, or a negative answer's SOA).
Hit = tuple[str, dns.rrset.RRset | None]


class Resolver:
    """Resolves iteratively from ``hints`` (root server name -> address), asking every
    server on ``port`` from ``source`` (an address of ours, port chosen at random by the
    kernel for each query)."""

    def __init__(
        self,
        hints: Iterable[tuple[str, str]],
        *,
        port: int = 53,
        source: str | None = None,
        cache: Cache | None = None,
        budget: float = BUDGET,
    ) -> None:
        self.hints = [Server(dns.name.from_text(name), address) for name, address in hints]
        if not self.hints:
            raise ValueError("a resolver needs at least one root server")
        self.port = port
        self.source = source
        self.cache = cache or Cache()
        self.budget = budget
        self.infra: dict[str, Infra] = {}
        self.backend = dns.asyncbackend.get_backend("asyncio")
        self.inflight: dict[tuple[dns.name.Name, int], asyncio.Future[Answer]] = {}
        self.asking: dict[tuple[dns.name.Name, dns.name.Name], asyncio.Future[None]] = {}
        self.sent = 0  # queries sent to authorities
        self.sent_tcp = 0  # of those, asked again over TCP (the UDP answer came truncated)

    # --- entry points -------------------------------------------------------------------------

    async def resolve(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType, trace: Trace | None = None) -> Answer:
        """The answer to (qname, qtype), from cache or by asking; never raises."""
        if trace is not None:
            return await self._resolve(qname, qtype, trace, 0, time.monotonic() + self.budget)
        key = (qname, qtype)
        pending = self.inflight.get(key)
        if pending is not None:  # the same question is being resolved: share the result
            return await asyncio.shield(pending)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.inflight[key] = future
        try:
            answer = await self._resolve(qname, qtype, None, 0, time.monotonic() + self.budget)
            future.set_result(answer)
            return answer
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # nobody else may be waiting: do not warn about it
            raise
        finally:
            del self.inflight[key]

    def from_cache(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> Answer:
        """What the cache alone says (a query with RD clear): the answer if cached, else a
        referral to the closest delegation known."""
        chain: list[dns.rrset.RRset] = []
        name = qname
        for _ in range(MAX_CHAIN + 1):
            hit = self._cached(name, qtype)
            if hit is None:
                break
            kind, data = hit
            if kind == CNAME:
                assert data is not None  # a CNAME hit carries its RRset
                chain.append(data)
                name = data[0].target
                continue
            return self._finish(chain, kind, data, None, from_cache=True)
        if chain:
            return Answer(dns.rcode.NOERROR, chain, from_cache=True)
        zone, servers = self._closest(name, qtype)
        ns = self.cache.get(zone, dns.rdatatype.NS, TRUST_GLUE)
        authority = [ns] if ns is not None else []
        additional = []
        for server in servers:
            glue = self.cache.get(server.name, dns.rdatatype.A, TRUST_GLUE)
            if glue is not None and glue not in additional:
                additional.append(glue)
        if ns is None:  # nothing cached at all: the root hints
            hints = dns.rrset.from_text_list(dns.name.root, 3_600_000, "IN", "NS", [s.name.to_text() for s in servers])
            authority = [hints]
            for server in servers:
                additional.append(dns.rrset.from_text(server.name, 3_600_000, "IN", "A", server.address))
        return Answer(dns.rcode.NOERROR, [], authority, additional, from_cache=True)

    # --- the algorithm --------------------------------------------------------------------------

    async def _resolve(
        self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType, trace: Trace | None, depth: int, deadline: float
    ) -> Answer:
        chain: list[dns.rrset.RRset] = []
        seen = {qname}
        name = qname
        from_cache = True
        try:
            for _ in range(MAX_CHAIN + 1):
                hit = self._cached(name, qtype)
                zone: str | None = None
                if hit is not None:
                    if trace is not None:
                        trace.add(_cache_step(name, qtype, hit, depth))
                else:
                    from_cache = False
                    zone, hit = await self._iterate(name, qtype, trace, depth, deadline)
                    hit = _as_cached(*hit)
                kind, data = hit
                if kind != CNAME:
                    return self._finish(chain, kind, data, zone, from_cache=from_cache)
                assert data is not None  # a CNAME hit carries its RRset
                chain.append(data)
                name = data[0].target
                if name in seen:
                    raise Failure(EDE_OTHER, f"CNAME loop at {name}")
                seen.add(name)
            raise Failure(EDE_OTHER, f"CNAME chain from {qname} longer than {MAX_CHAIN}")
        except Failure as failure:
            return Answer(dns.rcode.SERVFAIL, chain, ede=(failure.code, failure.text), from_cache=from_cache)

    @staticmethod
    def _finish(chain: list[dns.rrset.RRset], kind: str, data: Any, zone: str | None, *, from_cache: bool) -> Answer:
        if kind == ANSWER:
            return Answer(dns.rcode.NOERROR, [*chain, data], authoritative_zone=zone, from_cache=from_cache)
        rcode = dns.rcode.NXDOMAIN if kind == NXDOMAIN else dns.rcode.NOERROR
        authority = [data] if data is not None else []
        return Answer(rcode, chain, authority, authoritative_zone=zone, from_cache=from_cache)

    def _cached(self, name: dns.name.Name, qtype: dns.rdatatype.RdataType) -> Hit | None:
        """(kind, data) for ``name`` from the cache, or None."""
        cache = self.cache
        rrset = cache.get(name, qtype)
        if rrset is not None:
            return ANSWER, rrset
        if qtype != dns.rdatatype.CNAME:
            rrset = cache.get(name, dns.rdatatype.CNAME)
            if rrset is not None:
                return CNAME, rrset
        negative = cache.get_negative(name, qtype)
        if negative is not None:
            rcode, soa = negative
            return (NXDOMAIN if rcode == dns.rcode.NXDOMAIN else NODATA), soa
        return None

    def _closest(self, name: dns.name.Name, qtype: dns.rdatatype.RdataType) -> tuple[dns.name.Name, list[Server]]:
        """The deepest delegation cached above ``name`` (strictly above for DS, which the
        parent holds), with whatever addresses are cached for its servers."""
        candidate = name.parent() if qtype == dns.rdatatype.DS and name != dns.name.root else name
        while True:
            ns = self.cache.get(candidate, dns.rdatatype.NS, TRUST_GLUE)
            if ns is not None:
                return candidate, self._servers_of(ns)
            if candidate == dns.name.root:
                return dns.name.root, list(self.hints)
            candidate = candidate.parent()

    def _servers_of(self, ns: dns.rrset.RRset, glue: Iterable[dns.rrset.RRset] = ()) -> list[Server]:
        """The servers of an NS set: with the glue just given, else any cached address."""
        by_name = {r.name: r for r in glue if r.rdtype == dns.rdatatype.A}
        servers: list[Server] = []
        for rdata in ns:
            addresses = by_name.get(rdata.target) or self.cache.get(rdata.target, dns.rdatatype.A, TRUST_GLUE)
            if addresses is None:
                servers.append(Server(rdata.target, ""))  # no address known yet
            else:
                servers.extend(Server(rdata.target, a.address) for a in addresses)
        return servers

    async def _iterate(
        self, name: dns.name.Name, qtype: dns.rdatatype.RdataType, trace: Trace | None, depth: int, deadline: float
    ) -> tuple[str, Hit]:
        """Ask down from the closest known delegation until a server of the zone holding
        ``name`` answers; (zone, (kind, data))."""
        zone, servers = self._closest(name, qtype)
        if trace is not None and zone != dns.name.root:
            trace.add(
                Step(
                    zone.to_text(),
                    name.to_text(),
                    dns.rdatatype.to_text(qtype),
                    "from-cache",
                    f"the servers of {zone} are cached: start there",
                    depth,
                    cached=True,
                    records=[f"{zone} NS {s.name}" + (f" ({s.address})" if s.address else "") for s in servers],
                )
            )
        waited: set[tuple[dns.name.Name, dns.name.Name] | None] = set()
        for _ in range(MAX_REFERRALS):
            # Questions about names below the same child of a zone get the same referral:
            # while one is out, the others wait for it and then start from the cache (a
            # burst of new names under com. asks the root about com. once, not per name).
            key = (zone, name.split(len(zone.labels) + 1)[1]) if trace is None and name != zone else None
            pending = self.asking.get(key) if key is not None else None
            if pending is not None and key not in waited:
                waited.add(key)
                await asyncio.shield(pending)
                zone, servers = self._closest(name, qtype)
                continue
            future: asyncio.Future[None] | None = None
            if key is not None and key not in self.asking:
                future = self.asking[key] = asyncio.get_running_loop().create_future()
            try:
                kind, data = await self._ask_zone(zone, servers, name, qtype, trace, depth, deadline)
            finally:
                if future is not None:
                    assert key is not None  # the future was made under it
                    del self.asking[key]
                    future.set_result(None)
            if kind != REFERRAL:
                return zone.to_text(), (kind, data)
            zone, servers = data
        raise Failure(EDE_OTHER, f"more than {MAX_REFERRALS} referrals for {name}")

    async def _ask_zone(
        self,
        zone: dns.name.Name,
        servers: list[Server],
        name: dns.name.Name,
        qtype: dns.rdatatype.RdataType,
        trace: Trace | None,
        depth: int,
        deadline: float,
    ) -> tuple[str, Any]:
        """Ask the servers of ``zone`` in turn (fastest known first, those that failed
        lately last, then those that came without glue) until one gives a usable response."""
        query = dns.message.make_query(name, qtype, use_edns=0, payload=EDNS_PAYLOAD)
        query.flags = 0  # RD clear: we do the recursion
        problems: list[str] = []
        timed_out = False
        tried: set[str] = set()
        async for server in self._candidates(zone, servers, trace, depth, deadline, problems):
            if server.address in tried:
                continue
            tried.add(server.address)
            left = deadline - time.monotonic()
            if left <= 0.01:
                timed_out = True
                problems.append("out of time")
                break
            response, transport, elapsed, error = await self._send(query, server.address, left)
            step = Step(
                zone.to_text(),
                name.to_text(),
                dns.rdatatype.to_text(qtype),
                "",
                "",
                depth,
                server.name.to_text(),
                server.address,
                transport,
                round(elapsed * 1000, 3),
                response=response,
            )
            if error is not None:
                timed_out = timed_out or error == "timeout"
                step.outcome, step.detail = ("timeout" if error == "timeout" else "error"), error
                problems.append(f"{server.name} ({server.address}) {error}")
                if trace is not None:
                    trace.add(step)
                continue
            assert response is not None  # no error: a response
            kind, data, detail, records = self._classify(response, zone, name, qtype)
            step.outcome, step.detail, step.records = kind, detail, records
            if trace is not None:
                trace.add(step)
            if kind == LAME:
                problems.append(f"{server.name} ({server.address}) {detail}")
                continue
            return kind, data
        if not problems:
            problems.append("no address for any of its nameservers")
        code = EDE_NO_REACHABLE_AUTHORITY if timed_out or tried else EDE_NETWORK_ERROR
        raise Failure(code, f"no server of {zone} answered {name}: " + "; ".join(problems))

    async def _candidates(
        self,
        zone: dns.name.Name,
        servers: list[Server],
        trace: Trace | None,
        depth: int,
        deadline: float,
        problems: list[str],
    ) -> AsyncIterator[Server]:
        """Servers with an address, best first; then the glueless ones, each resolved
        only when everything before it has failed."""
        now = time.monotonic()

        def rank(server: Server) -> tuple[bool, float]:
            infra = self.infra.get(server.address)
            if infra is None:
                return (False, UNKNOWN_RTT * random.random())
            return (infra.backoff_until > now, infra.srtt * (0.9 + 0.2 * random.random()))

        for server in sorted((s for s in servers if s.address), key=rank):
            yield server
        glueless = [s for s in servers if not s.address]
        random.shuffle(glueless)
        for server in glueless:
            if server.name.is_subdomain(zone):
                problems.append(f"{server.name} is inside {zone} but came without glue")
            elif depth >= MAX_DEPTH:
                problems.append(f"{server.name}: nameserver addresses nested deeper than {MAX_DEPTH} lookups")
            else:
                answer = await self._resolve(server.name, dns.rdatatype.A, trace, depth + 1, deadline)
                addresses = [r for r in answer.answer if r.rdtype == dns.rdatatype.A]
                if not addresses:
                    problems.append(f"{server.name} has no address ({dns.rcode.to_text(answer.rcode)})")
                for address in addresses[:1]:
                    for rdata in address:
                        yield Server(server.name, rdata.address)

    async def _send(
        self, query: dns.message.Message, address: str, left: float
    ) -> tuple[dns.message.Message | None, str, float, str | None]:
        """(response, transport, seconds, error): over UDP with a fresh ID and source
        port, then over TCP if the answer came truncated."""
        infra = self.infra.setdefault(address, Infra())
        rtt = FIRST_TIMEOUT if infra.srtt == UNKNOWN_RTT else 4 * infra.srtt + 0.05
        timeout = min(left, max(MIN_TIMEOUT, min(MAX_TIMEOUT, rtt)))
        query.id = dns.entropy.random_16()
        self.sent += 1
        source = self.source
        start = time.monotonic()
        transport = "udp"
        try:
            # A connected socket: only the server's address can answer it, and a port
            # where nothing listens is known at once (ICMP) instead of after the timeout.
            sock = await self.backend.make_socket(
                socket.AF_INET, socket.SOCK_DGRAM, 0, (source or "0.0.0.0", 0), (address, self.port)
            )
            async with sock:
                response = await dns.asyncquery.udp(
                    query, address, timeout=timeout, port=self.port, ignore_unexpected=True, sock=sock
                )
            if response.flags & dns.flags.TC:
                transport = "tcp"
                self.sent_tcp += 1
                response = await dns.asyncquery.tcp(
                    query,
                    address,
                    timeout=max(MIN_TIMEOUT, left - (time.monotonic() - start)),
                    port=self.port,
                    source=source,
                )
        except dns.exception.Timeout:
            infra.srtt = min(MAX_TIMEOUT, max(infra.srtt, timeout) * 2)
            infra.backoff_until = time.monotonic() + BACKOFF
            return None, transport, time.monotonic() - start, "timeout"
        except (OSError, EOFError) as exc:
            infra.backoff_until = time.monotonic() + BACKOFF
            reason = (
                "refused the connection (nothing listens there)"
                if isinstance(exc, ConnectionRefusedError)
                else str(exc)
            )
            return None, transport, time.monotonic() - start, reason or type(exc).__name__
        except dns.exception.DNSException as exc:
            infra.backoff_until = time.monotonic() + BACKOFF
            return None, transport, time.monotonic() - start, f"malformed response ({exc})"
        elapsed = time.monotonic() - start
        infra.srtt = elapsed if infra.srtt == UNKNOWN_RTT else 0.7 * infra.srtt + 0.3 * elapsed
        infra.backoff_until = 0.0
        return response, transport, elapsed, None

    def _classify(
        self, response: dns.message.Message, zone: dns.name.Name, name: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> tuple[str, Any, str, list[str]]:
        """(kind, data, detail, records) of one server's response for ``zone``, caching what
        it may be believed for."""
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return LAME, None, f"answered {dns.rcode.to_text(rcode)}", []
        aa = bool(response.flags & dns.flags.AA)

        def inside(rrsets: Iterable[dns.rrset.RRset]) -> list[dns.rrset.RRset]:
            return [r for r in rrsets if r.rdclass == dns.rdataclass.IN and r.name.is_subdomain(zone)]

        answer, authority, additional = inside(response.answer), inside(response.authority), inside(response.additional)
        ignored = (len(response.answer) - len(answer)) + (len(response.authority) - len(authority))
        dropped = [r for r in response.additional if r not in additional and r.rdtype != dns.rdatatype.OPT]
        note = f"; ignored {ignored + len(dropped)} record set(s) outside {zone}" if ignored or dropped else ""

        first = self._chain(answer, name, qtype, TRUST_ANSWER if aa else TRUST_AUTHORITY)
        if first is not None:
            kind = ANSWER if first.rdtype == qtype or qtype == dns.rdatatype.ANY else CNAME
            if kind == CNAME and rcode == dns.rcode.NXDOMAIN:
                # The chain ends in a name that does not exist: remember that for its target.
                last = self._chain_end(answer, name)
                self.cache.put_negative(last, qtype, rcode, _soa(authority, last))
            detail = f"{'answer' if kind == ANSWER else 'alias'} from {zone}{note}"
            return kind, first, detail, _texts(response.answer)
        soa = _soa(authority, name)
        if rcode == dns.rcode.NXDOMAIN:
            self.cache.put_negative(name, qtype, rcode, soa)
            return NXDOMAIN, soa, f"{name} does not exist{note}", _texts([soa] if soa else [])
        referral = next(
            (r for r in authority if r.rdtype == dns.rdatatype.NS and name.is_subdomain(r.name)),
            None,
        )
        if referral is not None and not aa and soa is None:
            if referral.name == zone or not referral.name.is_subdomain(zone):
                return LAME, None, f"referral to {referral.name}, not below {zone}", _texts([referral])
            self.cache.put(referral, TRUST_GLUE)
            targets = {r.target for r in referral}
            glue = [r for r in additional if r.name in targets and r.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)]
            for rrset in glue:
                self.cache.put(rrset, TRUST_GLUE)
            detail = f"referral to {referral.name} ({len(referral)} nameservers, glue for {len(glue)}){note}"
            return REFERRAL, (referral.name, self._servers_of(referral, glue)), detail, _texts([referral, *glue])
        if aa or soa is not None:
            self.cache.put_negative(name, qtype, rcode, soa)
            return (
                NODATA,
                soa,
                f"{name} has no {dns.rdatatype.to_text(qtype)} records{note}",
                _texts([soa] if soa else []),
            )
        return LAME, None, "an empty answer without authority", []

    def _chain(
        self, answer: list[dns.rrset.RRset], name: dns.name.Name, qtype: dns.rdatatype.RdataType, trust: int
    ) -> dns.rrset.RRset | None:
        """Cache the answer section's chain from ``name`` (CNAMEs, then the final RRset);
        its first link, or None when nothing in the answer is about ``name``."""
        first: dns.rrset.RRset | None = None
        current = name
        for _ in range(MAX_CHAIN + 1):
            found: dns.rrset.RRset | None = None
            for rrset in answer:
                if rrset.name == current and (rrset.rdtype == qtype or qtype == dns.rdatatype.ANY):
                    found = rrset
                    break
            else:
                found = next((r for r in answer if r.name == current and r.rdtype == dns.rdatatype.CNAME), None)
            if found is None:
                break
            if qtype != dns.rdatatype.ANY:
                self.cache.put(found, trust)
            first = first or found
            if found.rdtype != dns.rdatatype.CNAME or qtype == dns.rdatatype.CNAME:
                break
            current = found[0].target
        return first

    @staticmethod
    def _chain_end(answer: list[dns.rrset.RRset], name: dns.name.Name) -> dns.name.Name:
        current = name
        for _ in range(MAX_CHAIN + 1):
            link = next((r for r in answer if r.name == current and r.rdtype == dns.rdatatype.CNAME), None)
            if link is None:
                break
            current = link[0].target
        return current


def _as_cached(kind: str, data: dns.rrset.RRset | None) -> tuple[str, dns.rrset.RRset | None]:
    """A fresh answer with the TTL the cache gives it: capped at MAX_TTL, and for a negative
    answer the SOA's TTL is the negative TTL (RFC 2308 section 5), as later hits will say."""
    if data is None:
        return kind, None
    if kind in (NXDOMAIN, NODATA) and data.rdtype == dns.rdatatype.SOA:
        return kind, with_ttl(data, min(data.ttl, data[0].minimum, MAX_NEGATIVE_TTL))
    return kind, with_ttl(data, min(data.ttl, MAX_TTL)) if data.ttl > MAX_TTL else data


def _soa(authority: list[dns.rrset.RRset], name: dns.name.Name) -> dns.rrset.RRset | None:
    """The SOA of a negative answer: owned by a zone that encloses ``name``."""
    return next((r for r in authority if r.rdtype == dns.rdatatype.SOA and name.is_subdomain(r.name)), None)


def _texts(rrsets: Iterable[dns.rrset.RRset]) -> list[str]:
    return [line for rrset in rrsets for line in rrset.to_text().splitlines()]


def _cache_step(name: dns.name.Name, qtype: dns.rdatatype.RdataType, hit: Hit, depth: int) -> Step:
    kind, data = hit
    records = _texts([data]) if data is not None else []
    what = {ANSWER: "the answer", CNAME: "an alias", NXDOMAIN: "NXDOMAIN", NODATA: "NODATA"}[kind]
    return Step(
        "",
        name.to_text(),
        dns.rdatatype.to_text(qtype),
        "from-cache",
        f"{what} for {name} is cached (TTL {data.ttl if data is not None else 0} s left)",
        depth,
        cached=True,
        records=records,
    )
