"""The recursive resolver's listeners (the emulator's 1.1.1.1): UDP and TCP on the plan's
resolver address, and a control channel for the trace page and operators.

A UDP thread answers repeated questions from rendered answers: the bytes of a query after
its ID pick an answer rendered earlier, given out until its lowest TTL runs out with every
TTL lowered by the seconds since (patched in the bytes, once a second).
Everything else goes to the event loop, where ``Resolver`` works and the answer is sent
from. The control channel speaks one JSON object per line over TCP (loopback only):
``{"command": "resolve", "name": ..., "type": ...}`` resolves with a trace,
``{"command": "cache"}`` lists the cache, ``{"command": "flush", "name": ...}`` empties it
(all of it without a name), ``{"command": "stats"}`` gives the counters.

Answers and their latency are counted per transport in ``Tally``s, each written by one
thread (rendered answers by the UDP thread, the rest on the loop); the
``namesmith_resolver_*`` metrics are read from them when scraped
(resolver.dns.recursive.metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import socket
import threading
import time
from typing import Any

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from config.serving import run_until_stopped
from resolver.dns.metrics import Tally, answer_key
from resolver.dns.recursive.answers import EDE_PROHIBITED, Answer, Trace
from resolver.dns.recursive.iterative import Resolver
from resolver.dns.recursive.metrics import ResolverCollector
from resolver.dns.wire import mmsg
from resolver.dns.wire.guard import allowed, error_reply
from resolver.dns.wire.stream import DnsStream

log = logging.getLogger(__name__)

TCP_LIMIT = 65_535
RENDERED_LIMIT = 100_000
MAX_PENDING = 2_000  # client questions being resolved at once; more are dropped, as Unbound does
REFUSED_TYPES = {dns.rdatatype.AXFR, dns.rdatatype.IXFR}
META_TYPES = {dns.rdatatype.MAILA, dns.rdatatype.MAILB, dns.rdatatype.TKEY, dns.rdatatype.TSIG, dns.rdatatype.OPT}
CONTROL_LINE_LIMIT = 4096
# Where a client asks from, as the socket gives it: (address, port, ...).
Source = tuple[Any, ...]


class Rendered:
    """An answer's bytes (after the ID) and where its TTLs are, so that it can be given out
    until its lowest TTL runs out, every TTL lowered by the seconds since it was rendered.
    ``key`` is what it is counted by when given out (``answer_key`` of the reply)."""

    __slots__ = ("base", "body", "born", "fields", "key", "second", "until")

    def __init__(self, body: bytes, second: int, lowest_ttl: int, key: int = 0) -> None:
        self.base = self.body = body
        self.fields = ttl_fields(body)
        self.born = self.second = second
        self.until = second + lowest_ttl
        self.key = key

    def at(self, second: int) -> bytes | None:
        """The bytes to send in ``second``; None once a TTL in them has run out. Only the UDP
        thread calls this, so the patched copy needs no lock."""
        if second != self.second:
            if second >= self.until:
                return None
            age = second - self.born
            body = bytearray(self.base)
            for offset, ttl in self.fields:
                body[offset : offset + 4] = max(ttl - age, 0).to_bytes(4, "big")
            self.body, self.second = bytes(body), second
        return self.body


def ttl_fields(body: bytes) -> list[tuple[int, int]]:
    """(offset, TTL) of every record in a message given without its 2-byte ID, OPT aside
    (its TTL field holds EDNS flags). dnspython renders the message; this only finds fields
    in what it rendered."""
    counts = [int.from_bytes(body[i : i + 2], "big") for i in (2, 4, 6, 8)]
    pos = 10

    def skip_name(pos: int) -> int:
        while True:
            length = body[pos]
            if length >= 0xC0:
                return pos + 2
            if length == 0:
                return pos + 1
            pos += length + 1

    for _ in range(counts[0]):
        pos = skip_name(pos) + 4
    fields = []
    for _ in range(sum(counts[1:])):
        pos = skip_name(pos)
        rdtype = int.from_bytes(body[pos : pos + 2], "big")
        if rdtype != dns.rdatatype.OPT:
            fields.append((pos + 4, int.from_bytes(body[pos + 4 : pos + 8], "big")))
        pos += 8
        pos += 2 + int.from_bytes(body[pos : pos + 2], "big")
    return fields


class Recursor:
    """Turns client queries into answers: from rendered bytes when it can, else by resolving."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        payload: int = 1232,
        allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128"),
    ) -> None:
        self.resolver = resolver
        self.payload = payload
        self.allow = [ipaddress.ip_network(n) for n in allow]
        # The UDP thread does not look at who asks; with every loopback client allowed (the
        # listener is on loopback) it need not. A narrower RESOLVER_ALLOW sends every query
        # through the check on the loop.
        loopback = ipaddress.IPv4Network("127.0.0.0/8")
        self.fast_for_everyone = any(isinstance(n, ipaddress.IPv4Network) and loopback.subnet_of(n) for n in self.allow)
        self.rendered: dict[bytes, Rendered] = {}
        resolver.cache.on_change = self.rendered.clear
        self.pending = 0
        # Cache hits: answers given from rendered bytes (UDP thread) or from the records
        # cached (the loop); misses: answers for which an authority was asked.
        self.counters = {
            "queries": 0,
            "rendered hits": 0,
            "cache hits": 0,
            "cache misses": 0,
            "resolved": 0,
            "servfail": 0,
            "dropped": 0,
        }
        self.rendered_tally = Tally()  # answers from rendered bytes: the UDP thread's
        self.tallies = {"udp": Tally(), "tcp": Tally()}  # answers made on the loop

    def fast(self, wire: bytes, second: int) -> bytes | None:
        """The answer to a UDP query asked before in this second, or None."""
        hit = self.rendered.get(wire[2:]) if self.fast_for_everyone else None
        if hit is not None:
            body = hit.at(second)
            if body is not None:
                answers, key = self.rendered_tally.answers, hit.key
                answers[key] = answers.get(key, 0) + 1
                return wire[:2] + body
        return None

    async def handle(self, wire: bytes, source: Source, transport: str) -> bytes | None:
        """The answer to one query (None for junk and responses), counted in the tally of
        ``transport``; never raises."""
        self.counters["resolved"] += 1
        try:
            reply = await self._answer(wire, source, transport)
        except Exception:  # a bug costs one answer, never the listener
            log.exception("query from %s failed", source)
            self.counters["servfail"] += 1
            reply = _error(wire, dns.rcode.SERVFAIL)
        if reply is not None:
            self.tallies[transport].count(reply)
        return reply

    async def _answer(self, wire: bytes, source: Source, transport: str) -> bytes | None:
        if len(wire) < 12 or wire[2] & 0x80:
            return None
        if (wire[2] >> 3) & 0x0F != dns.opcode.QUERY:
            return _error(wire, dns.rcode.NOTIMP)
        try:
            query = dns.message.from_wire(wire)
        except dns.message.UnknownTSIGKey:
            return _error(wire, dns.rcode.NOTAUTH)
        except (dns.exception.DNSException, ValueError):
            return _error(wire, dns.rcode.FORMERR)
        response = dns.message.make_response(query, our_payload=self.payload)
        response.flags |= dns.flags.RA
        if query.edns > 0:
            response.set_rcode(dns.rcode.BADVERS)
            return response.to_wire()
        if len(query.question) != 1 or query.answer or query.authority:
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        if not allowed(source, self.allow):
            return self._refuse(response, query, f"{source[0]} may not use this resolver")
        if question.rdclass != dns.rdataclass.IN or question.rdtype in REFUSED_TYPES:
            return self._refuse(response, query, "only class IN questions, and no zone transfers")
        if question.rdtype in META_TYPES:
            response.set_rcode(dns.rcode.NOTIMP)
            return response.to_wire()
        qname = question.name.canonicalize()
        if query.flags & dns.flags.RD:
            answer = await self.resolver.resolve(qname, question.rdtype)
        else:  # RFC 1034 section 4.3.1: no recursion asked for, so the cache alone answers
            answer = self.resolver.from_cache(qname, question.rdtype)
        self.counters["cache hits" if answer.from_cache else "cache misses"] += 1
        if answer.rcode == dns.rcode.SERVFAIL:
            self.counters["servfail"] += 1
        reply = self.render(query, response, answer, transport)
        # Kept while its TTLs last; not a cache-only answer (RD clear), which the next
        # resolution may improve on.
        recursive = query.flags & dns.flags.RD
        if transport == "udp" and recursive and answer.rcode != dns.rcode.SERVFAIL and answer.ttl() >= 1:
            if len(self.rendered) >= RENDERED_LIMIT:
                self.rendered.clear()
            self.rendered[wire[2:]] = Rendered(reply[2:], int(time.monotonic()), answer.ttl(), answer_key(reply))
        return reply

    def render(
        self, query: dns.message.Message, response: dns.message.Message, answer: Answer, transport: str
    ) -> bytes:
        response.set_rcode(answer.rcode)
        response.answer = list(answer.answer)
        response.authority = list(answer.authority)
        response.additional = list(answer.additional)
        if answer.ede is not None and query.edns >= 0:
            code, text = answer.ede
            response.use_edns(0, 0, self.payload, options=[dns.edns.EDEOption(code, text[:400])])
        if transport == "tcp":
            limit = TCP_LIMIT
        elif query.edns >= 0:
            limit = min(self.payload, max(512, query.payload))
        else:
            limit = 512
        return response.to_wire(max_size=limit, prefer_truncation=True)

    def _refuse(self, response: dns.message.Message, query: dns.message.Message, why: str) -> bytes:
        response.set_rcode(dns.rcode.REFUSED)
        if query.edns >= 0:
            response.use_edns(0, 0, self.payload, options=[dns.edns.EDEOption(EDE_PROHIBITED, why)])
        return response.to_wire()

    # --- control channel ------------------------------------------------------------------------

    async def control(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("command")
        if command == "resolve":
            return await self._traced(request)
        if command == "cache":
            return {"entries": [item.__dict__ for item in self.resolver.cache.items()]}
        if command == "flush":
            name = request.get("name")
            try:
                target = dns.name.from_text(name) if name else None
            except dns.exception.DNSException as exc:
                return {"error": f"{name!r} is not a domain name: {exc}"}
            return {"flushed": self.resolver.cache.flush(target)}
        if command == "stats":
            return {
                **self.counters,
                "upstream queries": self.resolver.sent,
                "cache entries": len(self.resolver.cache),
                "rendered answers": len(self.rendered),
            }
        return {"error": f"unknown command {command!r}: resolve, cache, flush or stats"}

    async def _traced(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            qname = dns.name.from_text(str(request.get("name", ""))).canonicalize()
            qtype = dns.rdatatype.from_text(str(request.get("type", "A")))
        except (dns.exception.DNSException, ValueError) as exc:
            return {"error": str(exc)}
        trace = Trace()
        start = time.monotonic()
        answer = await self.resolver.resolve(qname, qtype, trace)
        elapsed = time.monotonic() - start
        query = dns.message.make_query(qname, qtype, use_edns=0)
        response = dns.message.make_response(query, our_payload=self.payload)
        response.flags |= dns.flags.RA  # as a client asking over the network would see it
        reply = self.render(query, response, answer, "tcp")
        return {
            "name": qname.to_text(),
            "type": dns.rdatatype.to_text(qtype),
            "elapsed_ms": round(elapsed * 1000, 3),
            "rcode": dns.rcode.to_text(answer.rcode),
            "ede": list(answer.ede) if answer.ede else None,
            "zone": answer.authoritative_zone,
            "answer": [line for r in answer.answer for line in r.to_text().splitlines()],
            "wire": reply.hex(),
            "steps": [step.as_dict() for step in trace.steps],
        }


def _error(wire: bytes, rcode: dns.rcode.Rcode) -> bytes | None:
    """An error reply (RA set, as from every answer of ours) for a query too broken to parse."""
    replies = error_reply(wire, rcode, dns.flags.RA)
    return replies[0] if replies else None


class UdpThread:
    """The UDP socket's reader: rendered answers in its own thread, the rest on the loop."""

    def __init__(self, recursor: Recursor, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self.recursor = recursor
        self.sock = sock
        self.loop = loop
        self.closing = False
        self.thread = threading.Thread(target=self._serve, name="resolver udp", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        counters, fast = self.recursor.counters, self.recursor.fast
        hand_off = self.loop.call_soon_threadsafe
        observe, clock = self.recursor.rendered_tally.observe, time.perf_counter
        if not mmsg.available():
            while True:
                try:
                    data, source = self.sock.recvfrom(65_535)
                except OSError:
                    if self.closing:
                        return
                    continue
                if self.closing:
                    return
                started = clock()
                counters["queries"] += 1
                reply = fast(data, int(time.monotonic()))
                if reply is None:
                    hand_off(self._resolve, data, source, started)
                    continue
                counters["rendered hits"] += 1
                try:
                    self.sock.sendto(reply, source)
                except OSError:
                    continue
                observe(clock() - started)
        batch = mmsg.Batch(self.sock)
        while True:
            try:
                received = batch.receive()
            except OSError:
                log.exception("receiving on the resolver socket failed")
                received = 0
            if self.closing:
                return
            started = clock()  # once per batch: its rendered answers leave together
            second = int(time.monotonic())
            hits = 0
            for i in range(received):
                data = batch.datagram(i)
                reply = fast(data, second)
                if reply is not None:
                    batch.answer(i, reply)
                    hits += 1
                elif not batch.truncated(i):
                    hand_off(self._resolve, data, batch.source(i), started)
            counters["queries"] += received
            counters["rendered hits"] += hits
            batch.reset_names(received)
            batch.send()
            if hits:
                observe(clock() - started, hits)

    def _resolve(self, data: bytes, source: Source, started: float) -> None:
        """On the loop: resolve one query (taken off the socket at ``started``, by
        perf_counter) and send its answer."""
        recursor = self.recursor
        if recursor.pending >= MAX_PENDING:
            recursor.counters["dropped"] += 1
            return
        recursor.pending += 1

        async def run() -> None:
            try:
                reply = await recursor.handle(data, source, "udp")
            finally:
                recursor.pending -= 1
            if reply is not None:
                try:
                    self.sock.sendto(reply, source)
                except OSError:
                    return
                recursor.tallies["udp"].observe(time.perf_counter() - started)

        # The loop holds the task while it waits (on its sockets, or on a resolution shared
        # through Resolver.inflight); keeping a set of them would cost every query.
        asyncio.ensure_future(run())  # noqa: RUF006

    def close(self) -> None:
        self.closing = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(2)
        self.sock.close()


class TcpConnection(DnsStream):
    """A client's TCP connection: each query answered as it resolves, perhaps out of order
    (RFC 7766 section 7), the connection kept while any is still being resolved."""

    def __init__(self, recursor: Recursor, idle_timeout: float) -> None:
        super().__init__(idle_timeout)
        self.recursor = recursor
        self.working = 0

    def busy(self) -> bool:
        return self.working > 0

    def message_received(self, message: bytes) -> None:
        self.recursor.counters["queries"] += 1
        self.working += 1
        asyncio.ensure_future(self._answer(message, time.perf_counter()))  # noqa: RUF006  # held by the loop, as UdpThread's

    async def _answer(self, message: bytes, started: float) -> None:
        try:
            reply = await self.recursor.handle(message, self.peer, "tcp")
        finally:
            self.working -= 1
        if reply is None:
            self.transport.close()
        else:
            self.send(reply)
            self.recursor.tallies["tcp"].observe(time.perf_counter() - started)


class ResolverServer:
    """The resolver's UDP and TCP listeners and its control channel, until stopped."""

    def __init__(
        self,
        recursor: Recursor,
        address: str,
        port: int,
        control_port: int | None,
        *,
        idle_timeout: float = 10.0,
        reuse_port: bool = False,
    ) -> None:
        self.recursor = recursor
        self.address = address
        self.port = port
        self.control_port = control_port
        self.idle_timeout = idle_timeout
        self.reuse_port = reuse_port
        self.udp: UdpThread | None = None
        self.servers: list[asyncio.base_events.Server] = []
        self.stopping = asyncio.Event()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if self.reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.bind((self.address, self.port))
        if self.port == 0:
            self.port = sock.getsockname()[1]
        self.udp = UdpThread(self.recursor, sock, loop)
        self.servers.append(
            await loop.create_server(
                lambda: TcpConnection(self.recursor, self.idle_timeout),
                self.address,
                self.port,
                reuse_address=True,
                reuse_port=self.reuse_port or None,
                backlog=256,
            )
        )
        if self.control_port is not None:
            control = await asyncio.start_server(self._control, self.address, self.control_port, reuse_address=True)
            if self.control_port == 0:
                self.control_port = control.sockets[0].getsockname()[1]
            self.servers.append(control)
        self.udp.start()
        COLLECTOR.watch(self)

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    line = await asyncio.wait_for(reader.readline(), self.idle_timeout)
                except (TimeoutError, ValueError, ConnectionError):
                    break
                if not line:
                    break
                if len(line) > CONTROL_LINE_LIMIT:
                    reply = {"error": "request too long"}
                else:
                    try:
                        request = json.loads(line)
                        if not isinstance(request, dict):
                            raise ValueError("a request is a JSON object")
                    except ValueError as exc:
                        reply = {"error": f"not a JSON object: {exc}"}
                    else:
                        reply = await self.recursor.control(request)
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def run(self, *, signals: bool = True) -> None:
        await run_until_stopped(self.stopping, self.close, signals=signals)

    async def close(self) -> None:
        COLLECTOR.unwatch(self)
        if self.udp is not None:
            self.udp.close()
        for server in self.servers:
            server.close()
            await server.wait_closed()


COLLECTOR = ResolverCollector(MAX_PENDING)
