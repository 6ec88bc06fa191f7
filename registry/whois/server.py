"""The WHOIS listener (RFC 3912): TCP, one query line per connection, the answer, close.

This layer frames bytes and holds no ORM code: the answer comes from an ``answer(query)
-> text`` function it is given, run on a small pool of worker threads so a slow database
never stalls the loop (and the pool's size bounds the database connections it holds).
A query line is at most ``max_query`` bytes of UTF-8 ending in LF (CRLF as clients send
it); a client that sends no line within ``idle_timeout`` gets an error line. Each query is
counted against the client address's ``limit`` (a function the command passes in: seconds
until the address may ask again, 0 to answer); a refused one gets one line saying so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
from collections.abc import Callable

from config.serving import run_until_stopped
from config.threads import on_every_thread
from registry.whois import metrics

log = logging.getLogger(__name__)

MAX_QUERY_BYTES = 255
CRLF = "\r\n"


class QueryError(Exception):
    """The bytes sent are not a query line; the message is the answer."""


async def read_query(reader: asyncio.StreamReader, max_query: int = MAX_QUERY_BYTES) -> str:
    """The query line of a connection, without its line ending. A client that half-closes
    after the query without a line ending is answered too."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        line = exc.partial
        if not line:
            raise QueryError("no query was sent") from None
    except asyncio.LimitOverrunError:
        raise QueryError(f"the query is longer than {max_query} bytes") from None
    line = line.rstrip(b"\r\n")
    if len(line) > max_query:
        raise QueryError(f"the query is longer than {max_query} bytes")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("the query is not UTF-8 text") from None


class WhoisServer:
    """The listener on one address and port (port 0 picks a free one: see ``port`` after
    ``start``), until ``stopping`` is set."""

    def __init__(
        self,
        answer: Callable[[str], str],
        address: str,
        port: int,
        *,
        limit: Callable[[str], float] | None = None,
        idle_timeout: float = 10.0,
        max_query: int = MAX_QUERY_BYTES,
        drain_timeout: float = 5.0,
        workers: int = 4,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.answer = answer
        self.release = release  # run on every worker thread at close (closing its DB connections)
        self.workers = workers
        self.address = address
        self.port = port
        self.limit = limit  # blocking (the shared limiter): run off the event loop
        self.idle_timeout = idle_timeout
        self.max_query = max_query
        self.drain_timeout = drain_timeout
        self.stopping = asyncio.Event()
        self.server: asyncio.base_events.Server | None = None
        self.clients: set[asyncio.Task] = set()
        self.waiting: set[asyncio.Task] = set()  # clients that have not sent their query yet
        self.executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="whois")

    async def start(self) -> None:
        # The stream buffer limit makes readuntil give up on a line longer than a query may be
        # (+2 for the CRLF) instead of buffering whatever a client sends.
        self.server = await asyncio.start_server(
            self._client, self.address, self.port, limit=self.max_query + 2, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def run(self, *, signals: bool = True) -> None:
        """Serve until ``stopping`` is set (by SIGTERM or SIGINT, with ``signals``), then stop
        taking connections and let the ones being answered finish."""
        await run_until_stopped(self.stopping, self.close, signals=signals)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in self.waiting:  # nothing asked yet, nothing to finish
            task.cancel()
        if self.clients:
            _, late = await asyncio.wait(set(self.clients), timeout=self.drain_timeout)
            for task in late:
                task.cancel()
        if self.server is not None:
            await self.server.wait_closed()
        if self.release is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, on_every_thread, self.executor, self.workers, self.release
            )
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.clients.add(task)
        try:
            reply = await self._reply(reader, writer)
            if reply:
                writer.write(reply.encode("utf-8"))
                await writer.drain()
        except ConnectionError:
            pass  # the client went away: nobody to answer
        except asyncio.CancelledError:
            # Stopping hangs up on this client. Ending normally rather than cancelled keeps
            # asyncio's stream callback (Python 3.11) from logging the cancel as an error.
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            if task is not None:
                self.clients.discard(task)

    async def _reply(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        task = asyncio.current_task()
        if task is not None:
            self.waiting.add(task)
        try:
            query = await asyncio.wait_for(read_query(reader, self.max_query), self.idle_timeout)
        except QueryError as exc:
            metrics.count("malformed")
            return f"% Error: {exc}{CRLF}"
        except TimeoutError:
            metrics.count("malformed")
            return f"% Error: no query line within {self.idle_timeout:g} seconds{CRLF}"
        finally:
            if task is not None:
                self.waiting.discard(task)
        # Counted once the query is read, so the refusal is not lost to a reset: closing a
        # socket with unread input makes the kernel answer with RST.
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if peer else "unknown"
        loop = asyncio.get_running_loop()
        try:
            if self.limit is not None:
                wait = await loop.run_in_executor(None, self.limit, client)
                if wait:
                    metrics.count("rate_limited")
                    seconds = math.ceil(wait)
                    return f"% Error: query rate exceeded for {client}; try again in {seconds} second(s).{CRLF}"
            return await loop.run_in_executor(self.executor, self.answer, query)
        except Exception:  # one failed answer must never stop the server
            metrics.count("error")
            log.exception("answering the WHOIS query %r failed", query)
            return f"% Error: the query could not be answered; try again later.{CRLF}"
