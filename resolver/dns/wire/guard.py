"""A server's first look at a query, the same for the authoritative servers and the
resolver: whether its source may ask (``allowed``), and the bare reply to one too broken
to parse (``error_reply``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

import dns.flags
import dns.message
import dns.rcode


def allowed(source: tuple[Any, ...], networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether a client's address (``source`` as a socket gives it) is in ``networks``."""
    try:
        address = ipaddress.ip_address(source[0])
    except (ValueError, IndexError, TypeError):
        return False
    return any(address in network for network in networks)


def error_reply(wire: bytes, rcode: dns.rcode.Rcode, flags: int = 0) -> list[bytes]:
    """A bare header answer (no question) for a query too broken to parse, with ``flags``
    set beside QR and the query's RD and opcode."""
    if len(wire) < 12 or wire[2] & 0x80:
        return []
    message = dns.message.Message(id=int.from_bytes(wire[:2], "big"))
    message.flags = dns.flags.QR | flags | (int.from_bytes(wire[2:4], "big") & (dns.flags.RD | 0x7800))
    message.set_rcode(rcode)
    return [message.to_wire()]
