"""DNS over a stream (RFC 7766): the framing both servers' TCP listeners share."""

from __future__ import annotations

import asyncio
from typing import Any, cast

TCP_MAX_MESSAGE = 65_535


class DnsStream(asyncio.Protocol):
    """RFC 7766 framing: length-prefixed messages, several per connection, closed when idle
    (not while ``busy``). Subclasses answer each message in ``message_received``."""

    transport: asyncio.Transport  # from connection_made, before any data

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self.buffer = bytearray()
        self.peer: Any = None  # the client's address, as the socket gives it
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a stream server's transport
        self.peer = transport.get_extra_info("peername")
        self._arm()

    def _arm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(self.idle_timeout, self._idle)

    def _idle(self) -> None:
        if self.busy():
            self._arm()
        else:
            self.transport.close()

    def busy(self) -> bool:
        return False

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 2:
            size = int.from_bytes(self.buffer[:2], "big")
            if len(self.buffer) < 2 + size:
                break
            message = bytes(self.buffer[2 : 2 + size])
            del self.buffer[: 2 + size]
            self.message_received(message)
            if self.transport.is_closing():
                return
        self._arm()

    def message_received(self, message: bytes) -> None:
        raise NotImplementedError

    def send(self, reply: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(len(reply).to_bytes(2, "big") + reply)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
