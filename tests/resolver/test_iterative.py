"""The recursive resolver over real sockets against a small loopback Internet
(tests/resolver/internet.py): referrals, glue, CNAMEs, negative caching, failures."""

from __future__ import annotations

import json
import socket
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

from resolver.dns.recursive.answers import EDE_NO_REACHABLE_AUTHORITY, EDE_OTHER, EDE_PROHIBITED
from tests.resolver import internet
from tests.resolver.internet import EXAMPLE_COM, GTLD, RESOLVER, ROOTS, Internet

ROOT_ADDRESSES = set(ROOTS.values())


def ask(net: Internet, name: str, rdtype: str = "A", *, tcp: bool = False, **kwargs) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, use_edns=kwargs.pop("use_edns", 0), **kwargs)
    if tcp:
        return dns.query.tcp(query, RESOLVER, port=net.port, timeout=10)
    return dns.query.udp(query, RESOLVER, port=net.port, timeout=10)


def records(response: dns.message.Message, section: str = "answer") -> list[str]:
    return [line for rrset in getattr(response, section) for line in rrset.to_text().splitlines()]


def rdata(response: dns.message.Message) -> list[str]:
    return [f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {r}" for rrset in response.answer for r in rrset]


def ede(response: dns.message.Message) -> tuple[int, str] | None:
    option = next((o for o in response.options if isinstance(o, dns.edns.EDEOption)), None)
    return (option.code, option.text) if option else None


def root_and_tld(counts: dict[str, int]) -> int:
    return sum(counts[a] for a in ROOT_ADDRESSES) + counts[GTLD]


def test_a_name_is_resolved_from_the_root_down_with_ra_set(net):
    response = ask(net, "www.example.com.")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.RA and response.flags & dns.flags.RD
    assert not response.flags & dns.flags.AA
    assert rdata(response) == ["www.example.com. A 192.0.2.44"]
    counts = net.counts()
    assert sum(counts[a] for a in ROOT_ADDRESSES) == 1 and counts[GTLD] == 1 and counts[EXAMPLE_COM] == 1


def test_the_second_lookup_skips_the_root_and_tld_servers(net):
    ask(net, "www.example.com.")
    before = net.counts()
    again = ask(net, "www.example.com.")
    assert rdata(again) == ["www.example.com. A 192.0.2.44"]
    assert net.counts() == before, "an answer in the cache is given without asking anyone"
    sibling = ask(net, "example.com.", "A")
    assert rdata(sibling) == ["example.com. A 192.0.2.1"]
    after = net.counts()
    assert root_and_tld(after) == root_and_tld(before), "the delegation to example.com was cached"
    assert after[EXAMPLE_COM] == before[EXAMPLE_COM] + 1


def test_ttls_count_down_in_the_cache_and_expired_records_are_asked_again(net):
    first = ask(net, "www.example.com.")
    assert first.answer[0].ttl == 300
    assert ask(net, "nope.example.com.").authority[0].ttl == 60
    for _ in range(3):  # the later asks come from the rendered bytes, their TTLs patched
        time.sleep(1.1)
        later = ask(net, "www.example.com.").answer[0].ttl
        assert 300 - later in (1, 2, 3, 4)
    assert ask(net, "nope.example.com.").authority[0].ttl in (56, 57, 58, 59)
    assert net.recursor.counters["rendered hits"] >= 3
    ask(net, "short.example.com.")
    before = net.counts()[EXAMPLE_COM]
    time.sleep(1.2)
    assert rdata(ask(net, "short.example.com.")) == ["short.example.com. A 192.0.2.5"]
    assert net.counts()[EXAMPLE_COM] == before + 1


def test_cname_chains_are_followed_across_zones(net):
    response = ask(net, "chain.example.com.")
    assert rdata(response) == [
        "chain.example.com. CNAME alias.example.com.",
        "alias.example.com. CNAME www.example.net.",
        "www.example.net. A 192.0.2.80",
    ]
    inzone = ask(net, "inzone.example.com.")
    assert rdata(inzone) == ["inzone.example.com. CNAME www.example.com.", "www.example.com. A 192.0.2.44"]


def test_a_cname_to_a_missing_name_ends_in_nxdomain_with_the_chain(net):
    response = ask(net, "dangling.example.com.")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert rdata(response) == ["dangling.example.com. CNAME nothing.example.net."]
    assert [r.name.to_text() for r in response.authority] == ["example.net."]


def test_a_cname_loop_across_zones_is_servfail_saying_so(net):
    response = ask(net, "loop.example.com.")
    assert response.rcode() == dns.rcode.SERVFAIL
    code, text = ede(response)
    assert code == EDE_OTHER and "CNAME loop" in text


def test_nxdomain_is_cached_for_the_soa_minimum_and_answers_every_type(net):
    response = ask(net, "nope.example.com.")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert records(response, "authority")[0].startswith("example.com. 60 IN SOA")
    before = net.counts()
    for rdtype in ("A", "AAAA", "TXT"):
        again = ask(net, "nope.example.com.", rdtype)
        assert again.rcode() == dns.rcode.NXDOMAIN
    assert net.counts() == before, "RFC 2308: an NXDOMAIN covers every type of the name"


def test_nodata_is_cached_per_type(net):
    response = ask(net, "www.example.com.", "AAAA")
    assert response.rcode() == dns.rcode.NOERROR and not response.answer
    assert response.authority[0].rdtype == dns.rdatatype.SOA
    before = net.counts()
    assert not ask(net, "www.example.com.", "AAAA").answer
    assert net.counts() == before
    assert rdata(ask(net, "www.example.com.", "A")) == ["www.example.com. A 192.0.2.44"]


def test_names_under_unknown_tlds_are_a_fast_nxdomain_from_the_root(net):
    start = time.monotonic()
    response = ask(net, "www.google.invalid.")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert time.monotonic() - start < 1
    assert records(response, "authority")[0].startswith(". ")


def test_a_delegation_without_glue_is_followed_by_resolving_the_nameserver(net):
    response = ask(net, "www.glueless.com.")
    assert rdata(response) == ["www.glueless.com. A 192.0.2.90"]


def test_a_server_that_does_not_answer_is_skipped_for_the_other(net):
    for _ in range(3):  # whichever server comes first, the answer comes
        net.recursor.resolver.cache.flush()
        assert rdata(ask(net, "www.half.com.")) == ["www.half.com. A 192.0.2.60"]


def test_nameservers_that_never_answer_give_servfail_with_an_extended_error(net):
    start = time.monotonic()
    response = ask(net, "www.mute.com.")
    assert time.monotonic() - start < 4
    assert response.rcode() == dns.rcode.SERVFAIL
    code, text = ede(response)
    assert code == EDE_NO_REACHABLE_AUTHORITY
    assert "mute.com" in text and "timeout" in text
    refused = ask(net, "www.dead.com.")
    assert refused.rcode() == dns.rcode.SERVFAIL
    assert ede(refused)[0] == EDE_NO_REACHABLE_AUTHORITY and "nothing listens" in ede(refused)[1]


def test_records_outside_the_servers_zone_are_ignored(net):
    assert rdata(ask(net, "www.liar.com.")) == ["www.liar.com. A 192.0.2.66"]
    assert rdata(ask(net, "www.example.com.")) == ["www.example.com. A 192.0.2.44"]
    cached = {(item.name, item.type): item.data for item in net.recursor.resolver.cache.items()}
    assert cached[("www.example.com.", "A")] == ["192.0.2.44"]
    assert cached[("ns1.example.com.", "A")] == [EXAMPLE_COM]
    assert cached[("example.com.", "NS")] == ["ns1.example.com."]
    assert not [key for key, data in cached.items() if "6.6.6.6" in data], cached


def test_a_truncated_answer_is_asked_again_over_tcp(net):
    traced = net.run(net.recursor.control({"command": "resolve", "name": "big.example.com.", "type": "TXT"}))
    assert traced["rcode"] == "NOERROR"
    assert [(s["zone"], s["transport"]) for s in traced["steps"]][-1] == ("example.com.", "tcp")
    tcp = ask(net, "big.example.com.", "TXT", tcp=True)
    assert len(tcp.answer[0]) == len(internet.BIG_TXT)
    udp = ask(net, "big.example.com.", "TXT", payload=1232)
    assert udp.flags & dns.flags.TC, "too big for the client's UDP payload: truncated, so it retries over TCP"


def test_the_authority_sees_random_ids_and_source_ports(net):
    resolver = net.recursor.resolver
    seen = []
    original = resolver._send

    async def spy(query, address, left):
        result = await original(query, address, left)
        seen.append(query.id)
        return result

    resolver._send = spy
    for n in range(6):
        ask(net, f"n{n}.example.com.")
    assert len(set(seen)) == len(seen) >= 6


def test_outbound_queries_come_from_a_fresh_random_port_each_time(net):
    # Listen where a nameserver would be and look at the source of what arrives.
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind((internet.NOBODY, net.port))
    listener.settimeout(5)
    try:
        ports = set()
        for n in range(3):
            net.recursor.resolver.infra.clear()
            query = dns.message.make_query(f"w{n}.dead.com.", "A")
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.sendto(query.to_wire(), (RESOLVER, net.port))
            _, source = listener.recvfrom(4096)
            sock.close()
            assert source[0] == RESOLVER
            ports.add(source[1])
        assert len(ports) == 3
    finally:
        listener.close()


def test_without_rd_the_cache_alone_answers_or_refers(net):
    cold = ask(net, "www.example.com.", flags=0)
    assert cold.rcode() == dns.rcode.NOERROR and not cold.answer
    assert cold.authority[0].name == dns.name.root, "nothing cached: a referral to the root"
    assert sum(net.counts().values()) == 0
    ask(net, "www.example.com.")
    warm = ask(net, "www.example.com.", flags=0)
    assert rdata(warm) == ["www.example.com. A 192.0.2.44"]
    referral = ask(net, "other.example.com.", flags=0)
    assert [r.name.to_text() for r in referral.authority] == ["example.com."]


def test_zone_transfers_other_classes_and_broken_queries_are_refused_or_rejected(net):
    axfr = ask(net, "example.com.", "AXFR", tcp=True)
    assert axfr.rcode() == dns.rcode.REFUSED and ede(axfr)[0] == EDE_PROHIBITED
    chaos = dns.message.make_query("version.bind.", "TXT", "CH")
    assert dns.query.udp(chaos, RESOLVER, port=net.port, timeout=3).rcode() == dns.rcode.REFUSED
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        sock.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07broken", (RESOLVER, net.port))
        reply = dns.message.from_wire(sock.recv(512))
    assert reply.id == 0x1234 and reply.rcode() == dns.rcode.FORMERR and reply.flags & dns.flags.RA
    assert rdata(ask(net, "www.example.com.")) == ["www.example.com. A 192.0.2.44"]


def test_many_clients_asking_the_same_name_cause_one_resolution(net):
    socks = []
    for n in range(20):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(5)
        query = dns.message.make_query("www.example.net.", "A", id=n)
        sock.sendto(query.to_wire(), (RESOLVER, net.port))
        socks.append(sock)
    answers = [dns.message.from_wire(s.recv(512)) for s in socks]
    for sock in socks:
        sock.close()
    assert all(rdata(a) == ["www.example.net. A 192.0.2.80"] for a in answers)
    assert net.counts()[internet.EXAMPLE_NET] == 1


def test_a_burst_of_new_names_asks_the_root_and_tld_once(net):
    socks = []
    for n in range(20):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(5)
        sock.sendto(dns.message.make_query(f"host{n}.example.com.", "A").to_wire(), (RESOLVER, net.port))
        socks.append(sock)
    answers = [dns.message.from_wire(s.recv(512)) for s in socks]
    for sock in socks:
        sock.close()
    assert {a.rcode() for a in answers} == {dns.rcode.NXDOMAIN}
    counts = net.counts()
    assert sum(counts[a] for a in ROOT_ADDRESSES) == 1 and counts[GTLD] == 1
    assert counts[EXAMPLE_COM] == 20


def test_the_trace_tells_each_hop_and_then_the_cache(net):
    first = net.run(net.recursor.control({"command": "resolve", "name": "www.example.com", "type": "A"}))
    assert first["rcode"] == "NOERROR" and first["answer"] == ["www.example.com. 300 IN A 192.0.2.44"]
    hops = [(s["zone"], s["server"], s["outcome"], s["cached"]) for s in first["steps"]]
    assert [h[0] for h in hops] == [".", "com.", "example.com."]
    assert [h[2] for h in hops] == ["referral", "referral", "answer"]
    assert hops[0][1] in ROOTS and hops[1][1] == "a.gtld-servers.net." and hops[2][1] == "ns1.example.com."
    assert all(s["elapsed_ms"] > 0 and not s["cached"] for s in first["steps"])
    sibling = net.run(net.recursor.control({"command": "resolve", "name": "example.com", "type": "A"}))
    assert [(s["zone"], s["outcome"], s["cached"]) for s in sibling["steps"]] == [
        ("example.com.", "from-cache", True),
        ("example.com.", "answer", False),
    ]
    again = net.run(net.recursor.control({"command": "resolve", "name": "www.example.com", "type": "A"}))
    assert [(s["outcome"], s["cached"]) for s in again["steps"]] == [("from-cache", True)]


def test_operators_see_and_flush_the_cache(net):
    ask(net, "www.example.com.")
    entries = net.run(net.recursor.control({"command": "cache"}))["entries"]
    shown = {(e["name"], e["type"], e["kind"]) for e in entries}
    assert ("www.example.com.", "A", "answer") in shown
    assert ("com.", "NS", "referral") in shown and ("ns1.example.com.", "A", "glue") in shown
    assert all(0 < e["ttl"] <= 172800 for e in entries)
    flushed = net.run(net.recursor.control({"command": "flush", "name": "example.com"}))
    assert flushed["flushed"] >= 2
    left = {e["name"] for e in net.run(net.recursor.control({"command": "cache"}))["entries"]}
    assert "www.example.com." not in left and "com." in left
    before = net.counts()
    ask(net, "www.example.com.")
    after = net.counts()
    assert after[GTLD] == before[GTLD] + 1, "with example.com flushed, com's servers are asked again"
    assert net.run(net.recursor.control({"command": "flush"}))["flushed"] > 0
    assert net.run(net.recursor.control({"command": "cache"}))["entries"] == []
    bad = net.run(net.recursor.control({"command": "reboot"}))
    assert "unknown command" in bad["error"]


def test_the_control_channel_speaks_json_lines_over_tcp(net):
    port = net.resolver_server.control_port
    with socket.create_connection((RESOLVER, port), timeout=5) as sock:
        stream = sock.makefile("rwb")
        stream.write(b'{"command": "resolve", "name": "www.example.com", "type": "A"}\n')
        stream.write(b"not json\n")
        stream.write(b'{"command": "stats"}\n')
        stream.flush()
        resolved = json.loads(stream.readline())
        broken = json.loads(stream.readline())
        stats = json.loads(stream.readline())
    assert resolved["answer"] == ["www.example.com. 300 IN A 192.0.2.44"]
    assert "not a JSON object" in broken["error"]
    assert stats["upstream queries"] == 3


def test_a_narrower_allow_list_is_checked_for_every_query(net):
    from resolver.dns.recursive.recursor import Recursor

    narrow = Recursor(net.recursor.resolver, allow=("127.0.0.2/32",))
    assert not narrow.fast_for_everyone and net.recursor.fast_for_everyone
    query = dns.message.make_query("www.example.com.", "A", use_edns=0)
    refused = dns.message.from_wire(net.run(narrow.handle(query.to_wire(), ("127.0.0.9", 5353), "udp")))
    assert refused.rcode() == dns.rcode.REFUSED and ede(refused)[0] == EDE_PROHIBITED
    allowed = dns.message.from_wire(net.run(narrow.handle(query.to_wire(), ("127.0.0.2", 5353), "udp")))
    assert rdata(allowed) == ["www.example.com. A 192.0.2.44"]
    assert narrow.fast(query.to_wire(), int(time.monotonic())) is None, "no answer without asking who asks"
