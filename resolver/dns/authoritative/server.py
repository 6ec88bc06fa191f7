"""UDP and TCP listeners on every planned DNS address, and the zone loading behind them.

The listeners only frame bytes and hand them to ``Engine.handle``. Zones are read from
the store in one worker thread (the only place that touches the database): at start,
after a NOTIFY, and every ``poll_every`` seconds in case a NOTIFY was lost.

Each listener counts its answers and their latency in a ``Tally`` per transport; the
``namesmith_dns_*`` metrics are read from those of every running server when scraped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dns.name
import dns.rcode

from config.serving import stop_on_signals
from resolver.dns.authoritative.engine import TCP, UDP, Engine, Respond
from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.metrics import (
    Labels,
    LiveCollector,
    Tally,
    add,
    answers_family,
    counter_family,
    gauge_family,
    latency_family,
)
from resolver.dns.wire import mmsg, tsig
from resolver.dns.wire import records as rr
from resolver.dns.wire.guard import error_reply
from resolver.dns.wire.notify import send_notify
from resolver.dns.wire.stream import DnsStream
from resolver.dns.wire.update import is_update

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)

# A zone as the store gives it: name, serial, records, servers, routed record sets, and
# maybe its secondaries ({"allow": [networks], "key": TSIG key name, "notify": [targets]}).
StoredZone = (
    tuple[str, int, list[Any], list[str], list[Any]] | tuple[str, int, list[Any], list[str], list[Any], dict[str, Any]]
)
# Each version's (removed, added) records, oldest first.
Chain = list[tuple[list[Any], list[Any]]]
# What changed in a zone since a serial (up to another, or the stored one), as the store
# gives it: (stored serial, servers, the chain or None when the history does not reach,
# whether a version must be loaded whole).
ReadChanges = Callable[[str, int, int | None], tuple[int, list[str], Chain | None, bool] | None]


class UdpListener:
    """One UDP socket answered by a thread of its own.

    A blocking loop costs less per datagram than an event loop callback (a bare echo
    answers about 1.5x what uvloop's datagram protocol does), and the GIL is released
    while the thread waits. On Linux the loop takes and answers datagrams in batches
    (``mmsg``); elsewhere one ``recvfrom``/``sendto`` per query.

    Latency is from taking a datagram off the socket to handing its answer to the kernel:
    in batches, the time of the whole batch for each answer in it (they leave together).
    """

    def __init__(self, engine: Engine, address: str, sock: socket.socket) -> None:
        self.engine = engine
        self.address = address
        self.sock = sock
        self.closing = False
        self.queries = 0  # datagrams received: the listener's counter, read by CHAOS TXT queries.server.
        self.tally = Tally()  # written by this listener's thread alone
        self.thread = threading.Thread(target=self._serve, name=f"udp {address}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        if mmsg.available():
            self._serve_batches()
            return
        receive, send, address = self.sock.recvfrom, self.sock.sendto, self.address
        fast, handle = self.engine.fast, self.engine.handle
        answers, observe, clock = self.tally.answers, self.tally.observe, time.perf_counter
        while True:
            try:
                data, source = receive(65_535)
            except OSError:
                if self.closing:
                    return
                continue
            if self.closing:
                return
            started = clock()
            self.queries += 1
            reply = fast(data, address, UDP, source, answers)
            try:
                if reply is not None:
                    send(reply, source)
                else:
                    replies = handle(data, address, source, UDP, answers, self._responder(source))
                    for reply in replies:
                        send(reply, source)
                    if not replies:
                        continue
            except OSError:  # a gone client or a full buffer: that answer is lost, as over UDP
                continue
            observe(clock() - started)

    def _serve_batches(self) -> None:
        batch = mmsg.Batch(self.sock)
        fast, handle, address = self.engine.fast, self.engine.handle, self.address
        answers, observe, clock = self.tally.answers, self.tally.observe, time.perf_counter
        while True:
            try:
                received = batch.receive()
            except OSError:
                log.exception("receiving on %s failed", address)
                received = 0
            if self.closing:
                return
            started = clock()  # once per batch: the answers leave together
            self.queries += received
            for i in range(received):
                data = batch.datagram(i)
                reply = fast(data, address, UDP, None, answers)  # the source is decoded only when needed
                if reply is not None:
                    batch.answer(i, reply)
                elif not batch.truncated(i):
                    source = batch.source(i)
                    for reply in handle(data, address, source, UDP, answers, self._responder(source)):
                        batch.answer(i, reply)
            batch.reset_names(received)
            answered = batch.count
            batch.send()
            if answered:
                observe(clock() - started, answered)

    def _responder(self, source: Any) -> Respond:
        """Sends a late reply (an UPDATE's) to ``source``, from any thread."""

        def respond(reply: bytes) -> None:
            with contextlib.suppress(OSError):  # gone or full: lost, as over UDP
                self.sock.sendto(reply, source)

        return respond

    def close(self) -> None:
        self.closing = True
        # Wakes the thread out of recvfrom. Linux says ENOTCONN for an unconnected socket,
        # and wakes the reader anyway.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(2)
        self.sock.close()


class TcpConnection(DnsStream):
    """An authoritative listener's TCP connection: the engine answers at once."""

    def __init__(self, engine: Engine, address: str, idle_timeout: float, counts: dict[str, int], tally: Tally) -> None:
        super().__init__(idle_timeout)
        self.engine = engine
        self.address = address
        self.counts = counts
        self.tally = tally  # the listener's over TCP, shared by its connections on the loop
        self.loop = asyncio.get_running_loop()  # made by the server, on its loop

    def message_received(self, message: bytes) -> None:
        started = time.perf_counter()
        self.counts[self.address] = self.counts.get(self.address, 0) + 1
        replies = self.engine.handle(message, self.address, self.peer, TCP, self.tally.answers, self.respond_later)
        if not replies and len(message) < 12:
            self.transport.close()  # not DNS: nothing sensible to say
            return
        for reply in replies:
            self.send(reply)
        if replies:
            self.tally.observe(time.perf_counter() - started)

    def respond_later(self, reply: bytes) -> None:
        """Send a late reply (an UPDATE's), from any thread."""
        self.loop.call_soon_threadsafe(self.send, reply)


# Acts on an UPDATE: (wire, the key of the zone of a name served where it came, client) -> reply.
ApplyUpdate = Callable[[bytes, Callable[[dns.name.Name], str | None], str], bytes]


class DnsServer:
    """Every listener of the plan, one engine, and the zone loader."""

    def __init__(
        self,
        engine: Engine,
        listeners: dict[str, str],
        port: int,
        *,
        read_serials: Callable[[set[str] | None], dict[str, int]],
        read_zone: Callable[[str], StoredZone | None],
        address_of: Callable[[str], str | None] = lambda server: None,
        poll_every: float = 30.0,
        idle_timeout: float = 10.0,
        reuse_port: bool = False,
        apply_update: ApplyUpdate | None = None,
        keyring: tsig.Keyring | None = None,
        read_changes: ReadChanges | None = None,
    ) -> None:
        self.engine = engine
        self.listeners = dict(listeners)  # server name -> address
        self.port = port
        self.read_serials = read_serials
        self.read_zone = read_zone
        self.address_of = address_of
        self.poll_every = poll_every
        self.idle_timeout = idle_timeout
        self.reuse_port = reuse_port
        self.executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="zone-loader")
        # UPDATEs and signed messages are answered one at a time, off the listeners and
        # the loader: each needs the database (the zone's record sets, the key).
        self.apply_update = apply_update
        self.keyring = keyring
        self.read_changes = read_changes
        self.updater = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="updates")
        self.notifier = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="notify")  # to secondaries
        self.serials: dict[str, int] = {}  # by the store's key of each zone loaded
        self.names: dict[str, str] = {}  # the zone name of each key
        self.udp: list[UdpListener] = []
        self.servers: list[asyncio.base_events.Server] = []
        self.pending: set[str] = set()
        self.wakeup = asyncio.Event()
        self.stopping = asyncio.Event()
        self.tcp_queries: dict[str, int] = {}
        self.tcp_tallies: dict[str, Tally] = {}  # by listener address, written on the loop
        engine.set_listeners(listeners)
        engine.query_counts = self.query_counts

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # NOTIFY arrives on a UDP listener's thread; the loader runs on this loop.
        self.engine.on_notify = lambda zone: loop.call_soon_threadsafe(self.notified, zone)
        if self.apply_update is not None or self.keyring is not None or self.read_changes is not None:
            self.engine.on_deferred = self.deferred
        if self.read_changes is not None:
            self.engine.changes_since = self._history
        for address in sorted(set(self.listeners.values())):
            await self._listen(address)
        await self.sync()
        for listener in self.udp:
            listener.start()
        COLLECTOR.watch(self)

    async def _listen(self, address: str) -> UdpListener:
        """UDP and TCP listeners on ``address`` (the UDP thread is started by the caller)."""
        loop = asyncio.get_running_loop()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if self.reuse_port:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        udp.bind((address, self.port))
        listener = UdpListener(self.engine, address, udp)
        self.udp.append(listener)
        tally = self.tcp_tallies.setdefault(address, Tally())
        server = await loop.create_server(
            lambda: TcpConnection(self.engine, address, self.idle_timeout, self.tcp_queries, tally),
            address,
            self.port,
            reuse_address=True,
            reuse_port=self.reuse_port or None,
            backlog=512,
        )
        self.servers.append(server)
        return listener

    async def _grow(self, servers: list[str]) -> None:
        """Listen for the servers a zone names that this process has no listener for yet:
        rental nameservers the pool grew by since it started."""
        for name in servers:
            if name in self.listeners:
                continue
            address = self.address_of(name)
            if address is None:
                continue
            try:
                listener = await self._listen(address)
            except OSError as exc:
                log.error("cannot listen for %s on %s: %s", name, address, exc)
                continue
            self.listeners[name] = address
            self.engine.add_listener(name, address)
            if self.udp and self.udp[0].thread.is_alive():  # serving already: start it now
                listener.start()
            log.info("listening for %s on %s", name, address)

    def query_counts(self) -> dict[str, tuple[int, int]]:
        """Queries received so far per listener address: (over UDP, over TCP)."""
        return {
            listener.address: (listener.queries, self.tcp_queries.get(listener.address, 0)) for listener in self.udp
        }

    def notified(self, zone: str) -> None:
        self.pending.add(zone)
        self.wakeup.set()

    def deferred(self, wire: bytes, address: str, source: Any, transport: str, respond: Respond) -> None:
        """Answer an UPDATE or a signed message that arrived at ``address`` in the updater
        thread (both need the database), then send the answers with ``respond``."""

        def work() -> None:
            client = str(source[0]) if source else ""
            try:
                replies = self._answer_deferred(wire, address, source, transport, client)
            except Exception:  # the database away, or a bug: one message fails, the server serves on
                log.exception("message from %s failed", client)
                replies = error_reply(wire, dns.rcode.SERVFAIL)
            for reply in replies:
                respond(reply)

        self.updater.submit(work)

    def _answer_deferred(self, wire: bytes, address: str, source: Any, transport: str, client: str) -> list[bytes]:
        if is_update(wire):
            if self.apply_update is None:
                return error_reply(wire, dns.rcode.NOTIMP)
            return [self.apply_update(wire, lambda origin: self.engine.key_at(address, origin), client)]
        try:
            query = tsig.read(wire, self.keyring or (lambda message, name: None))
        except tsig.Refusal as refusal:
            log.info("message from %s refused: %s", client, refusal.reason)
            return [refusal.reply]
        key, query.keyring = query.keyring, None  # the engine answers unsigned; signed here
        replies = self.engine.answer_query(query, address, source, transport, off_listener=True)
        return tsig.sign(query, key, replies) if key else replies

    def _history(self, key: str, since: int, until: int) -> Chain | None:
        """A zone's changes from ``since`` to ``until``, for IXFR (the updater thread's)."""
        assert self.read_changes is not None  # set as the engine's changes_since only with it
        found = self.read_changes(key, since, until)
        return None if found is None else found[2]

    def changed_elsewhere(self, zone: str) -> None:
        """``zone`` changed, as heard from outside DNS (another host's publisher); safe to
        call from any thread, and a no-op until the server has started."""
        if self.engine.on_notify is not None:
            self.engine.on_notify(zone)

    async def sync(self, names: set[str] | None = None) -> None:
        """Load zones whose serial changed (all, or only ``names``) and drop vanished ones."""
        loop = asyncio.get_running_loop()
        # After a NOTIFY only the notified zones are read: the store may hold many thousands.
        current = await loop.run_in_executor(self.executor, self.read_serials, names)
        candidates = set(current) | set(self.serials)
        if names is not None:  # the zones of those names, loaded or not
            candidates = set(current) | {key for key in self.serials if self.names[key] in names}
        loaded = False
        for key in sorted(candidates):
            if key not in current:
                if key in self.serials:
                    self.engine.remove(key)
                    del self.serials[key]
                    log.info("zone %s withdrawn", self.names.pop(key))
                continue
            if self.serials.get(key) == current[key]:
                continue
            try:
                compiled, servers, applied = await loop.run_in_executor(self.executor, self._load, key)
            except (rr.BadRecord, ValueError) as exc:
                log.error("zone %s not loaded: %s", key, exc)
                continue
            if compiled is None:
                continue
            await self._grow(servers)
            self.engine.install(compiled, servers, key)
            if compiled.notify:  # served now: the secondaries may ask for it
                targets = {f"{host}:{port}": (host, port) for host, port in compiled.notify}
                self.notifier.submit(send_notify, compiled.origin.to_text(), targets)
            self.serials[key] = compiled.serial
            self.names[key] = compiled.origin.to_text()
            if applied:
                log.info("zone %s serial %s: %s versions applied", self.names[key], compiled.serial, applied)
            else:
                count = compiled.record_count()
                log.info("zone %s serial %s loaded (%s records)", self.names[key], compiled.serial, count)
            loaded = True
        if loaded:
            # Zones are large and never change in place: keep the cycle collector from
            # walking them again and again (each full pass would stall the listeners).
            gc.freeze()

    def _load(self, key: str) -> tuple[CompiledZone | None, list[str], int]:
        """The zone's new version: the one held with the changes since applied, when the
        store's history reaches back to it, else loaded whole; and how many versions were
        applied (0: loaded whole)."""
        held = self.engine.zones.get(key)
        if held is not None and self.read_changes is not None:
            found = self.read_changes(key, held.serial, None)
            if found is None:
                return None, [], 0
            serial, servers, chain, load_whole = found
            if chain is not None and not load_whole:
                try:
                    compiled = held.updated(chain)
                except (rr.BadRecord, ValueError) as exc:
                    log.warning("zone %s: its changes did not apply (%s); loading it whole", key, exc)
                else:
                    if compiled.serial == serial:
                        return compiled, servers, len(chain)
        return (*self._compile(key), 0)

    def _compile(self, key: str) -> tuple[CompiledZone | None, list[str]]:
        row = self.read_zone(key)
        if row is None:
            return None, []
        name, serial, records, servers, routed, *more = row
        compiled = CompiledZone(dns.name.from_text(name), serial, records, routed)
        if more and more[0]:
            policy = more[0]
            compiled.set_secondaries(policy.get("allow") or None, policy.get("key") or None, policy.get("notify") or ())
        return compiled, servers

    async def run(self, *, signals: bool = True) -> None:
        """Serve until ``stopping`` is set (by SIGTERM or SIGINT, with ``signals``), then
        close every listener."""
        if signals:
            stop_on_signals(self.stopping)
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._next_event(), timeout=self.poll_every)
            if self.stopping.is_set():
                break
            names = self.pending or None
            self.pending = set()
            self.wakeup.clear()
            try:
                await self.sync(names)
            except Exception:  # the database may be away for a moment; keep serving what we have
                log.exception("reading the zone store failed")
        await self.close()

    async def _next_event(self) -> None:
        wakeup = asyncio.ensure_future(self.wakeup.wait())
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({wakeup, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            wakeup.cancel()
            stop.cancel()

    async def close(self) -> None:
        COLLECTOR.unwatch(self)
        for listener in self.udp:
            listener.close()
        for server in self.servers:
            server.close()
            await server.wait_closed()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.updater.shutdown(wait=False, cancel_futures=True)
        self.notifier.shutdown(wait=False, cancel_futures=True)


class DnsCollector(LiveCollector[DnsServer]):
    """The ``namesmith_dns_*`` metrics of every running DnsServer, per listener address."""

    def families(self, servers: list[DnsServer]) -> list[Metric]:
        tallies: dict[Labels, list[Tally]] = {}
        received: dict[Labels, float] = {}
        zones_at: dict[Labels, float] = {}
        serials: dict[Labels, float] = {}
        loaded: dict[Labels, float] = {}
        events: dict[Labels, float] = {}
        for server in servers:
            served = server.engine.served
            for listener in list(server.udp):
                tallies.setdefault((listener.address, UDP), []).append(listener.tally)
                add(received, (listener.address, UDP), listener.queries)
                add(zones_at, (listener.address,), len(served.get(listener.address, ())))
            for address, tally in list(server.tcp_tallies.items()):
                tallies.setdefault((address, TCP), []).append(tally)
                add(received, (address, TCP), server.tcp_queries.get(address, 0))
            names = server.names
            for key, serial in list(server.serials.items()):
                serials[names.get(key, key), key] = serial
            add(loaded, (), len(server.serials))
            for event, n in list(server.engine.counters.items()):
                add(events, (event,), n)
        return [
            answers_family(
                "namesmith_dns_queries", "Queries answered, by listener address, transport, qtype and rcode.", tallies
            ),
            latency_family(
                "namesmith_dns_answer_seconds",
                "Seconds from taking a query off the socket to handing its answer to the kernel"
                " (over UDP in batches: each batch's time, for every answer in it).",
                tallies,
            ),
            counter_family(
                "namesmith_dns_received",
                "Messages received (answered or not), by listener address and transport.",
                ["listener", "transport"],
                received,
            ),
            gauge_family("namesmith_dns_zones", "Zones served at each listener address.", ["listener"], zones_at),
            gauge_family("namesmith_dns_zones_loaded", "Zones loaded from the zone store.", [], loaded),
            gauge_family(
                "namesmith_dns_zone_serial",
                "Serial of each zone loaded, by name and zone store key.",
                ["zone", "key"],
                serials,
            ),
            counter_family(
                "namesmith_dns_engine_events",
                "What the engine did: answers rendered (render) or put together from templates (template),"
                " queries on the full path (slow), FORMERR, SERVFAIL, NOTIFY, transfers, UPDATEs and signed messages"
                " answered off the listeners (deferred).",
                ["event"],
                events,
            ),
        ]


COLLECTOR = DnsCollector()
