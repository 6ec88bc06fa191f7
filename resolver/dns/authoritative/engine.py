"""The query handler of every authoritative listener: bytes in, bytes out.

``Engine.handle`` never raises and never touches the database. Zones arrive through
``install``/``remove`` (the server loads them off the query path).

Speed: the common query (one question, no EDNS options) is recognised from its bytes
without a full parse. Its answer is rendered once by dnspython for the lower-case
question and kept; later queries get those bytes with their own ID, RD/CD flags and
question (the client's letter case) patched in. NXDOMAIN and REFUSED are put together
from per-zone templates and kept in a cache of their own, so random names cannot push
the real answers out. A routed answer is cached as a Choice among its rendered variants.
"""

from __future__ import annotations

import io
import ipaddress
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from resolver.dns.authoritative import transfer
from resolver.dns.authoritative.regions import Regions
from resolver.dns.authoritative.routing import Choice
from resolver.dns.authoritative.zone import CompiledZone, Kind, Labels, Result
from resolver.dns.metrics import answer_key
from resolver.dns.wire.guard import allowed, error_reply
from resolver.dns.wire.update import is_update

log = logging.getLogger(__name__)

CACHE_LIMIT = 100_000
NEGATIVE_LIMIT = 50_000
TCP_LIMIT = 65_535
NO_LIMIT_TYPES = {dns.rdatatype.AXFR, dns.rdatatype.IXFR}
UNSUPPORTED_META = {dns.rdatatype.MAILA, dns.rdatatype.MAILB, dns.rdatatype.TKEY, dns.rdatatype.TSIG}

UDP, TCP = "udp", "tcp"
STATS_NAME = dns.name.from_text("queries.server.")
PLAIN_COUNTS = b"\x00\x01\x00\x00\x00\x00"  # one question, no answer or authority records
CLASS_IN = b"\x00\x01"
OPT_TYPE = b"\x00\x29"
# Transfers, meta types and OPT as a question: always the full parser.
FULL_PATH_TYPES = NO_LIMIT_TYPES | UNSUPPORTED_META | {dns.rdatatype.OPT}

# An installed zone's key: its origin, or a name the zone store gives it.
ZoneKey = str | dns.name.Name
# A rendered answer's key: (listener address, question as sent, EDNS, DO, size limit).
AnswerKey = tuple[str, bytes, bool, bool, int]
# Where a client asks from, as the socket gives it: (address, port, ...).
Source = tuple[Any, ...]
# Sends one reply to the client a message came from, from any thread.
Respond = Callable[[bytes], None]


