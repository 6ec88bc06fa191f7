"""DNS UPDATE messages (RFC 2136) on the wire: reading one, signed with TSIG (``tsig``),
and the replies, signed with the request's key when it was signed. What an update does to
a zone is the rental service's (``resolver.rental.dynamic``)."""

from __future__ import annotations

import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.update

from resolver.dns.wire import tsig
from resolver.dns.wire.tsig import Refusal


def is_update(wire: bytes) -> bool:
    """Whether ``wire`` is a request (not a response) with the UPDATE opcode."""
    return len(wire) >= 12 and not wire[2] & 0x80 and (wire[2] >> 3) & 0x0F == dns.opcode.UPDATE


def read(wire: bytes, keyring: tsig.Keyring) -> dns.update.UpdateMessage:
    """The UPDATE in ``wire``, its signature checked; raises ``tsig.Refusal``. Every record
    stays an RRset of its own (``one_rr_per_rrset``): the RFC applies them in the order
    sent, and merging would reorder an add after a delete of the same RRset."""
    message = tsig.read(wire, keyring, one_rr_per_rrset=True)
    if not isinstance(message, dns.update.UpdateMessage):
        raise Refusal(tsig.bare(wire, dns.rcode.FORMERR), "not an UPDATE")
    if len(message.zone) != 1 or message.zone[0].rdtype != dns.rdatatype.SOA:
        raise Refusal(reply(message, dns.rcode.FORMERR), "the zone section names one zone, type SOA")
    if message.zone[0].rdclass != dns.rdataclass.IN:
        raise Refusal(reply(message, dns.rcode.NOTAUTH), "only class IN zones are served")
    return message


def reply(message: dns.message.Message, rcode: dns.rcode.Rcode) -> bytes:
    """The answer to an UPDATE: its header and zone section with ``rcode``, signed with the
    request's key when the request was signed (RFC 8945 section 5.3)."""
    response = dns.message.make_response(message)
    response.set_rcode(rcode)
    return response.to_wire()
