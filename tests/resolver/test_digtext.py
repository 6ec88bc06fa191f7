"""digtext against the real dig: each comparison serves a prepared response on a loopback
address to /usr/bin/dig (BIND 9.18, from Debian's bind9-dnsutils) and expects our text
to be dig's, line for line. Nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import base64
import datetime
import random
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from resolver.dns.wire.digtext import format_reply, format_short, format_trace_hop

WHEN = datetime.datetime(2026, 11, 21, 10, 0, 0, tzinfo=datetime.UTC)
SOA = "ns1.example.com. hostmaster.example.com. 2026112101 7200 3600 1209600 300"


def dig_path() -> str:
    path = shutil.which("dig") or shutil.which("dig", path="/usr/bin")
    if path is None:
        pytest.fail("dig is not installed: `make test` installs it (Debian package bind9-dnsutils)")
    return path


class Served:
    """A UDP server on a random loopback address that answers every query with one
    prepared response under the query's id, and keeps what it last sent."""

    def __init__(self, response: dns.message.Message) -> None:
        self.response = response
        self.address = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.address, 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.sent: bytes | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.response.id = dns.message.from_wire(data).id
            # Unshuffled, so dig sees the records in the order the message holds them.
            self.sent = self.response.to_wire(want_shuffle=False)
            self.sock.sendto(self.sent, peer)

    def dig(self, *options: str, name: str | None = None, rdtype: str | None = None) -> str:
        question = self.response.question[0]
        name = name or question.name.to_text()
        rdtype = rdtype or dns.rdatatype.to_text(question.rdtype)
        command = [dig_path(), "-p", str(self.port), f"@{self.address}", name, rdtype, "+nocookie"]
        result = subprocess.run(
            [*command, "+tries=1", "+time=5", *options], capture_output=True, text=True, timeout=30, check=False
        )
        assert self.sent is not None, f"dig never asked: {result.stdout}{result.stderr}"
        return result.stdout

    def received(self) -> dns.message.Message:
        """The response as dig read it off the wire."""
        assert self.sent is not None
        return dns.message.from_wire(self.sent)


@contextmanager
def served(response: dns.message.Message) -> Iterator[Served]:
    server = Served(response)
    try:
        yield server
    finally:
        server.stopping.set()
        server.thread.join(5)
        server.sock.close()


def response_to(name: str, rdtype: str = "A", *, flags: int = 0, edns: bool = True) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, use_edns=0 if edns else False)
    response = dns.message.make_response(query)
    response.flags |= flags
    if edns:
        response.use_edns(0, 0, 1232)
    return response


def without_timing(text: str) -> str:
    """Drops what dig measures itself: the query time and the wall-clock time."""
    text = re.sub(r"(?m)^;; (Query time|WHEN): .*\n", "", text)
    return re.sub(r"(?m)^(;; Received \d+ bytes from \S+) in \d+ ms$", r"\1 in N ms", text)


def reply_as_dig_prints_it(server: Served) -> tuple[str, str]:
    """dig's full output from ';; Got answer:' on, and ours for the same wire message."""
    printed = server.dig()
    assert ";; Got answer:" in printed, printed
    theirs = printed[printed.index(";; Got answer:") :]
    ours = format_reply(
        server.received(),
        server=server.address,
        port=server.port,
        elapsed_ms=1.0,
        when=WHEN,
        size=len(server.sent or b""),
    )
    return without_timing(theirs), without_timing(ours)


def positive_answer() -> dns.message.Message:
    response = response_to("www.example.com.", flags=dns.flags.AA | dns.flags.RA)
    response.answer.append(
        dns.rrset.from_text("www.example.com.", 10, "IN", "A", "127.53.5.1", "127.53.5.2", "127.53.5.3")
    )
    return response


def cname_chain() -> dns.message.Message:
    response = response_to("shop.example.com.", flags=dns.flags.RA)
    long_name = "a-very-long-intermediate-name.cdn.example.net."
    response.answer.append(dns.rrset.from_text("shop.example.com.", 300, "IN", "CNAME", long_name))
    response.answer.append(dns.rrset.from_text(long_name, 300, "IN", "CNAME", "edge.example.net."))
    response.answer.append(dns.rrset.from_text("edge.example.net.", 2147483647, "IN", "A", "127.53.7.7"))
    return response


