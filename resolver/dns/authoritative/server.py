"""UDP and TCP listeners on every planned DNS address, and the zone loading behind them.

The listeners only frame bytes and hand them to ``Engine.handle``. Zones are read from
the store in one worker thread (the only place that touches the database): at start,
after a NOTIFY, and every ``poll_every`` seconds in case a NOTIFY was lost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

import dns.name

from config.serving import stop_on_signals
from resolver.dns.authoritative.engine import TCP, UDP, Engine
from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.wire import mmsg
from resolver.dns.wire import records as rr
from resolver.dns.wire.stream import DnsStream

log = logging.getLogger(__name__)

# A zone as the store gives it: name, serial, records, servers, routed record sets.
StoredZone = tuple[str, int, list[Any], list[str], list[Any]]


class UdpListener:
    """One UDP socket answered by a thread of its own.

    A blocking loop costs less per datagram than an event loop callback (a bare echo
    answers about 1.5x what uvloop's datagram protocol does), and the GIL is released
    while the thread waits. On Linux the loop takes and answers datagrams in batches
    (``mmsg``); elsewhere one ``recvfrom``/``sendto`` per query.
    """

    def __init__(self, engine: Engine, address: str, sock: socket.socket) -> None:
        self.engine = engine
        self.address = address
        self.sock = sock
        self.closing = False
        self.queries = 0  # datagrams received: the listener's counter, read by CHAOS TXT queries.server.
        self.thread = threading.Thread(target=self._serve, name=f"udp {address}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        if mmsg.available():
            self._serve_batches()
            return
        receive, send, address = self.sock.recvfrom, self.sock.sendto, self.address
        fast, handle = self.engine.fast, self.engine.handle
        while True:
            try:
                data, source = receive(65_535)
            except OSError:
                if self.closing:
                    return
                continue
            if self.closing:
                return
            self.queries += 1
            reply = fast(data, address, UDP, source)
            try:
                if reply is not None:
                    send(reply, source)
                else:
                    for reply in handle(data, address, source, UDP):
                        send(reply, source)
            except OSError:  # a gone client or a full buffer: that answer is lost, as over UDP
                pass

    def _serve_batches(self) -> None:
        batch = mmsg.Batch(self.sock)
        fast, handle, address = self.engine.fast, self.engine.handle, self.address
        while True:
            try:
                received = batch.receive()
            except OSError:
                log.exception("receiving on %s failed", address)
                received = 0
            if self.closing:
                return
            self.queries += received
            for i in range(received):
                data = batch.datagram(i)
                reply = fast(data, address, UDP)  # the source is decoded only when needed
                if reply is not None:
                    batch.answer(i, reply)
                elif not batch.truncated(i):
                    for reply in handle(data, address, batch.source(i), UDP):
                        batch.answer(i, reply)
            batch.reset_names(received)
            batch.send()

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

    def __init__(self, engine: Engine, address: str, idle_timeout: float, counts: dict[str, int]) -> None:
        super().__init__(idle_timeout)
        self.engine = engine
        self.address = address
        self.counts = counts

    def message_received(self, message: bytes) -> None:
        self.counts[self.address] = self.counts.get(self.address, 0) + 1
        replies = self.engine.handle(message, self.address, self.peer, TCP)
        if not replies and len(message) < 12:
            self.transport.close()  # not DNS: nothing sensible to say
            return
        for reply in replies:
            self.send(reply)


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
        self.serials: dict[str, int] = {}  # by the store's key of each zone loaded
        self.names: dict[str, str] = {}  # the zone name of each key
        self.udp: list[UdpListener] = []
        self.servers: list[asyncio.base_events.Server] = []
        self.pending: set[str] = set()
        self.wakeup = asyncio.Event()
        self.stopping = asyncio.Event()
        self.tcp_queries: dict[str, int] = {}
        engine.set_listeners(listeners)
        engine.query_counts = self.query_counts

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # NOTIFY arrives on a UDP listener's thread; the loader runs on this loop.
        self.engine.on_notify = lambda zone: loop.call_soon_threadsafe(self.notified, zone)
        for address in sorted(set(self.listeners.values())):
            await self._listen(address)
        await self.sync()
        for listener in self.udp:
            listener.start()

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
        server = await loop.create_server(
            lambda: TcpConnection(self.engine, address, self.idle_timeout, self.tcp_queries),
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
                compiled, servers = await loop.run_in_executor(self.executor, self._compile, key)
            except (rr.BadRecord, ValueError) as exc:
                log.error("zone %s not loaded: %s", key, exc)
                continue
            if compiled is None:
                continue
            await self._grow(servers)
            self.engine.install(compiled, servers, key)
            self.serials[key] = compiled.serial
            self.names[key] = compiled.origin.to_text()
            log.info("zone %s serial %s loaded (%s records)", self.names[key], compiled.serial, compiled.record_count())
            loaded = True
        if loaded:
            # Zones are large and never change in place: keep the cycle collector from
            # walking them again and again (each full pass would stall the listeners).
            gc.freeze()

    def _compile(self, key: str) -> tuple[CompiledZone | None, list[str]]:
        row = self.read_zone(key)
        if row is None:
            return None, []
        name, serial, records, servers, routed = row
        return CompiledZone(dns.name.from_text(name), serial, records, routed), servers

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
        for listener in self.udp:
            listener.close()
        for server in self.servers:
            server.close()
            await server.wait_closed()
        self.executor.shutdown(wait=False, cancel_futures=True)
