"""Record data as BIND 9.18's ``dig`` spells it, where that differs from dnspython's text:
upper-case hex, hex and base64 split into words of 56, SVCB values unquoted, every LOC
field, BIND's type names, and the types dnspython keeps as opaque bytes decoded as BIND
decodes them."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable
from typing import Any

import dns.exception
import dns.ipv4
import dns.ipv6
import dns.name
import dns.rdata
import dns.rdatatype
from dns.rdtypes.rrsigbase import posixtime_to_sigtime

# dig splits long hex and base64 fields into words of this many characters.
WORD = 56

# Where BIND 9.18 names a type differently from dnspython (types only one of them knows).
TYPE_NAMES = {
    31: "EID",
    32: "NIMLOC",
    34: "ATMA",
    40: "SINK",
    57: "RKEY",
    58: "TALINK",
    100: "UINFO",
    101: "UID",
    102: "GID",
    128: "TYPE128",
    259: "DOA",
}
# SVCB keys BIND 9.18 knows by name; any other is keyN.
SVCB_KEYS = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"]
# Mnemonics BIND uses in CERT records.
CERT_TYPES = {1: "PKIX", 2: "SPKI", 3: "PGP", 4: "IPKIX", 5: "ISPKI", 6: "IPGP", 7: "ACPKIX", 8: "IACPKIX"}
CERT_TYPES |= {253: "URI", 254: "OID"}
ALGORITHMS = {1: "RSAMD5", 2: "DH", 3: "DSA", 5: "RSASHA1", 6: "NSEC3DSA", 7: "NSEC3RSASHA1", 8: "RSASHA256"}
ALGORITHMS |= {10: "RSASHA512", 12: "ECCGOST", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384", 15: "ED25519"}
ALGORITHMS |= {16: "ED448", 252: "INDIRECT", 253: "PRIVATEDNS", 254: "PRIVATEOID"}
Type = dns.rdatatype.RdataType


def type_text(rdtype: int) -> str:
    return TYPE_NAMES.get(rdtype) or Type.to_text(rdtype)


def _words(text: str) -> str:
    return " ".join(text[i : i + WORD] for i in range(0, len(text), WORD))


def _hex(data: bytes) -> str:
    return _words(data.hex().upper())


def _b64(data: bytes) -> str:
    return _words(base64.b64encode(data).decode())


def _quoted(data: bytes) -> str:
    """A character-string as BIND writes it: quoted, with \\" \\\\ and \\DDD escapes."""
    return '"' + "".join(_escaped(byte) for byte in data) + '"'


def _escaped(byte: int) -> str:
    if byte in (0x22, 0x5C):
        return "\\" + chr(byte)
    return chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03d}"


def _types(windows: Iterable[tuple[int, bytes]]) -> str:
    """An NSEC-style type bitmap as a list of BIND's type names, each after a space."""
    names: list[str] = []
    for window, bitmap in windows:
        for index, byte in enumerate(bitmap):
            names.extend(type_text(window * 256 + index * 8 + bit) for bit in range(8) if byte & (0x80 >> bit))
    return "".join(f" {name}" for name in names)


def _name_at(wire: bytes, offset: int) -> tuple[dns.name.Name, int]:
    name, used = dns.name.from_wire(wire, offset)
    return name, offset + used


def rdata_text(rdata: dns.rdata.Rdata) -> str:
    """The rdata as dig prints it (one line, long fields split at 56); dnspython's own text
    where it already is BIND's."""
    rdtype = rdata.rdtype
    if isinstance(rdata, dns.rdata.GenericRdata):
        return _generic_text(rdtype, rdata.data)
    if rdtype in DNSSEC_TYPES:
        return _dnssec_text(rdata)
    if rdtype in KEY_TYPES:
        return _key_text(rdata)
    if rdtype in FIELD_TYPES:
        return _field_text(rdata)
    return rdata.to_text()