def nxdomain() -> dns.message.Message:
    response = response_to("missing.example.com.", flags=dns.flags.AA)
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.authority.append(dns.rrset.from_text("example.com.", 300, "IN", "SOA", SOA))
    return response


def referral() -> dns.message.Message:
    response = response_to("www.example.com.")
    response.flags &= ~dns.flags.RD
    response.authority.append(
        dns.rrset.from_text("example.com.", 172800, "IN", "NS", "ns1.example.com.", "ns2.example.com.")
    )
    digest = "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
    response.authority.append(dns.rrset.from_text("example.com.", 86400, "IN", "DS", f"20326 8 2 {digest}"))
    response.additional.append(dns.rrset.from_text("ns1.example.com.", 172800, "IN", "A", "127.53.1.1"))
    response.additional.append(dns.rrset.from_text("ns1.example.com.", 172800, "IN", "AAAA", "fd00:53::1"))
    response.additional.append(dns.rrset.from_text("ns2.example.com.", 172800, "IN", "A", "127.53.1.2"))
    return response


def servfail_with_ede() -> dns.message.Message:
    response = response_to("www.example.org.", flags=dns.flags.RA)
    response.set_rcode(dns.rcode.SERVFAIL)
    text = "no reachable authority for example.org. (127.53.9.9 timed out)"
    response.use_edns(0, dns.flags.DO, 1232, options=[dns.edns.EDEOption(22, text)])
    return response


def without_edns() -> dns.message.Message:
    response = response_to("www.example.com.", "TXT", flags=dns.flags.AA | dns.flags.RA, edns=False)
    response.answer.append(dns.rrset.from_text("www.example.com.", 60, "IN", "TXT", '"v=spf1 -all" "a \\"b\\" ;c"'))
    return response


RESPONSES = {
    "positive answer": positive_answer,
    "cname chain": cname_chain,
    "nxdomain": nxdomain,
    "referral": referral,
    "servfail with ede": servfail_with_ede,
    "without edns": without_edns,
}


@pytest.mark.parametrize("make", RESPONSES.values(), ids=RESPONSES.keys())
def test_a_reply_reads_as_dig_prints_it(make):
    with served(make()) as server:
        theirs, ours = reply_as_dig_prints_it(server)
    assert ours == theirs


def test_the_ede_line_and_no_blank_line_before_the_question_are_digs():
    with served(servfail_with_ede()) as server:
        theirs, ours = reply_as_dig_prints_it(server)
    expected = (
        ";; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags: do; udp: 1232\n"
        "; EDE: 22 (No Reachable Authority): (no reachable authority for example.org. (127.53.9.9 timed out))\n"
        ";; QUESTION SECTION:\n"
        ";www.example.org.\t\tIN\tA\n\n"
    )
    assert expected in ours
    assert ours == theirs


def test_edns_options_read_as_dig_prints_them():
    options = [
        dns.edns.NSIDOption(b"ns1\x00"),
        dns.edns.ECSOption("127.53.0.0", 24, 16),
        dns.edns.GenericOption(9, bytes.fromhex("00000e4d")),  # EXPIRE
        dns.edns.GenericOption(11, bytes.fromhex("04d2")),  # TCP KEEPALIVE
        dns.edns.GenericOption(12, bytes(8)),  # PADDING
        dns.edns.EDEOption(6),
        dns.edns.EDEOption(99, "ümlaut\x01"),
        dns.edns.GenericOption(65001, b"\x00 ~\x7f"),
    ]
    response = positive_answer()
    response.use_edns(0, 0x7FFF, 4096, options=options)
    with served(response) as server:
        theirs, ours = reply_as_dig_prints_it(server)
    assert "; EDNS: version: 0, flags: co; MBZ: 0x3fff, udp: 4096\n" in ours
    assert "; EXPIRE: 3661 (1 hour 1 minute 1 second)\n" in ours
    assert '; OPT=65001: 00 20 7e 7f (". ~.")\n' in ours
    assert ours == theirs


