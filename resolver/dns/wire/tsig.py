"""Messages signed with TSIG (RFC 8945): reading one with its signature checked, and
signing the answers with the request's key.

``read`` raises ``Refusal`` with the reply to send when the signature does not check:
NOTAUTH with the TSIG error (BADKEY, BADSIG, BADTIME), unsigned, with a TSIG record that
carries the error (section 5.2); FORMERR for a malformed message."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable, Iterable

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TSIG
import dns.rrset
import dns.tsig

from resolver.dns.wire.guard import error_reply

# Looks up the key a message names: a dns.tsig.Key, or None for a key it does not know.
Keyring = Callable[[dns.message.Message, dns.name.Name], dns.tsig.Key | None]
FUDGE = 300


class Refusal(Exception):
    """A message answered without being acted on; ``reply`` is the answer's wire form."""

    def __init__(self, reply: bytes, reason: str) -> None:
        super().__init__(reason)
        self.reply = reply
        self.reason = reason


def read(wire: bytes, keyring: Keyring, *, one_rr_per_rrset: bool = False) -> dns.message.Message:
    """The message in ``wire``, its signature (if it has one) checked against the key
    ``keyring`` finds."""
    try:
        return dns.message.from_wire(wire, keyring=keyring, ignore_trailing=False, one_rr_per_rrset=one_rr_per_rrset)
    except dns.message.UnknownTSIGKey:
        raise Refusal(error(wire, dns.rcode.BADKEY), "signed with a key the server does not know") from None
    except dns.tsig.BadAlgorithm:
        raise Refusal(error(wire, dns.rcode.BADKEY), "signed with another algorithm than the key's") from None
    except dns.tsig.BadSignature:
        raise Refusal(error(wire, dns.rcode.BADSIG), "the signature does not match the key") from None
    except dns.tsig.BadTime:
        raise Refusal(
            error(wire, dns.rcode.BADTIME, other=struct.pack("!Q", int(time.time()))[2:]),
            f"signed at a time more than {FUDGE} s away from the server's clock",
        ) from None
    except (dns.exception.DNSException, ValueError) as exc:
        raise Refusal(bare(wire, dns.rcode.FORMERR), f"malformed: {exc}") from None


def sign(query: dns.message.Message, key: dns.tsig.Key, replies: Iterable[bytes]) -> list[bytes]:
    """``replies`` (rendered unsigned) signed with ``key`` for ``query``: the first with the
    request's MAC, each next one chained to the one before, as a zone transfer's messages
    are (section 5.3.1)."""
    signed: list[bytes] = []
    context = None
    for index, wire in enumerate(replies):
        message = dns.message.from_wire(wire, one_rr_per_rrset=True)
        message.use_tsig(key, original_id=query.id, fudge=FUDGE)
        if index == 0 and query.mac:
            message.request_mac = query.mac
        signed.append(message.to_wire(multi=True, tsig_ctx=context))
        context = message.tsig_ctx
    return signed


def bare(wire: bytes, rcode: dns.rcode.Rcode) -> bytes:
    replies = error_reply(wire, rcode)
    return replies[0] if replies else b""


def error(wire: bytes, code: int, other: bytes = b"") -> bytes:
    """NOTAUTH, unsigned, with a TSIG record that names the key and the error ``code``."""
    try:
        message = dns.message.from_wire(wire, keyring=lambda message, name: False, one_rr_per_rrset=True)
    except (dns.exception.DNSException, ValueError):
        return bare(wire, dns.rcode.NOTAUTH)
    response = dns.message.make_response(message)
    response.set_rcode(dns.rcode.NOTAUTH)
    body = bytearray(response.to_wire())
    if message.tsig is None:
        return bytes(body)
    sent = message.tsig[0]
    rdata = dns.rdtypes.ANY.TSIG.TSIG(
        dns.rdataclass.ANY, dns.rdatatype.TSIG, sent.algorithm, int(time.time()), FUDGE, b"", message.id, code, other
    )
    record = io.BytesIO()
    dns.rrset.from_rdata(message.tsig.name, 0, rdata).to_wire(record)
    struct.pack_into("!H", body, 10, struct.unpack_from("!H", body, 10)[0] + 1)
    return bytes(body) + record.getvalue()
