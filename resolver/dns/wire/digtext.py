"""DNS messages as text laid out exactly like BIND 9.18's ``dig`` prints them.

People hold what the emulator shows next to what ``dig`` shows them, and scripts made
for ``dig`` output read ours, so the layout is dig's to the byte: its header lines, its
tab columns, its EDNS pseudo-section and its rdata spelling, which differs from
dnspython's in places (upper-case hex, hex and base64 split into words of 56, SVCB
values unquoted, every LOC field, BIND's type names: ``rdatatext``). dig's output as it
is when piped: on a terminal dig shows IDN names in Unicode.
"""

from __future__ import annotations

import datetime
import struct

import dns.flags
import dns.ipv4
import dns.ipv6
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rrset

from resolver.dns.wire.rdatatext import rdata_text, type_text

__all__ = ["format_reply", "format_short", "format_trace_hop"]

# dig's master-file style for records: TTL at column 24, class at 32, type at 40 and
# rdata at 48, reached with tabs 8 wide (or one space when a field runs past its column).
TTL_COLUMN, CLASS_COLUMN, TYPE_COLUMN, RDATA_COLUMN, TAB_WIDTH = 24, 32, 40, 48, 8

OPCODES = ["QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE"] + [f"RESERVED{n}" for n in range(6, 16)]
# Statuses dig names; any other shows as ?N.
RCODES = dict(enumerate(["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET"]))
RCODES |= dict(enumerate(["NXRRSET", "NOTAUTH", "NOTZONE", *(f"RESERVED{n}" for n in range(11, 16)), "BADVERS"], 8))
RCODES[23] = "BADCOOKIE"
# Header flags in the order dig lists them.
HEADER_FLAGS = [
    (dns.flags.QR, "qr"),
    (dns.flags.AA, "aa"),
    (dns.flags.TC, "tc"),
    (dns.flags.RD, "rd"),
    (dns.flags.RA, "ra"),
    (dns.flags.AD, "ad"),
    (dns.flags.CD, "cd"),
]
Z_FLAG = 0x0040
# EDNS option codes dig knows by name (some are not in dnspython's list).
LLQ, NSID, ECS, EXPIRE, COOKIE, KEEPALIVE, PADDING = 1, 3, 8, 9, 10, 11, 12
KEY_TAG, EDE, CLIENT_TAG, SERVER_TAG = 14, 15, 16, 17
OPTION_NAMES = {
    LLQ: "LLQ",
    NSID: "NSID",
    ECS: "CLIENT-SUBNET",
    EXPIRE: "EXPIRE",
    COOKIE: "COOKIE",
    KEEPALIVE: "TCP KEEPALIVE",
    PADDING: "PAD",
    KEY_TAG: "KEY-TAG",
    EDE: "EDE",
    CLIENT_TAG: "CLIENT-TAG",
    SERVER_TAG: "SERVER-TAG",
}
EDNS_DO, EDNS_CO = 0x8000, 0x4000
EDE_TEXT = [
    "Other",
    "Unsupported DNSKEY Algorithm",
    "Unsupported DS Digest Type",
    "Stale Answer",
    "Forged Answer",
    "DNSSEC Indeterminate",
    "DNSSEC Bogus",
    "Signature Expired",
    "Signature Not Yet Valid",
    "DNSKEY Missing",
    "RRSIGs Missing",
    "No Zone Key Bit Set",
    "NSEC Missing",
    "Cached Error",
    "Not Ready",
    "Blocked",
    "Censored",
    "Filtered",
    "Prohibited",
    "Stale NXDOMAIN Answer",
    "Not Authoritative",
    "Not Supported",
    "No Reachable Authority",
    "Network Error",
    "Invalid Data",
]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TRANSPORTS = {"udp": "UDP", "tcp": "TCP", "tls": "TLS", "https": "HTTPS", "http": "HTTP"}


def format_reply(
    response: dns.message.Message,
    *,
    server: str,
    port: int,
    transport: str = "udp",
    elapsed_ms: float,
    when: datetime.datetime,
    size: int,
    server_name: str | None = None,
) -> str:
    """What ``dig`` prints for one response, from ``;; Got answer:`` to the blank line
    after ``MSG SIZE``; the caller prints its own ``; <<>> DiG`` banner first.

    ``server_name`` is what the user named the server (dig shows it in brackets after the
    address); ``when`` is shown in its own time zone, or in local time when naive, as
    dig shows the local time.
    """
    if transport.lower() not in TRANSPORTS:
        raise ValueError(f"transport {transport!r} is not one of {', '.join(TRANSPORTS)}")
    parts = [";; Got answer:\n", _header(response), _opt_pseudosection(response)]
    sections = [
        ("QUESTION", response.question),
        ("ANSWER", response.answer),
        ("AUTHORITY", response.authority),
        ("ADDITIONAL", response.additional),
    ]
    for title, rrsets in sections:
        if not rrsets:
            continue
        parts.append(f";; {title} SECTION:\n")
        if title == "QUESTION":
            parts.extend(_question_line(rrset) for rrset in rrsets)
        else:
            parts.extend(format_records(rrset) for rrset in rrsets)
        parts.append("\n")
    parts.append(
        f";; Query time: {int(elapsed_ms)} msec\n"
        f";; SERVER: {server}#{port}({server if server_name is None else server_name}) "
        f"({TRANSPORTS[transport.lower()]})\n"
        f";; WHEN: {_when(when)}\n"
        f";; MSG SIZE  rcvd: {size}\n\n"
    )
    return "".join(parts)