class Engine:
    """Answers for the zones installed, per listener address."""

    def __init__(
        self,
        *,
        payload: int = 1232,
        transfer_allow: Iterable[str] = ("127.0.0.0/8", "::1/128"),
        regions: Regions | None = None,
    ) -> None:
        self.payload = payload
        self.regions = regions or Regions()
        self.transfer_allow = [ipaddress.ip_network(n) for n in transfer_allow]
        # By the zone's key: its origin, or the store's key where zones share a name.
        self.zones: dict[ZoneKey, CompiledZone] = {}
        self.zone_servers: dict[ZoneKey, frozenset[str]] = {}
        # Per listener address: the zones it serves, by their origin's labels.
        self.served: dict[str, dict[tuple[bytes, ...], CompiledZone]] = {}
        self.addresses_of: dict[str, str] = {}
        self.cache: dict[AnswerKey, bytes | Choice] = {}
        self.negative: dict[AnswerKey, bytes] = {}
        # (zone, rcode, EDNS, DO) -> the header flags and what follows the question.
        self.templates: dict[tuple[CompiledZone | None, int, bool, bool], tuple[bytes, bytes]] = {}
        self.on_notify: Callable[[str], object] | None = None  # called with the zone a NOTIFY names
        # Takes an UPDATE or a signed message (wire, listener address, source, transport,
        # respond) and answers it later, off the listener; without it an UPDATE gets
        # NOTIMP and a signed message NOTAUTH.
        self.on_deferred: Callable[[bytes, str, Source, str, Respond], object] | None = None
        # A zone's history for IXFR: (zone key, from serial, to serial) -> each version's
        # (removed, added) records, or None when it does not reach back. Reads the
        # database: called off the listeners only.
        self.changes_since: Callable[[str, int, int], list[tuple[list[Any], list[Any]]] | None] | None = None
        self.counters: dict[str, int] = {}
        # Per listener address, queries received over UDP and TCP (the server sets this).
        self.query_counts: Callable[[], dict[str, tuple[int, int]]] | None = None

    # --- zones ----------------------------------------------------------------------------

    def set_listeners(self, addresses_of: dict[str, str]) -> None:
        """Server name -> address of every listener this engine answers for."""
        self.addresses_of = dict(addresses_of)
        self._reindex()

    def add_listener(self, server: str, address: str) -> None:
        """Answer for ``server`` at ``address`` too (a rental nameserver the pool grew by);
        the zones that name it are installed after."""
        self.addresses_of = {**self.addresses_of, server: address}
        self.served.setdefault(address, {})

    def install(self, zone: CompiledZone, servers: Iterable[str], key: ZoneKey | None = None) -> None:
        """Serve ``zone`` at ``servers``; ``key`` (by default its origin) tells apart zones
        of one name, which never share a server."""
        key = zone.origin if key is None else key
        zone.key = str(key)
        self._place(key, zone, frozenset(servers))

    def remove(self, key: ZoneKey) -> None:
        self._place(key, None, frozenset())

    def _place(self, key: ZoneKey, zone: CompiledZone | None, servers: frozenset[str]) -> None:
        """Serve ``zone`` (None: nothing) at its ``servers``' addresses: only the addresses
        it leaves or joins change, so a load costs the same with ten zones or ten thousand.
        Each change is one dict operation, safe while listener threads read; the answer
        caches are dropped after the zones changed, as the fast path expects."""
        old = self.zones.pop(key, None)
        old_servers = self.zone_servers.pop(key, frozenset())
        if zone is not None:
            labels = zone.labels
            self.zones[key], self.zone_servers[key] = zone, servers
        elif old is not None:
            labels = old.labels
        else:
            return
        now_at = self._addresses(servers)  # none without a zone
        for address in self._addresses(old_servers) - now_at:
            self.served[address].pop(labels, None)
        if zone is not None:
            for address in now_at:
                self.served[address][labels] = zone
        self._drop_answers()

    def _addresses(self, servers: frozenset[str]) -> set[str]:
        return {self.addresses_of[server] for server in servers if server in self.addresses_of}

    def _reindex(self) -> None:
        # Built aside and swapped in: UDP listener threads read these while the listeners change.
        served: dict[str, dict[Labels, CompiledZone]] = {address: {} for address in self.addresses_of.values()}
        for key, servers in self.zone_servers.items():
            zone = self.zones[key]
            for server in servers:
                address = self.addresses_of.get(server)
                if address is not None:
                    served[address][zone.labels] = zone
        self.served = served
        self._drop_answers()

    def _drop_answers(self) -> None:
        self.cache = {}
        self.negative = {}
        self.templates = {}

    def zone_for(self, address: str, labels: Labels) -> CompiledZone | None:
        """The closest enclosing zone of a name among those served at ``address``."""
        served = self.served.get(address)
        if not served:
            return None
        for depth in range(len(labels), 0, -1):
            zone = served.get(labels[-depth:])
            if zone is not None:
                return zone
        return None

    def key_at(self, address: str, origin: dns.name.Name) -> str | None:
        """The key of the zone named ``origin`` served at ``address``, if one is."""
        zone = self.served.get(address, {}).get(tuple(label.lower() for label in origin.labels))
        return None if zone is None else zone.key

    # --- entry points ---------------------------------------------------------------------

    def handle(
        self,
        wire: bytes,
        address: str,
        source: Source,
        transport: str,
        answers: dict[int, int] | None = None,
        respond: Respond | None = None,
    ) -> list[bytes]:
        """Responses to one query (several for a zone transfer, none for junk), counted in
        ``answers`` by ``answer_key`` when given. An UPDATE, and a message signed with TSIG
        (whose key only the database knows), go to ``on_deferred`` with ``respond``, which
        sends the answers when they are ready: none is returned here."""
        fast = self.fast(wire, address, transport, source, answers)
        if fast is not None:
            return [fast]
        deferred = respond is not None and self.on_deferred is not None
        try:
            if deferred and is_update(wire):
                raise _Deferred
            replies = self._answer_slow(wire, address, source, transport)
        except _Deferred:  # an UPDATE, or signed: answered off the listener
            if not deferred:
                return error_reply(wire, dns.rcode.NOTAUTH)  # signed with a key nobody here can check
            assert self.on_deferred is not None and respond is not None  # as ``deferred`` says
            self._count("deferred")
            self.on_deferred(wire, address, source, transport, respond)
            return []
        except Exception:  # a bug must cost one answer, never the listener
            log.exception("query from %s to %s failed", source, address)
            self._count("servfail")
            replies = error_reply(wire, dns.rcode.SERVFAIL)
        if answers is not None and replies:
            key = answer_key(replies[0])  # the full path's cost dwarfs this parse
            answers[key] = answers.get(key, 0) + 1
        return replies

    def _count(self, what: str) -> None:
        self.counters[what] = self.counters.get(what, 0) + 1

    # --- fast path --------------------------------------------------------------------------

    def fast(
        self,
        wire: bytes,
        address: str,
        transport: str,
        source: Source | None = None,
        answers: dict[int, int] | None = None,
    ) -> bytes | None:
        """The answer to a plain query (QUERY opcode, one question, nothing in the answer
        or authority sections, at most an OPT without options) from what was rendered
        before; None when the query needs the full path, or its ``source`` (a latency or
        geolocation answer asked without it). Counted in ``answers`` by ``answer_key`` when
        given, from the bytes at hand. Never raises."""
        try:
            size = len(wire)
            if size < 17 or wire[2] & 0xF8 or wire[4:10] != PLAIN_COUNTS or wire[10]:
                return None
            pos = 12
            while length := wire[pos]:
                pos += length + 1
                if length > 63 or pos >= size:
                    return None
            end = pos + 5
            if end > size or pos > 266 or wire[pos + 3 : end] != CLASS_IN:  # > 255 octets: FORMERR
                return None
            additional = wire[11]
            if additional == 1:
                opt = wire[end : end + 11]
                if len(opt) != 11 or opt[0] != 0 or opt[1:3] != OPT_TYPE or opt[6] != 0 or end + 11 != size:
                    return None  # not an OPT, EDNS version above 0, or options: the full parser decides
                edns, do = True, opt[7] >= 0x80
                limit = self._limit(transport, opt[3] << 8 | opt[4])
            elif additional or end != size:
                return None
            else:
                edns, do = False, False
                limit = self._limit(transport, None)
            # Label lengths are below 64, so lowering the whole name only touches letters.
            question = wire[12:pos].lower() + wire[pos:end]
            key = (address, question, edns, do, limit)
            cache, negative = self.cache, self.negative  # taken before the zones: a zone change drops them after
            # Bytes, or a Choice among rendered variants: told apart by class below.
            cached: Any = cache.get(key) or negative.get(key)
            if cached is None:
                qtype = wire[pos + 1] << 8 | wire[pos + 2]
                if qtype in FULL_PATH_TYPES:
                    return None
                cached = self._render(address, question, qtype, edns, do, limit, key, cache, negative)
                if cached is None:
                    return None
            if cached.__class__ is Choice:  # a routed answer: one of its rendered variants
                cached = cached.pick(source)
                if cached is None:
                    return None
            answer: bytes = (
                wire[:2]
                + bytes([cached[2] | (wire[2] & 0x01), cached[3] | (wire[3] & 0x10)])
                + cached[4:12]
                + wire[12:end]
                + cached[end:]
            )
            if answers is not None:  # answer_key: the question's type, then the rcode's byte
                counted = wire[end - 4] << 16 | wire[end - 3] << 8 | cached[3]
                answers[counted] = answers.get(counted, 0) + 1
            return answer
        except Exception:  # a bug here sends the query down the full path
            log.exception("fast path failed for a query to %s", address)
            self._count("fast failed")
            return None

    def _limit(self, transport: str, client_payload: int | None) -> int:
        """Largest answer for this query: TCP's, else the smaller of what the client
        offers in EDNS (at least 512) and ours; 512 without EDNS."""
        if transport == TCP:
            return TCP_LIMIT
        if client_payload is None:
            return 512
        return min(self.payload, max(512, client_payload))

    def _render(
        self,
        address: str,
        question: bytes,
        qtype: int,
        edns: bool,
        do: bool,
        limit: int,
        key: AnswerKey,
        cache: dict[AnswerKey, bytes | Choice],
        negative: dict[AnswerKey, bytes],
    ) -> bytes | Choice | None:
        """Render and keep the answer to a question not seen since the zones last changed.
        Positive answers and referrals go in ``cache`` (a routed answer as a Choice of
        its variants); NXDOMAIN and REFUSED (put together from templates, no rendering)
        in ``negative``, so a flood of random names cannot push the real answers out."""
        labels = _labels(question)
        zone = self.zone_for(address, labels)
        if zone is None:
            reply = self._from_template(question, edns, do, limit, None, dns.rcode.REFUSED)
        else:
            result = zone.lookup_labels(labels, qtype)
            if result.kind is not Kind.NXDOMAIN or result.answer:
                self._count("render")
                qname = dns.name.Name(labels)
                rendered: bytes | Choice
                if result.routed is None:
                    rendered = self._rendered(qname, qtype, edns, do, limit, result)
                else:
                    variants = [
                        self._rendered(qname, qtype, edns, do, limit, result, v) for v in result.routed.variants
                    ]
                    by_region: dict[str | None, bytes] | None = None
                    if result.routed.regional:
                        nodata = self._rendered(qname, qtype, edns, do, limit, _nodata(result, zone))
                        by_region = {}
                        for client in [*self.regions.regions.values(), None]:
                            index = result.routed.index_for(client, self.regions)
                            by_region[client.name if client else None] = nodata if index is None else variants[index]
                    rendered = Choice(variants, result.routed.weights, by_region, self.regions)
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[key] = rendered
                return rendered
            reply = self._from_template(question, edns, do, limit, zone, dns.rcode.NXDOMAIN)
        if reply is not None:
            if len(negative) >= NEGATIVE_LIMIT:
                negative.clear()
            negative[key] = reply
        return reply

    def _rendered(
        self,
        qname: dns.name.Name,
        qtype: int,
        edns: bool,
        do: bool,
        limit: int,
        result: Result,
        variant: Sequence[dns.rrset.RRset] = (),
    ) -> bytes:
        response = self._response_for(qname, qtype, edns, do)
        _fill(response, result, variant)
        # Records in the order given: a multivalue variant's order is its whole point.
        return response.to_wire(max_size=limit, prefer_truncation=True, want_shuffle=False)

    def _response_for(self, qname: dns.name.Name, qtype: int, edns: bool, do: bool) -> dns.message.Message:
        rdtype = cast(dns.rdatatype.RdataType, qtype)  # the type as the query's bytes give it: make_query takes ints
        canonical = dns.message.make_query(qname, rdtype, use_edns=0 if edns else False, want_dnssec=do)
        canonical.flags = 0
        response = dns.message.make_response(canonical, our_payload=self.payload)
        if do:
            response.ednsflags |= dns.flags.DO
        return response

    def _from_template(
        self, question: bytes, edns: bool, do: bool, limit: int, zone: CompiledZone | None, rcode: dns.rcode.Rcode
    ) -> bytes | None:
        """A response with no answer: header, the question, the zone's negative SOA (for
        NXDOMAIN) and an OPT, put together without rendering; None if it does not fit."""
        template_key = (zone, rcode, edns, do)  # the zone object: a reload makes a new one
        template = self.templates.get(template_key)
        if template is None:
            response = self._response_for(dns.name.root, dns.rdatatype.A, edns, do)
            response.question = []
            response.set_rcode(rcode)
            authority = io.BytesIO()
            if zone is not None:
                response.flags |= dns.flags.AA
                # Uncompressed: the question goes in front, so offsets would move.
                zone.negative_soa.to_wire(authority, compress=None)
            rendered = response.to_wire()  # header and OPT only
            template = self.templates[template_key] = (rendered[2:4], authority.getvalue() + rendered[12:])
        flags, body = template
        if 12 + len(question) + len(body) > limit:
            return None
        self._count("template")
        counts = b"\x00\x01\x00\x00" + bytes([0, zone is not None, 0, edns])
        return b"\x00\x00" + flags + counts + question + body

    # --- full path ----------------------------------------------------------------------------

    def _answer_slow(self, wire: bytes, address: str, source: Source, transport: str) -> list[bytes]:
        self._count("slow")
        if len(wire) < 12 or wire[2] & 0x80:
            return []  # not even a header, or a response: never answer those
        if (wire[2] >> 3) & 0x0F not in (dns.opcode.QUERY, dns.opcode.NOTIFY):
            return error_reply(wire, dns.rcode.NOTIMP)  # sections of other opcodes mean other things
        try:
            query = dns.message.from_wire(wire, ignore_trailing=False)
        except dns.message.UnknownTSIGKey:
            raise _Deferred from None
        except (dns.exception.DNSException, ValueError):
            self._count("formerr")
            return error_reply(wire, dns.rcode.FORMERR)
        return self.answer_query(query, address, source, transport)

    def answer_query(
        self, query: dns.message.Message, address: str, source: Source, transport: str, off_listener: bool = False
    ) -> list[bytes]:
        """The answers to a QUERY or NOTIFY already read (and its signature checked, if it
        had one: the caller signs the answers). ``off_listener``: called by the thread
        that answers deferred messages, where an IXFR may read the zone's history."""
        opcode = query.opcode()
        if query.edns > 0:
            response = dns.message.make_response(query, our_payload=self.payload)
            response.use_edns(0, 0, self.payload)
            response.set_rcode(dns.rcode.BADVERS)
            return [response.to_wire()]
        if len(query.question) != 1:
            return [_reply(query, dns.rcode.FORMERR, self.payload)]
        question = query.question[0]
        # A query carries nothing in its answer section, nor in authority but an IXFR's SOA.
        if opcode == dns.opcode.QUERY and (query.answer or (query.authority and question.rdtype != dns.rdatatype.IXFR)):
            return [_reply(query, dns.rcode.FORMERR, self.payload)]
        if opcode == dns.opcode.NOTIFY:
            return [self._notify(query, question, source)]
        if question.rdclass == dns.rdataclass.CH and question.rdtype == dns.rdatatype.TXT and qname_is_stats(question):
            return [self._query_counts(query, self._limit(transport, query.payload if query.edns >= 0 else None))]
        rcode = _question_error(question)
        if rcode is not None:
            return [_reply(query, rcode, self.payload)]
        qname = question.name.canonicalize()
        zone = self.zone_for(address, qname.labels)
        if zone is None:
            return [_reply(query, dns.rcode.REFUSED, self.payload)]
        if question.rdtype in NO_LIMIT_TYPES:
            return self._transfer(query, zone, qname, source, transport, off_listener)
        result = zone.lookup(qname, question.rdtype)
        response = dns.message.make_response(query, our_payload=self.payload)
        if query.ednsflags & dns.flags.DO:
            response.ednsflags |= dns.flags.DO
        variant: Sequence[dns.rrset.RRset] = ()
        if result.routed is not None:
            result, variant = self._routed_variant(query, response, result, zone, source)
        _fill(response, result, variant)
        limit = self._limit(transport, query.payload if query.edns >= 0 else None)
        return [response.to_wire(max_size=limit, prefer_truncation=True, want_shuffle=False)]

    def _routed_variant(
        self,
        query: dns.message.Message,
        response: dns.message.Message,
        result: Result,
        zone: CompiledZone,
        source: Source,
    ) -> tuple[Result, Sequence[dns.rrset.RRset]]:
        """The variant of a routed answer for this client, placed by its EDNS Client Subnet
        or else its address; NODATA when no record set covers it."""
        routed = result.routed
        assert routed is not None  # the caller's check
        subnet = next((o for o in query.options if isinstance(o, dns.edns.ECSOption)), None)
        client = self.regions.of(subnet.address if subnet else source[0] if source else None)
        variant = routed.pick(client, self.regions)
        if subnet is not None and routed.regional:
            # RFC 7871 section 7.2.1: this answer is good for the client's whole subnet.
            scoped = dns.edns.ECSOption(subnet.address, subnet.srclen, subnet.srclen)
            response.use_edns(0, response.ednsflags, self.payload, options=[scoped])
        if variant is None:
            return _nodata(result, zone), ()
        return result, variant

    def _query_counts(self, query: dns.message.Message, limit: int) -> bytes:
        """CHAOS TXT ``queries.server.``: one string per listener, "ADDRESS udp=N tcp=N",
        so a test (or an operator) sees on the servers themselves who was asked."""
        response = dns.message.make_response(query, our_payload=self.payload)
        counts = self.query_counts() if self.query_counts is not None else {}
        rrset = response.find_rrset(response.answer, STATS_NAME, dns.rdataclass.CH, dns.rdatatype.TXT, create=True)
        for address, (udp, tcp) in sorted(counts.items()):
            rrset.add(dns.rdata.from_text(dns.rdataclass.CH, dns.rdatatype.TXT, f'"{address} udp={udp} tcp={tcp}"'))
        return response.to_wire(max_size=limit, prefer_truncation=True)

    def _notify(self, query: dns.message.Message, question: dns.rrset.RRset, source: Source) -> bytes:
        """Acknowledge a NOTIFY from an allowed source and have the zone re-read."""
        if not allowed(source, self.transfer_allow) or question.rdtype != dns.rdatatype.SOA:
            return _reply(query, dns.rcode.REFUSED, self.payload)
        response = dns.message.make_response(query, our_payload=self.payload)
        response.flags |= dns.flags.AA
        if self.on_notify is not None:
            self.on_notify(question.name.canonicalize().to_text())
        self._count("notify")
        return response.to_wire()

    def _transfer(
        self,
        query: dns.message.Message,
        zone: CompiledZone,
        qname: dns.name.Name,
        source: Source,
        transport: str,
        off_listener: bool = False,
    ) -> list[bytes]:
        """AXFR, and IXFR (RFC 1995) from the zone's history, over TCP to allowed clients
        (the zone's own ``transfer_allow`` or the engine's, signed with its key if it names one);
        over UDP an IXFR gets the SOA alone, which says 'use TCP'. The history is in the
        database: an IXFR is answered off the listener (``on_deferred``), and as a full
        transfer where there is none (no ``changes_since``) or it does not reach back to
        the client's serial."""
        networks = self.transfer_allow if zone.transfer_allow is None else zone.transfer_allow
        if qname != zone.origin or not allowed(source, networks):
            return [_reply(query, dns.rcode.REFUSED, self.payload)]
        if zone.transfer_key is not None and not (query.had_tsig and query.keyname == zone.transfer_key):
            # A signed query reaches here checked (off the listener); an unsigned one, refused.
            return [_reply(query, dns.rcode.REFUSED, self.payload)]
        rdtype = query.question[0].rdtype
        if transport == UDP:
            if rdtype == dns.rdatatype.AXFR:
                return [_reply(query, dns.rcode.FORMERR, self.payload)]
            return [self._soa_only(query, zone, 512)]
        if rdtype == dns.rdatatype.IXFR:
            since = next((r[0].serial for r in query.authority if r.rdtype == dns.rdatatype.SOA and len(r)), None)
            if since is None:
                return [_reply(query, dns.rcode.FORMERR, self.payload)]  # RFC 1995 section 3: the client's SOA
            if not transfer.older(since, zone.serial):
                return [self._soa_only(query, zone, TCP_LIMIT)]  # up to date (or ahead): nothing to send
            if self.changes_since is not None and self.on_deferred is not None:
                if not off_listener:
                    raise _Deferred
                chain = self.changes_since(zone.key, since, zone.serial)
                if chain is not None:
                    self._count("ixfr")
                    log.info("IXFR of %s to %s: serial %s to %s", zone.origin, source[0], since, zone.serial)
                    return list(transfer.stream(query, transfer.incremental(zone, chain), self.payload))
        self._count("transfer")
        log.info("AXFR of %s to %s: serial %s", zone.origin, source[0], zone.serial)
        return list(transfer.stream(query, transfer.whole(zone), self.payload))

    def _soa_only(self, query: dns.message.Message, zone: CompiledZone, limit: int) -> bytes:
        response = dns.message.make_response(query, our_payload=self.payload)
        response.flags |= dns.flags.AA
        response.answer = [zone.soa]
        return response.to_wire(max_size=limit, prefer_truncation=True)


