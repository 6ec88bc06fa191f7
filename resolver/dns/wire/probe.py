"""Asking a planned nameserver what it serves, the way a monitoring probe would."""

from __future__ import annotations

import socket

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


def ask(address: str | None, port: int, qname: str, rdtype: str, timeout: float = 1.0) -> dns.message.Message | None:
    """``address``'s answer to a non-recursive question, or None when it does not answer
    (or no such server is planned)."""
    if not address:
        return None
    query = dns.message.make_query(qname, dns.rdatatype.from_text(rdtype))
    query.flags &= ~dns.flags.RD
    # A connected socket hears the ICMP "port unreachable" of a server that is not
    # running, so a probe of a stopped run_dns fails at once instead of timing out.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            sock.send(query.to_wire())
            while True:
                response = dns.message.from_wire(sock.recv(65_535))
                if query.is_response(response):
                    return response
        except (OSError, dns.exception.DNSException):
            return None


def soa_serial(address: str | None, port: int, zone: str, timeout: float = 1.0) -> int | None:
    """The SOA serial ``address`` answers for ``zone`` with authority, or None when it does
    not answer, is not authoritative for it, or no such server is planned."""
    response = ask(address, port, zone, "SOA", timeout)
    if response is None or response.rcode() != dns.rcode.NOERROR or not response.flags & dns.flags.AA:
        return None
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None