# The types dig spells differently from dnspython, by the function that spells them.
DNSSEC_TYPES = {
    Type.DS,
    Type.CDS,
    Type.DLV,
    Type.DNSKEY,
    Type.CDNSKEY,
    Type.KEY,
    Type.RRSIG,
    Type.SIG,
    Type.NSEC,
    Type.NSEC3,
    Type.NSEC3PARAM,
    Type.CSYNC,
}
KEY_TYPES = {
    Type.SSHFP,
    Type.TLSA,
    Type.SMIMEA,
    Type.ZONEMD,
    Type.HIP,
    Type.IPSECKEY,
    Type.CERT,
    Type.DHCID,
    Type.OPENPGPKEY,
}
FIELD_TYPES = {Type.GPOS, Type.L64, Type.NID, Type.LOC, Type.SVCB, Type.HTTPS}


def _dnssec_text(rdata: Any) -> str:
    """DS, DNSKEY, RRSIG and the NSEC family: digests in hex, keys and signatures in
    base64, type bitmaps as BIND's type names."""
    rdtype = rdata.rdtype
    if rdtype in (Type.DS, Type.CDS, Type.DLV):
        return f"{rdata.key_tag} {rdata.algorithm} {rdata.digest_type} {_hex(rdata.digest)}"
    if rdtype in (Type.DNSKEY, Type.CDNSKEY, Type.KEY):
        return f"{rdata.flags} {rdata.protocol} {rdata.algorithm} {_b64(rdata.key)}"
    if rdtype in (Type.RRSIG, Type.SIG):
        return (
            f"{type_text(rdata.type_covered)} {rdata.algorithm} {rdata.labels} {rdata.original_ttl} "
            f"{posixtime_to_sigtime(rdata.expiration)} {posixtime_to_sigtime(rdata.inception)} "
            f"{rdata.key_tag} {rdata.signer.to_text()} {_b64(rdata.signature)}"
        )
    if rdtype == Type.NSEC:
        return str(rdata.next.to_text() + _types(rdata.windows))
    if rdtype == Type.NSEC3:
        salt = rdata.salt.hex().upper() or "-"
        following = base64.b32hexencode(rdata.next).decode().rstrip("=")
        return f"{rdata.algorithm} {rdata.flags} {rdata.iterations} {salt} {following}" + _types(rdata.windows)
    if rdtype == Type.NSEC3PARAM:
        return f"{rdata.algorithm} {rdata.flags} {rdata.iterations} {rdata.salt.hex().upper() or '-'}"
    if rdtype == Type.CSYNC:
        return f"{rdata.serial} {rdata.flags}" + _types(rdata.windows)
    return str(rdata.to_text())


def _key_text(rdata: Any) -> str:
    """Fingerprints, certificates, keys and digests: hex in upper case or base64, in words."""
    rdtype = rdata.rdtype
    if rdtype == Type.SSHFP:
        return f"{rdata.algorithm} {rdata.fp_type} {_hex(rdata.fingerprint)}"
    if rdtype in (Type.TLSA, Type.SMIMEA):
        return f"{rdata.usage} {rdata.selector} {rdata.mtype} {_hex(rdata.cert)}"
    if rdtype == Type.ZONEMD:
        return f"{rdata.serial} {rdata.scheme} {rdata.hash_algorithm} {_hex(rdata.digest)}"
    if rdtype == Type.HIP:
        servers = "".join(f" {server.to_text()}" for server in rdata.servers)
        key = base64.b64encode(rdata.key).decode()
        return f"{rdata.algorithm} {rdata.hit.hex().upper()} {key}{servers}"
    if rdtype == Type.IPSECKEY:
        gateway = "." if rdata.gateway_type == 0 else str(rdata.gateway)
        key = f" {_b64(rdata.key)}" if rdata.key else ""
        return f"{rdata.precedence} {rdata.gateway_type} {rdata.algorithm} {gateway}{key}"
    if rdtype == Type.CERT:
        kind = CERT_TYPES.get(rdata.certificate_type, str(rdata.certificate_type))
        algorithm = ALGORITHMS.get(rdata.algorithm, str(rdata.algorithm))
        return f"{kind} {rdata.key_tag} {algorithm} {_b64(rdata.certificate)}"
    if rdtype == Type.DHCID:
        return _b64(rdata.data)
    if rdtype == Type.OPENPGPKEY:
        return _b64(rdata.key)
    return str(rdata.to_text())


