"""The Prometheus metrics of run_dns and run_resolver, read from the default registry the
way a scrape reads them, after queries over real sockets on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

import dns.edns
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import prometheus_client
import pytest
from prometheus_client import REGISTRY

from resolver.dns.authoritative.engine import UDP
from resolver.dns.metrics import LATENCY_BOUNDS, Tally, answer_key
from tests.resolver import test_engine, test_server
from tests.resolver.internet import RESOLVER, Internet
from tests.resolver.test_engine import COM_ADDRESS, NOWHERE, query
from tests.resolver.test_server import ADDRESS

T = TypeVar("T")

# The fixtures of those tests, for these too: an engine with zones, servers on real sockets.
engine = test_engine.engine
serve = test_server.serve


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def settled(read: Callable[[], T], expected: T) -> T:
    """What ``read`` gives once it gives ``expected``, or after a second. A listener times
    an answer after sending it, so a client may see the answer a moment before its latency
    is counted."""
    deadline = time.monotonic() + 1
    while (found := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.005)
    return found


def dns_answers(rdtype: str, rcode: str, transport: str = "udp") -> float:
    labels = {"listener": ADDRESS, "transport": transport, "qtype": rdtype, "rcode": rcode}
    return value("namesmith_dns_queries_total", **labels)


def dns_timed(transport: str) -> float:
    """Answers in run_dns's latency histogram."""
    return value("namesmith_dns_answer_seconds_count", listener=ADDRESS, transport=transport)


# --- counting from bytes ---------------------------------------------------------------------------


def test_answer_key_reads_the_question_type_and_the_rcode_from_a_replys_bytes():
    response = dns.message.make_response(dns.message.make_query("a.example.", "CAA"))
    response.set_rcode(dns.rcode.NXDOMAIN)
    key = answer_key(response.to_wire())
    assert (key >> 8, key & 0x0F) == (257, dns.rcode.NXDOMAIN)
    bare = dns.message.Message(id=1)
    bare.flags = dns.flags.QR
    bare.set_rcode(dns.rcode.FORMERR)
    assert answer_key(bare.to_wire()) == dns.rcode.FORMERR  # no question: type 0
    assert answer_key(b"\x00\x01") == 0


@pytest.mark.parametrize(
    ("name", "rdtype", "address", "rcode"),
    [
        ("www.example.com.", "A", COM_ADDRESS, dns.rcode.NOERROR),
        ("example.com.", "CAA", COM_ADDRESS, dns.rcode.NOERROR),  # NODATA, a type above 255
        ("nope.example.com.", "AAAA", COM_ADDRESS, dns.rcode.NXDOMAIN),
        ("www.example.com.", "A", NOWHERE, dns.rcode.REFUSED),
    ],
)
def test_the_fast_path_counts_what_answer_key_reads_from_its_answer(engine, name, rdtype, address, rcode):
    answers: dict[int, int] = {}
    wire = query(name, rdtype, use_edns=0).to_wire()
    replies = [engine.fast(wire, address, UDP, None, answers) for _ in range(2)]  # rendered, then cached
    assert replies[0] is not None and replies[0] == replies[1]
    assert answers == {answer_key(replies[0]): 2}
    assert answer_key(replies[0]) >> 8 == dns.rdatatype.from_text(rdtype)
    assert answer_key(replies[0]) & 0x0F == rcode


def test_a_tally_puts_each_latency_in_the_first_bucket_at_or_above_it():
    tally = Tally()
    tally.observe(LATENCY_BOUNDS[0])
    tally.observe(LATENCY_BOUNDS[0] * 1.5, 3)
    tally.observe(1e6)
    assert tally.buckets[:2] == [1, 3] and tally.buckets[-1] == 1 and sum(tally.buckets) == 5
    assert tally.seconds == pytest.approx(LATENCY_BOUNDS[0] * 5.5 + 1e6)


# --- run_dns -----------------------------------------------------------------------------------------