class _Deferred(Exception):
    """A message to answer off the listener (``Engine.on_deferred``)."""


def _nodata(result: Result, zone: CompiledZone) -> Result:
    """A routed name with no record set for this client: NODATA (what came before it in a
    CNAME chain stays)."""
    return Result(Kind.NODATA, answer=list(result.answer), authority=[zone.negative_soa])


def _fill(response: dns.message.Message, result: Result, variant: Sequence[dns.rrset.RRset] = ()) -> None:
    """Put a lookup's result (and the routed variant picked for it) in a response."""
    if result.authoritative:
        response.flags |= dns.flags.AA
    if result.kind is Kind.NXDOMAIN:
        response.set_rcode(dns.rcode.NXDOMAIN)
    response.answer = [*result.answer, *variant]
    response.authority = list(result.authority)
    response.additional = list(result.additional)


def _labels(question: bytes) -> Labels:
    """The labels of the name a question's wire form starts with."""
    labels = []
    pos = 0
    while length := question[pos]:
        labels.append(question[pos + 1 : pos + 1 + length])
        pos += length + 1
    labels.append(b"")
    return tuple(labels)


def _question_error(question: dns.rrset.RRset) -> dns.rcode.Rcode | None:
    """The rcode for a question no zone answers: another class than IN, OPT as a
    question, a meta type; None for a question to look up."""
    if question.rdclass != dns.rdataclass.IN:
        return dns.rcode.REFUSED
    if question.rdtype == dns.rdatatype.OPT:
        return dns.rcode.FORMERR
    if question.rdtype in UNSUPPORTED_META:
        return dns.rcode.NOTIMP
    return None


def qname_is_stats(question: dns.rrset.RRset) -> bool:
    return bool(question.name == STATS_NAME)


def _reply(query: dns.message.Message, rcode: dns.rcode.Rcode, payload: int) -> bytes:
    response = dns.message.make_response(query, our_payload=payload)
    response.set_rcode(rcode)
    return response.to_wire(max_size=512, prefer_truncation=True)
