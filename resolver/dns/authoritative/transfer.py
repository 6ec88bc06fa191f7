"""Zone transfers on the wire: what a full transfer (AXFR) and an incremental one (IXFR,
RFC 1995, from a zone's history) carry, and how it is cut into messages. The engine decides
who may transfer what; this renders it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.rdatatype
import dns.renderer
import dns.rrset

from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.wire import records as rr

# Largest message of a transfer stream.
AXFR_MESSAGE_SIZE = 16_384


def older(serial: int, than: int) -> bool:
    """RFC 1982 serial number arithmetic: whether ``serial`` comes before ``than``."""
    return serial != than and (than - serial) % 2**32 < 2**31


def whole(zone: CompiledZone) -> list[dns.rrset.RRset]:
    """The zone as a full transfer carries it: SOA, every RRset, SOA."""
    rrsets = [zone.soa]
    nodes = zone.transfer_nodes()
    for owner in sorted(nodes):
        rrsets.extend(rrset for _, rrset in sorted(nodes[owner].items()) if rrset is not zone.soa)
    rrsets.append(zone.soa)
    return rrsets


def incremental(zone: CompiledZone, chain: Sequence[tuple[Sequence[Any], Sequence[Any]]]) -> list[dns.rrset.RRset]:
    """An incremental transfer (RFC 1995 section 4): the new SOA, then for each version the
    old SOA and what it removed, the new SOA and what it added, then the new SOA again."""
    rrsets = [zone.soa]
    for removed, added in chain:
        for records in (removed, added):
            parsed = rr.parse_records(zone.origin, records)
            soa = parsed.get(zone.origin, {}).get(dns.rdatatype.SOA)
            if soa is None:
                raise ValueError(f"zone {zone.origin}: a version in its history lacks an SOA")
            rrsets.append(soa)
            for owner in sorted(parsed):
                rrsets.extend(rrset for _, rrset in sorted(parsed[owner].items()) if rrset is not soa)
    rrsets.append(zone.soa)
    return rrsets


def stream(query: dns.message.Message, rrsets: Sequence[dns.rrset.RRset], payload: int) -> Iterator[bytes]:
    """``rrsets`` as a stream of messages of at most AXFR_MESSAGE_SIZE."""
    question = query.question[0]
    flags = dns.flags.QR | dns.flags.AA | (query.flags & dns.flags.RD)
    edns_reserve = 11 if query.edns >= 0 else 0

    def start(first: bool) -> dns.renderer.Renderer:
        renderer = dns.renderer.Renderer(query.id, flags, AXFR_MESSAGE_SIZE)
        if first:
            renderer.add_question(question.name, question.rdtype, question.rdclass)
        renderer.reserve(edns_reserve)
        return renderer

    def finish(renderer: dns.renderer.Renderer) -> bytes:
        renderer.release_reserved()
        if edns_reserve:
            renderer.add_edns(0, 0, payload)
        renderer.write_header()
        wire: bytes = renderer.get_wire()  # dnspython's Renderer is untyped
        return wire

    renderer, in_message = start(True), 0
    for rrset in rrsets:
        try:
            renderer.add_rrset(dns.renderer.ANSWER, rrset)
        except dns.exception.TooBig:
            if not in_message:
                raise  # one RRset larger than a whole message: the caller answers SERVFAIL
            yield finish(renderer)
            renderer, in_message = start(False), 0
            renderer.add_rrset(dns.renderer.ANSWER, rrset)
        in_message += 1
    yield finish(renderer)