def format_trace_hop(
    response: dns.message.Message,
    *,
    server: str,
    port: int,
    server_name: str | None,
    elapsed_ms: float,
    size: int,
) -> str:
    """One block of ``dig +trace``: the answer and authority sections as they came (so a
    referral shows its NS and DS records, an answer its records and any NS, a negative
    answer its SOA), never the glue, then where the response came from and a blank line.

    ``server_name`` is the nameserver's name; dig prints it without the final dot.
    """
    name = server if server_name is None else server_name
    if len(name) > 1 and name.endswith(".") and not name.endswith("\\."):
        name = name[:-1]
    lines = [format_records(rrset) for rrset in (*response.answer, *response.authority)]
    lines.append(f";; Received {size} bytes from {server}#{port}({name}) in {int(elapsed_ms)} ms\n\n")
    return "".join(lines)


def format_short(response: dns.message.Message) -> str:
    """What ``dig +short`` prints: the rdata of every answer record, one a line, for a
    caller that wants only the data (and nothing for an answer without records)."""
    return "".join(f"{rdata_text(rdata)}\n" for rrset in response.answer for rdata in rrset)


# The header and the EDNS pseudo-section


def _header(response: dns.message.Message) -> str:
    flags = "".join(f" {text}" for bit, text in HEADER_FLAGS if response.flags & bit)
    if response.flags & Z_FLAG:
        flags += "; MBZ: 0x4"
    additional = _count(response.additional) + (response.opt is not None) + (response.tsig is not None)
    rcode = response.rcode()
    lines = [
        f";; ->>HEADER<<- opcode: {OPCODES[response.opcode()]}, status: {RCODES.get(rcode, f'?{rcode}')}, "
        f"id: {response.id}\n",
        f";; flags:{flags}; QUERY: {len(response.question)}, ANSWER: {_count(response.answer)}, "
        f"AUTHORITY: {_count(response.authority)}, ADDITIONAL: {additional}\n",
    ]
    if response.flags & dns.flags.RD and not response.flags & dns.flags.RA:
        lines.append(";; WARNING: recursion requested but not available\n")
    # dig asks with EDNS unless told not to; a server that does not know EDNS says so.
    if response.opt is None and rcode in (dns.rcode.FORMERR, dns.rcode.NOTIMP):
        lines.append(f"\n;; WARNING: EDNS query returned status {RCODES[rcode]} - retry with '+noedns'\n")
    lines.append("\n")
    return "".join(lines)


def _count(rrsets: list[dns.rrset.RRset]) -> int:
    return sum(len(rrset) for rrset in rrsets)


def _opt_pseudosection(response: dns.message.Message) -> str:
    if response.opt is None:
        return ""
    flags = response.ednsflags & 0xFFFF
    names = (" do" if flags & EDNS_DO else "") + (" co" if flags & EDNS_CO else "")
    mbz = flags & ~(EDNS_DO | EDNS_CO)
    mbz_text = f"; MBZ: 0x{mbz:04x}, " if mbz else "; "
    lines = [
        ";; OPT PSEUDOSECTION:\n",
        f"; EDNS: version: {response.edns}, flags:{names}{mbz_text}udp: {response.payload}\n",
    ]
    lines.extend(f"{_option_text(int(option.otype), option.to_wire() or b'')}\n" for option in response.options)
    return "".join(lines)


