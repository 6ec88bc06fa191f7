"""The EPP listener: TLS, RFC 5734 framing and session state, and nothing else.

Each frame is a 4-byte big-endian length (counting itself) and the XML. A connection gets
the greeting, then its frames are answered in order by the handler on a worker thread, so
the event loop never waits on the database. The handler never raises (an error is a
result code), and a connection that misbehaves is closed without touching the others.

A frame over ``max_frame`` bytes is read past without being kept and answered with 2001;
a length below 4 cannot be skipped, so that connection is closed. A connection idle for
``idle_timeout`` seconds is closed. SIGTERM (or SIGINT) stops accepting, lets every
command in progress finish and answer, closes the sessions and returns.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
from dataclasses import dataclass
from typing import Protocol

from config.serving import run_until_stopped
from config.threads import on_every_thread
from registry.epp.framing import HEADER, framed
from registry.epp.session import Session, SessionGate

log = logging.getLogger(__name__)

DISCARD_CHUNK = 64 * 1024


class Reply(Protocol):
    # Read-only, so a frozen dataclass (registry.epp.runner.Reply) is one.
    @property
    def data(self) -> bytes: ...

    @property
    def close(self) -> bool: ...


class Handler(Protocol):
    """What the server needs from the EPP layer (``registry.epp.runner.EppHandler``)."""

    def greeting(self) -> bytes: ...

    def serve(self, frame: bytes, session: Session) -> Reply: ...

    def oversized(self, size: int) -> bytes: ...

    def release(self) -> None: ...


@dataclass(eq=False)
class Connection:
    """A client connection: ``busy`` while a frame is being read or answered, so a drain
    can close idle connections at once and let busy ones finish their command."""

    writer: asyncio.StreamWriter
    session: Session
    task: asyncio.Task | None = None
    busy: bool = False


class EppServer:
    """The listener on one address and port (0 picks a free one; see ``port`` after start)."""

    def __init__(
        self,
        handler: Handler,
        address: str,
        port: int,
        ssl_context: ssl.SSLContext,
        *,
        gate: SessionGate,
        idle_timeout: float,
        max_frame: int,
        workers: int = 8,
        handshake_timeout: float = 10.0,
        drain_timeout: float = 10.0,
    ) -> None:
        self.handler = handler
        self.address = address
        self.port = port
        self.ssl_context = ssl_context
        self.gate = gate
        self.idle_timeout = idle_timeout
        self.max_frame = max_frame
        self.workers = workers
        self.handshake_timeout = handshake_timeout
        self.drain_timeout = drain_timeout
        self.executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="epp")
        self.connections: set[Connection] = set()
        self.stopping = asyncio.Event()
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._serve,
            self.address,
            self.port,
            ssl=self.ssl_context,
            ssl_handshake_timeout=self.handshake_timeout,
            reuse_address=True,
            backlog=128,
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def run(self, *, signals: bool = True) -> None:
        """Serve until ``stopping`` is set (by SIGTERM or SIGINT, with ``signals``), then drain."""
        await run_until_stopped(self.stopping, self.close, signals=signals)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self.stopping.set()
        # An idle session is waiting for its next frame: end it now. A busy one finishes its
        # command, sends the answer and then sees ``stopping``.
        for connection in list(self.connections):
            if not connection.busy and connection.task is not None:
                connection.task.cancel()
        tasks = [c.task for c in self.connections if c.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.drain_timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=2)
        # Each worker thread closes its database connections.
        await asyncio.get_running_loop().run_in_executor(
            None, on_every_thread, self.executor, self.workers, self.handler.release
        )
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("unknown", 0)
        connection = Connection(writer, Session(peer=str(peer[0]), gate=self.gate), asyncio.current_task())
        self.connections.add(connection)
        try:
            # On a worker thread: the greeting's svDate reads the emulator clock (the database).
            greeting = await asyncio.get_running_loop().run_in_executor(self.executor, self.handler.greeting)
            writer.write(framed(greeting))
            await writer.drain()
            await self._converse(reader, connection)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, TimeoutError):
            pass  # the client went away, or broke the framing: nothing more to say to it
        except asyncio.CancelledError:
            if connection.busy:
                log.warning("EPP session of %s at %s cut short by shutdown", connection.session.client_id, peer[0])
        except Exception:
            log.exception("EPP connection from %s failed", peer[0])
        finally:
            connection.session.end()
            await self._hang_up(writer)
            self.connections.discard(connection)

    @staticmethod
    async def _hang_up(writer: asyncio.StreamWriter) -> None:
        """Close with a TLS close_notify, but wait for the client's only briefly: many never
        send one, and a session must not linger for them."""
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1)
        except (ConnectionError, ssl.SSLError, TimeoutError, asyncio.CancelledError):
            writer.transport.abort()

    async def _converse(self, reader: asyncio.StreamReader, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        writer, session = connection.writer, connection.session
        while not self.stopping.is_set():
            connection.busy = False
            try:
                header = await asyncio.wait_for(reader.readexactly(HEADER), self.idle_timeout)
            except TimeoutError:
                log.info("EPP session of %s at %s idle; closing", session.client_id, session.peer)
                return
            connection.busy = True
            size = int.from_bytes(header, "big") - HEADER
            if size < 0:
                return  # no length to skip by: the stream cannot be read any further
            if size > self.max_frame:
                await self._discard(reader, size)
                data, close = self.handler.oversized(size), False
            else:
                frame = await asyncio.wait_for(reader.readexactly(size), self.idle_timeout)
                reply = await loop.run_in_executor(self.executor, self.handler.serve, frame, session)
                data, close = reply.data, reply.close
            writer.write(framed(data))
            await writer.drain()
            if close:
                return

    async def _discard(self, reader: asyncio.StreamReader, size: int) -> None:
        left = size
        while left:
            chunk = await asyncio.wait_for(reader.read(min(left, DISCARD_CHUNK)), self.idle_timeout)
            if not chunk:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(chunk)