def _field_text(rdata: Any) -> str:
    """Types of several fields BIND lays out its own way: GPOS, L64 and NID, LOC, SVCB."""
    rdtype = rdata.rdtype
    if rdtype == Type.GPOS:
        return f"{_quoted(rdata.latitude)} {_quoted(rdata.longitude)} {_quoted(rdata.altitude)}"
    if rdtype in (Type.L64, Type.NID):
        value = rdata.to_wire()[2:]
        return f"{rdata.preference} " + ":".join(f"{group:x}" for group in struct.unpack("!4H", value))
    if rdtype == Type.LOC:
        return _loc_text(rdata.to_wire())
    if rdtype in (Type.SVCB, Type.HTTPS):
        return _svcb_text(rdata.to_wire())
    return str(rdata.to_text())


def _generic_text(rdtype: int, wire: bytes) -> str:
    """Types dnspython keeps as opaque bytes: the ones BIND decodes, decoded as BIND does;
    the rest in RFC 3597's \\# form, hex in upper case split into words."""
    try:
        if rdtype in (Type.MD, Type.MF, Type.MB, Type.MG, Type.MR):
            name, end = _name_at(wire, 0)
            if end == len(wire):
                return name.to_text()
        elif rdtype in (Type.MINFO, 58):  # MINFO, TALINK
            first, end = _name_at(wire, 0)
            second, end = _name_at(wire, end)
            if end == len(wire):
                return f"{first.to_text()} {second.to_text()}"
        elif rdtype == Type.TA and len(wire) >= 4:
            tag, algorithm, digest_type = struct.unpack("!HBB", wire[:4])
            return f"{tag} {algorithm} {digest_type} {_hex(wire[4:])}"
        elif rdtype == 57 and len(wire) >= 4:  # RKEY
            flags, protocol, algorithm = struct.unpack("!HBB", wire[:4])
            return f"{flags} {protocol} {algorithm} {_b64(wire[4:])}"
        elif rdtype in (31, 32) and wire:  # EID, NIMLOC
            return _hex(wire)
        elif rdtype == 34 and wire and wire[0] in (0, 1):  # ATMA: NSAP in lower-case hex, or E.164
            return wire[1:].hex() if wire[0] == 0 else "+" + wire[1:].decode("ascii")
        elif rdtype == 40 and len(wire) >= 3:  # SINK
            return f"{wire[0]} {wire[1]} {wire[2]} {_b64(wire[3:])}".rstrip()
        elif rdtype == 259 and len(wire) >= 10:  # DOA
            enterprise, kind, location, length = struct.unpack("!IIBB", wire[:10])
            media, data = wire[10 : 10 + length], wire[10 + length :]
            return f"{enterprise} {kind} {location} {_quoted(media)} {base64.b64encode(data).decode() or '-'}"
        elif rdtype == Type.A6 and wire and wire[0] <= 128:
            return _a6_text(wire)
        elif rdtype == Type.NXT:
            return _nxt_text(wire)
    except (ValueError, UnicodeDecodeError, struct.error, dns.exception.DNSException):
        pass
    if not wire:
        return "\\# 0"
    return f"\\# {len(wire)} {_hex(wire)}"


def _a6_text(wire: bytes) -> str:
    """A6 (RFC 2874): prefix length, the address suffix, and the prefix's name."""
    prefix_length = wire[0]
    octets = 16 - prefix_length // 8
    suffix = bytearray(16)
    suffix[16 - octets :] = wire[1 : 1 + octets]
    if prefix_length % 8:
        suffix[16 - octets] &= 0xFF >> (prefix_length % 8)
    # A prefix of all 128 bits leaves no suffix: BIND prints it empty.
    text = f"{prefix_length} {dns.ipv6.inet_ntoa(bytes(suffix)) if octets else ''}"
    if prefix_length:
        prefix, _ = _name_at(wire, 1 + octets)
        text += f" {prefix.to_text()}"
    return text