def _option_text(code: int, data: bytes) -> str:
    """One EDNS option as dig's pseudo-section line (without the newline): the ones it
    knows decoded, any other (or a malformed one) as hex bytes and their printable text."""
    label = f"; {OPTION_NAMES[code]}:" if code in OPTION_NAMES else f"; OPT={code}:"
    if code == LLQ and len(data) == 18:
        version, opcode, error, identifier, lifetime = struct.unpack("!HHHQI", data)
        return (
            f"{label} Version: {version}, Opcode: {opcode}, Error: {error}, "
            f"Identifier: {identifier}, Lifetime: {lifetime}"
        )
    if code == ECS:
        subnet = _client_subnet(data)
        return f"{label} {subnet}" if subnet else f"{label} " + "".join(f"{byte:02x} " for byte in data)
    if code == EXPIRE and len(data) == 4:
        (seconds,) = struct.unpack("!I", data)
        return f"{label} {seconds} ({_duration(seconds)})"
    if code == COOKIE:
        return f"{label} {data.hex()}" if data else label
    if code == KEEPALIVE and len(data) == 2:
        (tenths,) = struct.unpack("!H", data)
        return f"{label} {tenths // 10}.{tenths % 10} secs"
    if code == PADDING:
        return f"{label} ({len(data)} bytes)" if data else label
    if code == KEY_TAG and data and len(data) % 2 == 0:
        return f"{label} " + ", ".join(str(tag) for tag in struct.unpack(f"!{len(data) // 2}H", data))
    if code in (CLIENT_TAG, SERVER_TAG) and len(data) == 2:
        return f"{label} {struct.unpack('!H', data)[0]}"
    if code == EDE and len(data) >= 2:
        (info,) = struct.unpack("!H", data[:2])
        text = f"{label} {info}" + (f" ({EDE_TEXT[info]})" if info < len(EDE_TEXT) else "")
        if len(data) == 2:
            return text
        try:
            extra = data[2:].decode("utf-8")
        except UnicodeDecodeError:
            return f"{text}: {_hex_and_printable(data[2:])}"
        # UTF-8 text as it is, but for control characters, which show as '.'.
        shown = "".join(c if 0x20 <= ord(c) < 0x7F or ord(c) > 0x7F else "." for c in extra)
        return f"{text}: ({shown})"
    return f"{label} {_hex_and_printable(data)}" if data else label


def _hex_and_printable(data: bytes) -> str:
    """dig's generic option body: each byte in hex, then the printable ones in quotes."""
    printable = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in data)
    return "".join(f"{byte:02x} " for byte in data) + f'("{printable}")'


def _client_subnet(data: bytes) -> str | None:
    """ECS as dig shows it (address/source/scope), or None when malformed."""
    if len(data) < 4:
        return None
    family, source, scope = struct.unpack("!HBB", data[:4])
    address = data[4:]
    if len(address) != (source + 7) // 8:
        return None
    if family == 0 and source == 0 and scope == 0:
        return "0/0/0"
    if family == 1 and source <= 32 and scope <= 32:
        return f"{dns.ipv4.inet_ntoa(address.ljust(4, bytes(1)))}/{source}/{scope}"
    if family == 2 and source <= 128 and scope <= 128:
        return f"{dns.ipv6.inet_ntoa(address.ljust(16, bytes(1)))}/{source}/{scope}"
    return None


def _duration(seconds: int) -> str:
    """BIND's verbose TTL text: '1 hour 1 minute 1 second', '0 seconds'."""
    units = [("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)]
    parts = []
    for name, length in units:
        amount, seconds = divmod(seconds, length)
        if amount:
            parts.append(f"{amount} {name}{'' if amount == 1 else 's'}")
    return " ".join(parts) or "0 seconds"


def _when(when: datetime.datetime) -> str:
    """dig's WHEN: strftime '%a %b %d %H:%M:%S %Z %Y', in English whatever the locale."""
    local = when if when.tzinfo is not None else when.astimezone()
    zone = local.tzname() or ""
    return (
        f"{WEEKDAYS[local.weekday()]} {MONTHS[local.month - 1]} {local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {zone} {local.year}"
    )


# Records


def _indent(column: int, to: int) -> tuple[str, int]:
    """Padding from ``column`` to ``to`` as BIND's masterdump indent() makes it: tabs, or,
    when the text already reaches ``to``, one space (a tab if that space ends on a stop).
    Long owner names thus push the rest of the line right instead of breaking it."""
    to = max(to, column + 1)
    tabs = to // TAB_WIDTH - column // TAB_WIDTH
    if tabs > 0:
        return "\t" * tabs + " " * (to % TAB_WIDTH), to
    return " " * (to - column), to


def _columns(fields: list[tuple[str, int]]) -> str:
    """Fields each started at its column, the way BIND's master-file dump lays them out."""
    text, column = "", 0
    for index, (field, start) in enumerate(fields):
        if index:
            pad, column = _indent(column, start)
            text += pad
        text += field
        column += len(field)
    return text


def _question_line(rrset: dns.rrset.RRset) -> str:
    # The ';' is not counted: the name starts at column 0.
    return (
        ";"
        + _columns(
            [
                (rrset.name.to_text(), 0),
                (dns.rdataclass.to_text(rrset.rdclass), CLASS_COLUMN),
                (type_text(rrset.rdtype), TYPE_COLUMN),
            ]
        )
        + "\n"
    )


def format_records(rrset: dns.rrset.RRset) -> str:
    """An RRset's records, one line each, in dig's columns."""
    owner, ttl = rrset.name.to_text(), str(rrset.ttl)
    rdclass, rdtype = dns.rdataclass.to_text(rrset.rdclass), type_text(rrset.rdtype)
    return "".join(
        _columns(
            [
                (owner, 0),
                (ttl, TTL_COLUMN),
                (rdclass, CLASS_COLUMN),
                (rdtype, TYPE_COLUMN),
                (rdata_text(rdata), RDATA_COLUMN),
            ]
        )
        + "\n"
        for rdata in rrset
    )
