"""A blocking EPP client over TLS (RFC 5734): one frame out, one frame in. For the test
suite and the benchmarks, which talk to run_epp the way a partner registrar's software
does; it holds no registry logic."""

from __future__ import annotations

import socket
import ssl
from types import TracebackType

from registry.epp.framing import HEADER, body_size, framed


class EppClient:
    """One EPP session on a TLS socket; ``greeting`` is the server's first frame."""

    def __init__(
        self,
        address: str,
        port: int,
        context: ssl.SSLContext,
        *,
        server_hostname: str | None = None,
        timeout: float = 10,
        nodelay: bool = False,
    ) -> None:
        raw = socket.create_connection((address, port), timeout=timeout)
        if nodelay:  # a benchmark's round trips must not wait for Nagle's algorithm
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = context.wrap_socket(raw, server_hostname=server_hostname or address)
        self.greeting = self.receive()

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are, framed or not (for tests of malformed input)."""
        self.sock.sendall(data)

    def send_frame(self, data: bytes | str) -> None:
        self.sock.sendall(framed(data.encode() if isinstance(data, str) else data))

    def receive(self) -> bytes:
        return self._exactly(body_size(self._exactly(HEADER)))

    def send(self, data: bytes | str) -> bytes:
        """Send one command and read its response."""
        self.send_frame(data)
        return self.receive()

    def closed_by_server(self) -> bool:
        """Whether the server has closed the connection (EOF, or a reset)."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, ssl.SSLError):
            return True

    def _exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(left)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> EppClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