def test_run_dns_counts_answers_by_listener_transport_qtype_and_rcode(serve):
    running = serve()
    port = running.port
    counted = [("A", "NOERROR"), ("A", "NXDOMAIN"), ("A", "REFUSED"), ("TXT", "NOERROR"), ("MX", "NOERROR")]
    before = {key: dns_answers(*key) for key in counted}
    tcp_before = dns_answers("MX", "NOERROR", "tcp")
    latency_before = {transport: dns_timed(transport) for transport in ("udp", "tcp")}
    received_before = value("namesmith_dns_received_total", listener=ADDRESS, transport="udp")

    def ask(name: str, rdtype: str = "A", **kwargs) -> dns.message.Message:
        return dns.query.udp(dns.message.make_query(name, rdtype, **kwargs), ADDRESS, port=port, timeout=5)

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as junk:
        junk.sendto(b"\x00junk", (ADDRESS, port))  # received, never answered; before the rest on the socket
    assert ask("www.example.com.").rcode() == dns.rcode.NOERROR
    assert ask("www.example.com.", use_edns=0).rcode() == dns.rcode.NOERROR
    assert ask("nope.example.com.").rcode() == dns.rcode.NXDOMAIN
    assert ask("www.example.org.").rcode() == dns.rcode.REFUSED  # a zone not served
    # The full path: an EDNS option, and the CHAOS counters.
    assert ask("www.example.com.", use_edns=0, options=[dns.edns.GenericOption(65001, b"x")]).rcode() == 0
    chaos = dns.message.make_query("queries.server.", "TXT", rdclass=dns.rdataclass.CH)
    assert dns.query.udp(chaos, ADDRESS, port=port, timeout=5).rcode() == dns.rcode.NOERROR
    assert dns.query.tcp(dns.message.make_query("example.com.", "MX"), ADDRESS, port=port, timeout=5).answer

    moved = {key: dns_answers(*key) - before[key] for key in counted}
    assert moved == {
        ("A", "NOERROR"): 3,
        ("A", "NXDOMAIN"): 1,
        ("A", "REFUSED"): 1,
        ("TXT", "NOERROR"): 1,
        ("MX", "NOERROR"): 0,
    }
    assert dns_answers("MX", "NOERROR", "tcp") - tcp_before == 1
    assert settled(lambda: dns_timed("udp") - latency_before["udp"], 6) == 6
    inf = value("namesmith_dns_answer_seconds_bucket", listener=ADDRESS, transport="udp", le="+Inf")
    assert inf == value("namesmith_dns_answer_seconds_count", listener=ADDRESS, transport="udp")
    assert value("namesmith_dns_answer_seconds_sum", listener=ADDRESS, transport="udp") > 0
    assert settled(lambda: dns_timed("tcp") - latency_before["tcp"], 1) == 1
    assert value("namesmith_dns_received_total", listener=ADDRESS, transport="udp") - received_before == 7
    assert value("namesmith_dns_zones", listener=ADDRESS) == 1
    assert value("namesmith_dns_zone_serial", zone="example.com.", key="example.com.") == 7
    assert value("namesmith_dns_engine_events_total", event="slow") >= 2


def test_servers_of_one_process_are_summed_and_leave_the_registry_when_the_last_stops(serve):
    first, second = serve(), serve()  # both register their metrics: no clash
    before = dns_answers("A", "NOERROR")
    for running in (first, second):
        query_ = dns.message.make_query("www.example.com.", "A")
        assert dns.query.udp(query_, ADDRESS, port=running.port, timeout=5).answer
    assert dns_answers("A", "NOERROR") - before == 2  # one listener address: one series
    first.stop()
    assert value("namesmith_dns_zones", listener=ADDRESS) == 1
    second.stop()
    assert REGISTRY.get_sample_value("namesmith_dns_zones", {"listener": ADDRESS}) is None


# --- run_resolver ------------------------------------------------------------------------------------


def resolver_value(name: str, **labels: str) -> float:
    return value(name, listener=RESOLVER, **labels)


