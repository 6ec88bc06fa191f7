"""EPP over TCP framing (RFC 5734 section 4): each data unit is preceded by a 4-byte
length, in network byte order, that counts itself. The server (``registry.epp.server``)
and the blocking client (``registry.epp.client``) both frame with these."""

from __future__ import annotations

HEADER = 4


def framed(data: bytes) -> bytes:
    """``data`` with its length header."""
    return (len(data) + HEADER).to_bytes(HEADER, "big") + data


def body_size(header: bytes) -> int:
    """How many bytes of data follow a length header."""
    return int.from_bytes(header, "big") - HEADER
