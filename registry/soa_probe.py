"""Ask the planned servers of registry zones which SOA serial they serve.

For the operator admin: one UDP query per (zone, server), all sent at once from one
socket per address family, and one shared deadline, so a page of zones costs at most
``timeout`` seconds however many servers are down. No retries and no TCP fallback: a
server that does not answer in time is reported as not answering.
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

NOT_ANSWERING = "not answering"


@dataclass(frozen=True)
class Target:
    zone: str  # absolute: '.' or 'com.'
    server: str  # host name of the plan
    address: str


@dataclass(frozen=True)
class Served:
    """What one server said about one zone: its serial, or why there is none."""

    target: Target
    serial: int | None
    problem: str = ""  # NOT_ANSWERING, an rcode such as REFUSED, or "no SOA"


def _serial(response: dns.message.Message, zone: dns.name.Name) -> Served | str:
    rcode = response.rcode()
    if rcode != dns.rcode.NOERROR:
        return dns.rcode.to_text(rcode)
    rrset = response.get_rrset(response.answer, zone, dns.rdataclass.IN, dns.rdatatype.SOA)
    if not rrset:
        return "no SOA"
    return rrset[0].serial


def served_serials(targets: Sequence[Target], port: int, timeout: float = 0.3) -> list[Served]:
    """The SOA serial each target serves, in the order given."""
    if len(targets) > 65535:
        raise ValueError("at most 65535 queries at once (one message id each)")
    queries: dict[int, tuple[Target, dns.message.QueryMessage]] = {}
    results: dict[int, Served] = {}
    sockets: dict[int, socket.socket] = {}
    selector = selectors.DefaultSelector()
    try:
        for index, target in enumerate(targets):
            family = socket.AF_INET6 if ipaddress.ip_address(target.address).version == 6 else socket.AF_INET
            if family not in sockets:
                sockets[family] = socket.socket(family, socket.SOCK_DGRAM)
                sockets[family].setblocking(False)
                selector.register(sockets[family], selectors.EVENT_READ)
            query = dns.message.make_query(target.zone, dns.rdatatype.SOA)
            query.id = index + 1  # unique within this batch, so replies match their query
            queries[query.id] = (target, query)
            try:
                sockets[family].sendto(query.to_wire(), (target.address, port))
            except OSError as exc:
                results[query.id] = Served(target, None, f"unreachable ({exc.strerror or exc})")
        deadline = time.monotonic() + timeout
        while len(results) < len(queries):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(remaining):
                try:
                    wire, source = key.fileobj.recvfrom(65535)
                except (BlockingIOError, ConnectionError):  # ICMP errors of an earlier send
                    continue
                try:
                    response = dns.message.from_wire(wire)
                except dns.exception.DNSException:
                    continue  # not a DNS reply; the real one may still come
                pending = queries.get(response.id)
                if pending is None or response.id in results:
                    continue
                target, query = pending
                if ipaddress.ip_address(source[0]) != ipaddress.ip_address(target.address):
                    continue
                if not query.is_response(response):
                    continue
                found = _serial(response, query.question[0].name)
                results[response.id] = Served(target, found) if isinstance(found, int) else Served(target, None, found)
    finally:
        selector.close()
        for sock in sockets.values():
            sock.close()
    return [results.get(qid) or Served(target, None, NOT_ANSWERING) for qid, (target, _) in queries.items()]
