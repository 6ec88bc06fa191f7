"""Asking planned nameservers what they serve, the way a monitoring probe would.

One question to one server (``ask``, ``soa_serial``: the order page, the rental service's
watch for INSYNC), or the SOA of many zones at many servers at once (``served_serials``:
the operator admin's zone lists, one UDP query per (zone, server), all sent from one
socket per address family with one shared deadline, so a page of zones costs at most
``timeout`` seconds however many servers are down).

Every probe is a non-recursive question made by ``question``; a datagram is taken as its
answer only when ``reply_to`` says it is one, and ``serial_of`` reads the serial a server
gives with authority. No retries and no TCP fallback: a server that does not answer in
time is reported as not answering.
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.SOA import SOA

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
    problem: str = ""  # NOT_ANSWERING, an rcode such as REFUSED, "not authoritative" or "no SOA"


def question(qname: str | dns.name.Name, rdtype: str, message_id: int | None = None) -> dns.message.QueryMessage:
    """A probe's question: non-recursive (RD clear), as a server is asked about what it
    serves itself; ``message_id`` tells apart the questions of one batch."""
    query = dns.message.make_query(qname, dns.rdatatype.from_text(rdtype))
    query.flags &= ~dns.flags.RD
    if message_id is not None:
        query.id = message_id
    return query


def reply_to(query: dns.message.Message, wire: bytes) -> dns.message.Message | None:
    """``wire`` as the answer to ``query``; None when it is not DNS or answers something
    else (the real answer may still come)."""
    try:
        response = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    return response if query.is_response(response) else None


def serial_of(response: dns.message.Message, zone: dns.name.Name) -> int | str:
    """The SOA serial a response gives for ``zone`` with authority, or why it gives none:
    its rcode (such as REFUSED), "not authoritative" or "no SOA"."""
    rcode = response.rcode()
    if rcode != dns.rcode.NOERROR:
        return dns.rcode.to_text(rcode)
    if not response.flags & dns.flags.AA:
        return "not authoritative"
    rrset = response.get_rrset(response.answer, zone, dns.rdataclass.IN, dns.rdatatype.SOA)
    if not rrset:
        return "no SOA"
    return cast(SOA, rrset[0]).serial


def ask(
    address: str | None,
    port: int,
    qname: str,
    rdtype: str,
    timeout: float = 1.0,
    subnet: tuple[str, int] | None = None,
) -> dns.message.Message | None:
    """``address``'s answer to a non-recursive question, or None when it does not answer
    (or no such server is planned). ``subnet``: an EDNS Client Subnet (address, prefix
    length) to ask as a resolver on behalf of that client would."""
    if not address:
        return None
    query = question(qname, rdtype)
    if subnet is not None:
        query.use_edns(0, options=[dns.edns.ECSOption(*subnet)])
    # A connected socket hears the ICMP "port unreachable" of a server that is not
    # running, so a probe of a stopped run_dns fails at once instead of timing out.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            sock.send(query.to_wire())
            while True:
                response = reply_to(query, sock.recv(65_535))
                if response is not None:
                    return response
        except OSError:
            return None


def soa_serial(address: str | None, port: int, zone: str, timeout: float = 1.0) -> int | None:
    """The SOA serial ``address`` answers for ``zone`` with authority, or None when it does
    not answer, is not authoritative for it, or no such server is planned."""
    response = ask(address, port, zone, "SOA", timeout)
    if response is None:
        return None
    serial = serial_of(response, dns.name.from_text(zone))
    return serial if isinstance(serial, int) else None


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
            # Ids unique within this batch, so replies match their query.
            query = question(target.zone, "SOA", message_id=index + 1)
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
                sock = cast(socket.socket, key.fileobj)  # only the sockets above are registered
                try:
                    wire, source = sock.recvfrom(65535)
                except (BlockingIOError, ConnectionError):  # ICMP errors of an earlier send
                    continue
                _take(queries, results, wire, source)
    finally:
        selector.close()
        for sock in sockets.values():
            sock.close()
    return [results.get(qid) or Served(target, None, NOT_ANSWERING) for qid, (target, _) in queries.items()]


def _take(
    queries: dict[int, tuple[Target, dns.message.QueryMessage]],
    results: dict[int, Served],
    wire: bytes,
    source: tuple[str, int],
) -> None:
    """Record a datagram of a batch as the answer of the query it answers, if any: same
    message id, from the address that query went to."""
    if len(wire) < 2:
        return
    qid = int.from_bytes(wire[:2], "big")
    pending = queries.get(qid)
    if pending is None or qid in results:
        return
    target, query = pending
    if ipaddress.ip_address(source[0]) != ipaddress.ip_address(target.address):
        return
    response = reply_to(query, wire)
    if response is None:
        return
    found = serial_of(response, query.question[0].name)
    results[qid] = Served(target, found) if isinstance(found, int) else Served(target, None, found)