def test_run_resolver_counts_cache_misses_then_hits_and_the_upstream_queries_they_took(net: Internet):
    names = [
        ("namesmith_resolver_cache_misses_total", {}),
        ("namesmith_resolver_cache_hits_total", {"layer": "rendered"}),
        ("namesmith_resolver_cache_hits_total", {"layer": "records"}),
        ("namesmith_resolver_upstream_queries_total", {"transport": "udp"}),
        ("namesmith_resolver_queries_total", {"transport": "udp", "qtype": "A", "rcode": "NOERROR"}),
        ("namesmith_resolver_queries_total", {"transport": "udp", "qtype": "A", "rcode": "NXDOMAIN"}),
        ("namesmith_resolver_queries_total", {"transport": "tcp", "qtype": "A", "rcode": "NOERROR"}),
        ("namesmith_resolver_answer_seconds_count", {"transport": "udp"}),
        ("namesmith_resolver_answer_seconds_count", {"transport": "tcp"}),
    ]

    def read() -> list[float]:
        return [resolver_value(name, **labels) for name, labels in names]

    def moved(since: list[float], expected: list[int]) -> list[float]:
        return settled(lambda: [b - a for a, b in zip(since, read(), strict=True)], [float(n) for n in expected])

    def ask(name: str, *, tcp: bool = False) -> dns.message.Message:
        message = dns.message.make_query(name, "A", use_edns=0)
        send = dns.query.tcp if tcp else dns.query.udp
        return send(message, RESOLVER, port=net.port, timeout=10)

    start = read()
    assert ask("www.example.com.").answer  # nothing cached: root, com and example.com asked
    assert moved(start, [1, 0, 0, 3, 1, 0, 0, 1, 0]) == [1, 0, 0, 3, 1, 0, 0, 1, 0]
    after_miss = read()
    assert ask("www.example.com.").answer  # the same bytes again: the rendered answer
    assert ask("www.example.com.", tcp=True).answer  # TCP: from the records cached
    assert ask("nope.example.com.").rcode() == dns.rcode.NXDOMAIN  # example.com's server asked
    assert moved(after_miss, [1, 1, 1, 1, 1, 1, 1, 2, 1]) == [1, 1, 1, 1, 1, 1, 1, 2, 1]
    assert resolver_value("namesmith_resolver_cache_entries") > 0
    hits = sum(resolver_value("namesmith_resolver_cache_hits_total", layer=layer) for layer in ("rendered", "records"))
    assert hits / (hits + resolver_value("namesmith_resolver_cache_misses_total")) == pytest.approx(0.5)


def test_the_text_exposition_has_the_families_of_both_servers(net: Internet):
    dns.query.udp(dns.message.make_query("www.example.com.", "A"), RESOLVER, port=net.port, timeout=10)
    text = prometheus_client.generate_latest().decode()
    for family, kind in [
        ("namesmith_dns_queries_total", "counter"),
        ("namesmith_dns_answer_seconds", "histogram"),
        ("namesmith_dns_received_total", "counter"),
        ("namesmith_dns_zones", "gauge"),
        ("namesmith_dns_zone_serial", "gauge"),
        ("namesmith_resolver_queries_total", "counter"),
        ("namesmith_resolver_answer_seconds", "histogram"),
        ("namesmith_resolver_cache_hits_total", "counter"),
        ("namesmith_resolver_cache_misses_total", "counter"),
        ("namesmith_resolver_upstream_queries_total", "counter"),
        ("namesmith_resolver_cache_entries", "gauge"),
    ]:
        assert f"# TYPE {family} {kind}\n" in text
    assert (
        f'namesmith_resolver_queries_total{{listener="{RESOLVER}",qtype="A",rcode="NOERROR",transport="udp"}}' in text
    )
    assert f'namesmith_resolver_answer_seconds_bucket{{le="+Inf",listener="{RESOLVER}",transport="udp"}}' in text