def test_header_warnings_and_status_names_are_digs():
    formerr = response_to("www.example.com.", edns=False)
    formerr.set_rcode(dns.rcode.FORMERR)
    badcookie = response_to("www.example.com.", flags=dns.flags.AD | dns.flags.CD | 0x0040)
    badcookie.set_rcode(23)
    printed = []
    for response in (formerr, badcookie):
        with served(response) as server:
            theirs, ours = reply_as_dig_prints_it(server)
        assert ours == theirs
        printed.append(ours)
    assert (
        ";; WARNING: recursion requested but not available\n\n;; WARNING: EDNS query returned status FORMERR"
        in (printed[0])
    )
    assert ", status: BADCOOKIE, " in printed[1]
    assert ";; flags: qr rd ad cd; MBZ: 0x4; QUERY: 1," in printed[1]


def record(owner: str, rdtype: str, rdata: str) -> dns.rrset.RRset:
    return dns.rrset.from_rdata(owner, 3600, dns.rdata.from_text("IN", rdtype, rdata))


KEY = base64.b64encode(bytes(range(200))).decode()
RECORDS = {
    "aaaa": record("www.example.com.", "AAAA", "::ffff:127.53.0.1"),
    "mx": record("example.com.", "MX", "10 mail.example.com."),
    "soa": record("example.com.", "SOA", SOA),
    "srv": record("_sip._udp.example.com.", "SRV", "0 5 5060 sip.example.com."),
    "caa": record("example.com.", "CAA", '0 issue "letsencrypt.org"'),
    "txt escapes": record("example.com.", "TXT", '"tab\\009" "\\255" "quote\\"" "back\\\\slash"'),
    "ds split hex": record("example.com.", "DS", "1 13 4 " + "ab" * 48),
    "dnskey split base64": record("example.com.", "DNSKEY", f"257 3 13 {KEY}"),
    "rrsig": record("example.com.", "RRSIG", f"A 13 2 3600 20261231000000 20261201000000 4242 example.com. {KEY}"),
    "nsec": record("a.example.com.", "NSEC", "b.example.com. A NS SOA RRSIG NSEC TYPE31 TYPE65000"),
    "nsec3": record(
        "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.com.", "NSEC3", "1 0 0 AABB 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A"
    ),
    "nsec3param": record("example.com.", "NSEC3PARAM", "1 0 0 -"),
    "tlsa": record("_443._tcp.example.com.", "TLSA", "3 1 1 " + "0123456789abcdef" * 4),
    "sshfp": record("example.com.", "SSHFP", "4 2 " + "0123456789abcdef" * 4),
    "svcb": record("_dns.example.com.", "SVCB", '1 dns.example.com. alpn="h2,h3" port=443 ipv4hint=127.53.0.1'),
    "https": record("example.com.", "HTTPS", "1 . mandatory=alpn alpn=h2 ipv6hint=::1 dohpath=/q{?dns}"),
    "loc": record("example.com.", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.5m 10000m 10m"),
    "gpos": record("example.com.", "GPOS", "-32.6882 116.8652 10.0"),
    "unknown type": dns.rrset.from_rdata(
        "example.com.", 60, dns.rdata.GenericRdata(dns.rdataclass.IN, 65280, bytes(range(40)))
    ),
    "owner past the ttl column": record("a-name-longer-than-twenty-four.example.com.", "NSEC3PARAM", "1 0 0 -"),
    "escaped owner": record("w\\@\\$\\(\\)\\;\\032x\\.y.example.com.", "CNAME", "a\\@b.example.com."),
}


@pytest.mark.parametrize("rrset", RECORDS.values(), ids=RECORDS.keys())
def test_records_read_as_dig_prints_them_in_full_and_short(rrset):
    response = response_to("q.example.com.", flags=dns.flags.AA)
    response.answer.append(rrset)
    with served(response) as server:
        theirs, ours = reply_as_dig_prints_it(server)
        short = server.dig("+short")
    assert ours == theirs
    assert format_short(server.received()) == short


@pytest.mark.parametrize("make", RESPONSES.values(), ids=RESPONSES.keys())
def test_short_reads_as_dig_short_prints_it(make):
    with served(make()) as server:
        short = server.dig("+short")
    assert format_short(server.received()) == short


def test_a_trace_hop_reads_as_dig_prints_it():
    """+trace prints each hop with +noall +answer +authority +identify (it turns those on);
    asking with those options compares the same block without dig resolving the
    nameservers' names through the system resolver, which +trace would do."""
    for make in RESPONSES.values():
        with served(make()) as server:
            printed = server.dig("+noall", "+answer", "+authority", "+identify")
            size = len(server.sent or b"")
            ours = format_trace_hop(
                server.received(), server=server.address, port=server.port, server_name=None, elapsed_ms=0, size=size
            )
        assert without_timing(ours) == without_timing(printed)


def test_a_referral_hop_shows_ns_and_ds_but_not_the_glue():
    hop = format_trace_hop(
        referral(), server="127.53.0.1", port=53, server_name="a.root-servers.net.", elapsed_ms=12.9, size=525
    )
    assert hop == (
        "example.com.\t\t172800\tIN\tNS\tns1.example.com.\n"
        "example.com.\t\t172800\tIN\tNS\tns2.example.com.\n"
        "example.com.\t\t86400\tIN\tDS\t20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D\n"
        ";; Received 525 bytes from 127.53.0.1#53(a.root-servers.net) in 12 ms\n\n"
    )


def test_a_negative_hop_shows_the_soa():
    hop = format_trace_hop(
        nxdomain(), server="127.53.3.1", port=53, server_name="ns1.example.com", elapsed_ms=0.4, size=94
    )
    assert hop == (
        f"example.com.\t\t300\tIN\tSOA\t{SOA}\n;; Received 94 bytes from 127.53.3.1#53(ns1.example.com) in 0 ms\n\n"
    )


def test_the_reply_of_the_example_reads_in_full():
    response = response_to("www.example.com.", flags=dns.flags.RA)
    response.id = 4242
    response.answer.append(dns.rrset.from_text("www.example.com.", 10, "IN", "A", "127.53.5.1"))
    text = format_reply(response, server="127.53.3.1", port=53, elapsed_ms=3.9, when=WHEN, size=60)
    assert text == (
        ";; Got answer:\n"
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242\n"
        ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n"
        "\n"
        ";; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags:; udp: 1232\n"
        ";; QUESTION SECTION:\n"
        ";www.example.com.\t\tIN\tA\n"
        "\n"
        ";; ANSWER SECTION:\n"
        "www.example.com.\t10\tIN\tA\t127.53.5.1\n"
        "\n"
        ";; Query time: 3 msec\n"
        ";; SERVER: 127.53.3.1#53(127.53.3.1) (UDP)\n"
        ";; WHEN: Sat Nov 21 10:00:00 UTC 2026\n"
        ";; MSG SIZE  rcvd: 60\n"
        "\n"
    )


def test_the_server_line_names_the_server_and_the_transport():
    text = format_reply(
        positive_answer(),
        server="fd00:53::1",
        port=5353,
        transport="tcp",
        elapsed_ms=0,
        when=WHEN,
        size=90,
        server_name="ns1.example.com",
    )
    assert ";; SERVER: fd00:53::1#5353(ns1.example.com) (TCP)\n" in text


def test_the_when_line_is_in_the_time_zone_given():
    eastern = datetime.timezone(datetime.timedelta(hours=9), "KST")
    text = format_reply(
        positive_answer(), server="127.0.0.1", port=53, elapsed_ms=0, when=WHEN.astimezone(eastern), size=1
    )
    assert ";; WHEN: Sat Nov 21 19:00:00 KST 2026\n" in text


def test_an_unknown_transport_is_refused():
    with pytest.raises(ValueError, match="quic"):
        format_reply(positive_answer(), server="127.0.0.1", port=53, transport="quic", elapsed_ms=0, when=WHEN, size=1)


def test_short_lists_the_rdata_of_a_cname_chain():
    assert format_short(cname_chain()) == (
        "a-very-long-intermediate-name.cdn.example.net.\nedge.example.net.\n127.53.7.7\n"
    )
    assert format_short(nxdomain()) == ""