def _nxt_text(wire: bytes) -> str:
    """NXT (RFC 2535): the next name and the types its bitmap holds."""
    following, end = _name_at(wire, 0)
    bits = wire[end:]
    names = [type_text(i) for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))]
    return following.to_text() + "".join(f" {name}" for name in names)


def _loc_text(wire: bytes) -> str:
    """LOC as BIND prints it: every field, sizes in whole metres unless below one."""
    _version, size, horizontal, vertical, latitude, longitude, altitude = struct.unpack("!BBBBIII", wire)

    def angle(value: int, positive: str, negative: str) -> str:
        hemisphere = positive if value >= 0x80000000 else negative
        value = value - 0x80000000 if value >= 0x80000000 else 0x80000000 - value
        thousandths, value = value % 1000, value // 1000
        seconds, value = value % 60, value // 60
        minutes, degrees = value % 60, value // 60
        return f"{degrees} {minutes} {seconds}.{thousandths:03d} {hemisphere}"

    def metres(encoded: int) -> str:
        mantissa, exponent = encoded >> 4, encoded & 0x0F
        if exponent >= 2:
            return f"{mantissa * 10 ** (exponent - 2)}m"
        return f"0.{mantissa * 10**exponent:02d}m"

    below = altitude < 10_000_000
    centimetres = 10_000_000 - altitude if below else altitude - 10_000_000
    height = f"{'-' if below else ''}{centimetres // 100}.{centimetres % 100:02d}m"
    return (
        f"{angle(latitude, 'N', 'S')} {angle(longitude, 'E', 'W')} {height} "
        f"{metres(size)} {metres(horizontal)} {metres(vertical)}"
    )


def _svcb_text(wire: bytes) -> str:
    """SVCB/HTTPS as BIND 9.18 prints them: keys it knows by name, numbers and addresses
    unquoted, ALPN and unknown keys quoted, ECH in base64."""
    (priority,) = struct.unpack("!H", wire[:2])
    target, offset = _name_at(wire, 2)
    text = f"{priority} {target.to_text()}"
    while offset < len(wire):
        key, length = struct.unpack("!HH", wire[offset : offset + 4])
        value = wire[offset + 4 : offset + 4 + length]
        offset += 4 + length
        text += " " + _svcb_key(key)
        if not value:
            continue
        if key == 0:  # mandatory
            keys = struct.unpack(f"!{len(value) // 2}H", value)
            text += "=" + ",".join(_svcb_key(k) for k in keys)
        elif key == 1:  # alpn: comma-separated, commas and backslashes inside escaped twice
            ids, at = [], 0
            while at < len(value):
                ids.append(_alpn_id(value[at + 1 : at + 1 + value[at]]))
                at += 1 + value[at]
            text += '="' + ",".join(ids) + '"'
        elif key == 3 and length == 2:  # port
            text += f"={struct.unpack('!H', value)[0]}"
        elif key == 4 and length % 4 == 0:  # ipv4hint
            text += "=" + ",".join(dns.ipv4.inet_ntoa(value[i : i + 4]) for i in range(0, length, 4))
        elif key == 5:  # ech
            text += "=" + base64.b64encode(value).decode()
        elif key == 6 and length % 16 == 0:  # ipv6hint
            text += "=" + ",".join(dns.ipv6.inet_ntoa(value[i : i + 16]) for i in range(0, length, 16))
        else:
            text += "=" + _quoted(value)
    return text


def _svcb_key(key: int) -> str:
    return SVCB_KEYS[key] if key < len(SVCB_KEYS) else f"key{key}"


def _alpn_id(value: bytes) -> str:
    """One ALPN id inside the quoted list: a ',' or '\\' in it is escaped for the list,
    and that escape again for the quoted string."""
    out = []
    for byte in value:
        if byte == 0x2C:
            out.append("\\\\,")
        elif byte == 0x5C:
            out.append("\\" * 4)
        else:
            out.append(_escaped(byte))
    return "".join(out)
