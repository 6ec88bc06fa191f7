"""Asking a planned nameserver what it serves, the way a monitoring probe would."""

from __future__ import annotations

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def soa_serial(address: str | None, port: int, zone: str, timeout: float = 1.0) -> int | None:
    """The SOA serial ``address`` answers for ``zone`` with authority, or None when it does
    not answer, is not authoritative for it, or no such server is planned."""
    if not address:
        return None
    query = dns.message.make_query(zone, dns.rdatatype.SOA)
    query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=port, timeout=timeout)
    except (dns.exception.DNSException, OSError):
        return None
    if response.rcode() != dns.rcode.NOERROR or not response.flags & dns.flags.AA:
        return None
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None
