"""Sending DNS NOTIFY (RFC 1996) to the servers of a zone."""

from __future__ import annotations

import selectors
import socket
import time
from typing import cast

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rdatatype

# RFC 1996 asks for retries until acknowledged; on loopback two tries within a second
# tell a running server, and run_dns's own poll covers one that was down.
ATTEMPTS = 2
WAIT = 0.5


def notify_message(zone: str) -> dns.message.Message:
    message = dns.message.make_query(zone, dns.rdatatype.SOA)
    message.flags = dns.flags.AA  # the opcode lives in the flags word: set it after
    message.set_opcode(dns.opcode.NOTIFY)
    return message


def send_notify(zone: str, targets: dict[str, tuple[str, int]]) -> set[str]:
    """NOTIFY every target (name -> (address, port)) over UDP; the names that answered.

    Each target gets a connected socket, so one with no listener fails at once (ICMP
    port unreachable) instead of costing the full wait.
    """
    acked: set[str] = set()
    sockets: dict[str, socket.socket] = {}
    selector = selectors.DefaultSelector()
    try:
        for name, address in targets.items():
            sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            try:
                sock.connect(address)
            except OSError:
                sock.close()
                continue
            sockets[name] = sock
            selector.register(sock, selectors.EVENT_READ, name)
        for _ in range(ATTEMPTS):
            expected: dict[str, int] = {}
            for name, sock in sockets.items():
                message = notify_message(zone)
                try:
                    sock.send(message.to_wire())
                    expected[name] = message.id
                except OSError:
                    continue
            deadline = time.monotonic() + WAIT
            while expected and (remaining := deadline - time.monotonic()) > 0:
                events = selector.select(remaining)
                if not events:
                    break
                for key, _ in events:
                    name = key.data
                    try:
                        reply = dns.message.from_wire(cast(socket.socket, key.fileobj).recv(65535))
                    except ConnectionRefusedError:  # nobody listens there
                        _drop(selector, sockets, expected, name)
                        continue
                    except (OSError, dns.exception.DNSException):
                        continue
                    if reply.id == expected.get(name) and reply.opcode() == dns.opcode.NOTIFY:
                        acked.add(name)
                        _drop(selector, sockets, expected, name)
            if not sockets:
                break
    finally:
        for sock in sockets.values():
            sock.close()
        selector.close()
    return acked


def _drop(
    selector: selectors.BaseSelector, sockets: dict[str, socket.socket], expected: dict[str, int], name: str
) -> None:
    sock = sockets.pop(name)
    selector.unregister(sock)
    sock.close()
    expected.pop(name, None)
