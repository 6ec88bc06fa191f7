"""The query handler, called directly with wire bytes (RFC 1035, 2181, 6891, 7766, 1996)."""

import random

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest

from resolver.dns.authoritative.engine import TCP, UDP, Engine
from resolver.dns.authoritative.zone import CompiledZone
from tests.resolver.test_zone import ZONE

ROOT = [
    [".", 86400, "SOA", "a.root. hostmaster.root. 3 1800 900 604800 86400"],
    [".", 518400, "NS", "a.root."],
    ["a.root.", 518400, "A", "127.9.0.1"],
    ["com.", 172800, "NS", "a.gtld."],
    ["a.gtld.", 172800, "A", "127.9.0.2"],
]
ROOT_ADDRESS, COM_ADDRESS, NOWHERE = "127.9.0.1", "127.9.0.3", "127.9.0.4"
CLIENT = ("127.0.0.1", 40000)
BIG = [["big.example.com.", 300, "TXT", f'"{"x" * 200}" "{i:04d}"'] for i in range(30)]


@pytest.fixture(scope="module")
def engine():
    engine = Engine(payload=1232)
    engine.set_listeners({"a.root.": ROOT_ADDRESS, "ns.example.": COM_ADDRESS, "idle.": NOWHERE})
    engine.install(CompiledZone(dns.name.root, 3, ROOT), ["a.root."])
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE + BIG), ["ns.example."])
    return engine


def ask(engine, query: dns.message.Message | bytes, address=COM_ADDRESS, transport=UDP, source=CLIENT):
    wire = query if isinstance(query, bytes) else query.to_wire()
    replies = engine.handle(wire, address, source, transport)
    assert len(replies) == 1
    return dns.message.from_wire(replies[0], ignore_trailing=True), replies[0]


def query(name, rdtype="A", **kwargs) -> dns.message.Message:
    kwargs.setdefault("use_edns", False)
    message = dns.message.make_query(name, rdtype, **kwargs)
    message.flags = 0
    return message


def test_answers_are_authoritative_and_echo_the_question_as_asked(engine):
    response, _ = ask(engine, query("WwW.ExAmPlE.cOm."))
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA and not response.flags & dns.flags.RA
    assert response.question[0].name.to_text() == "WwW.ExAmPlE.cOm."
    assert response.answer[0][0].to_text() == "192.0.2.44"


def test_a_cached_answer_keeps_each_querys_id_case_and_rd_flag(engine):
    first, _ = ask(engine, query("www.example.com."))
    q = query("WWW.EXAMPLE.COM.")
    q.flags = dns.flags.RD
    second, _ = ask(engine, q)
    assert second.id == q.id
    assert second.question[0].name.to_text() == "WWW.EXAMPLE.COM."
    assert second.flags & dns.flags.RD and not first.flags & dns.flags.RD
    assert second.answer[0].to_text().upper() == first.answer[0].to_text().upper()


def test_the_fast_path_and_the_full_parser_give_the_same_answer(engine):
    plain = query("alias2.example.com.", use_edns=0, payload=1232)
    with_option = query("alias2.example.com.", use_edns=0, payload=1232, options=[dns.edns.NSIDOption(b"")])
    fast, _ = ask(engine, plain)
    slow, _ = ask(engine, with_option)
    assert [r.to_text() for r in fast.answer] == [r.to_text() for r in slow.answer]
    assert (fast.rcode(), fast.flags) == (slow.rcode(), slow.flags)


def test_nxdomain_carries_the_soa_with_the_negative_ttl(engine):
    for edns in (False, 0):
        response, _ = ask(engine, query(f"missing-{edns}.example.com.", use_edns=edns))
        assert response.rcode() == dns.rcode.NXDOMAIN and response.flags & dns.flags.AA
        assert [(r.rdtype, r.ttl) for r in response.authority] == [(dns.rdatatype.SOA, 300)]
        assert response.edns == (-1 if edns is False else 0)


def test_nodata_carries_the_soa(engine):
    response, _ = ask(engine, query("www.example.com.", "MX"))
    assert (response.rcode(), response.answer) == (dns.rcode.NOERROR, [])
    assert response.authority[0].rdtype == dns.rdatatype.SOA


def test_a_referral_has_aa_clear_ns_in_authority_and_glue(engine):
    response, _ = ask(engine, query("www.example.com.", use_edns=0), address=ROOT_ADDRESS)
    assert response.rcode() == dns.rcode.NOERROR and not response.flags & dns.flags.AA
    assert response.answer == []
    assert [r.to_text() for r in response.authority] == ["com. 172800 IN NS a.gtld."]
    assert [r.to_text() for r in response.additional] == ["a.gtld. 172800 IN A 127.9.0.2"]


def test_names_outside_the_listeners_zones_are_refused(engine):
    for name, address in (("www.example.org.", COM_ADDRESS), ("www.example.com.", NOWHERE)):
        response, _ = ask(engine, query(name), address=address)
        assert response.rcode() == dns.rcode.REFUSED
        assert response.answer == response.authority == []


def test_a_reloaded_zone_moves_between_listeners_and_a_removed_one_is_refused():
    # Two server names on one address, one on another: a zone leaves an address only when
    # none of the server names there serves it any more.
    engine = Engine()
    engine.set_listeners({"ns1.example.": COM_ADDRESS, "ns1b.example.": COM_ADDRESS, "ns2.example.": NOWHERE})
    origin = dns.name.from_text("example.com.")

    def version(serial):
        soa = f"ns1.example.com. hostmaster.example.com. {serial} 7200 900 1209600 300"
        return CompiledZone(origin, serial, [r if r[2] != "SOA" else [*r[:3], soa] for r in ZONE])

    def serial_at(address):
        response, _ = ask(engine, query("example.com.", "SOA"), address=address)
        return response.answer[0][0].serial if response.rcode() == dns.rcode.NOERROR else response.rcode()

    engine.install(version(7), ["ns1.example.", "ns1b.example."])
    assert (serial_at(COM_ADDRESS), serial_at(NOWHERE)) == (7, dns.rcode.REFUSED)
    engine.install(version(8), ["ns1b.example.", "ns2.example."])
    assert (serial_at(COM_ADDRESS), serial_at(NOWHERE)) == (8, 8)  # the cached serial 7 is gone
    engine.install(version(9), ["ns2.example."])
    assert (serial_at(COM_ADDRESS), serial_at(NOWHERE)) == (dns.rcode.REFUSED, 9)
    engine.remove(origin)
    engine.remove(origin)  # removing what is not there changes nothing
    assert (serial_at(COM_ADDRESS), serial_at(NOWHERE)) == (dns.rcode.REFUSED, dns.rcode.REFUSED)
    assert engine.served == {COM_ADDRESS: {}, NOWHERE: {}}


def test_edns_is_echoed_with_our_buffer_size_and_the_do_bit(engine):
    response, _ = ask(engine, query("www.example.com.", use_edns=0, payload=4096, want_dnssec=True))
    assert (response.edns, response.payload) == (0, 1232)
    assert response.ednsflags & dns.flags.DO


def test_a_query_without_edns_gets_no_opt(engine):
    response, _ = ask(engine, query("www.example.com."))
    assert response.edns == -1


def test_an_answer_too_big_for_udp_is_truncated_and_whole_over_tcp(engine):
    response, wire = ask(engine, query("big.example.com.", "TXT"))
    assert response.flags & dns.flags.TC and len(wire) <= 512
    edns, wire = ask(engine, query("big.example.com.", "TXT", use_edns=0, payload=1232))
    assert edns.flags & dns.flags.TC and len(wire) <= 1232
    full, wire = ask(engine, query("big.example.com.", "TXT"), transport=TCP)
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 30 and len(wire) > 6000


def test_unknown_edns_versions_get_badvers(engine):
    response, _ = ask(engine, query("www.example.com.", use_edns=1))
    assert response.rcode() == dns.rcode.BADVERS and response.edns == 0


def test_unknown_opcodes_get_notimp(engine):
    q = query("www.example.com.")
    q.set_opcode(dns.opcode.UPDATE)
    response, _ = ask(engine, q)
    assert response.rcode() == dns.rcode.NOTIMP


def test_malformed_queries_get_formerr(engine):
    q = query("www.example.com.")
    wire = q.to_wire()
    truncated = wire[:-3]
    response, _ = ask(engine, truncated)
    assert response.rcode() == dns.rcode.FORMERR and response.id == q.id
    two = bytearray(wire)
    two[5] = 2  # QDCOUNT 2 with one question present
    assert ask(engine, bytes(two))[0].rcode() == dns.rcode.FORMERR


def test_a_name_longer_than_255_octets_gets_formerr(engine):
    wire = bytearray(query("www.example.com.").to_wire())
    long_name = b"".join(bytes([63]) + b"a" * 63 for _ in range(4)) + b"\x07example\x03com\x00"
    wire[12 : 12 + len(b"\x03www\x07example\x03com\x00")] = long_name
    assert ask(engine, bytes(wire))[0].rcode() == dns.rcode.FORMERR


def test_responses_and_runts_get_no_answer(engine):
    response = dns.message.make_response(query("www.example.com."))
    assert engine.handle(response.to_wire(), COM_ADDRESS, CLIENT, UDP) == []
    assert engine.handle(b"\x12\x34\x01", COM_ADDRESS, CLIENT, UDP) == []


def test_random_garbage_never_raises(engine):
    rng = random.Random(1996)
    valid = query("www.example.com.", use_edns=0).to_wire()
    for _ in range(3000):
        if rng.random() < 0.5:
            packet = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 80)))
        else:
            packet = bytearray(valid)
            for _ in range(rng.randint(1, 6)):
                packet[rng.randrange(len(packet))] = rng.getrandbits(8)
            packet = bytes(packet)
        for reply in engine.handle(packet, COM_ADDRESS, CLIENT, rng.choice([UDP, TCP])):
            dns.message.from_wire(reply, ignore_trailing=True)  # every reply is itself valid DNS
    assert engine.counters.get("servfail", 0) == 0 and engine.counters.get("fast failed", 0) == 0


def test_notify_from_loopback_is_acknowledged_and_reported(engine):
    heard = []
    engine.on_notify = heard.append
    q = dns.message.make_query("example.com.", "SOA")
    q.flags = dns.flags.AA
    q.set_opcode(dns.opcode.NOTIFY)
    response, _ = ask(engine, q)
    assert response.opcode() == dns.opcode.NOTIFY and response.rcode() == dns.rcode.NOERROR
    assert heard == ["example.com."]
    refused, _ = ask(engine, q, source=("192.0.2.7", 53))
    assert refused.rcode() == dns.rcode.REFUSED and heard == ["example.com."]


def test_axfr_over_tcp_sends_the_whole_zone_between_two_soas(engine):
    replies = engine.handle(query("example.com.", "AXFR").to_wire(), COM_ADDRESS, CLIENT, TCP)
    messages = [dns.message.from_wire(r, one_rr_per_rrset=True) for r in replies]
    records = [rrset for m in messages for rrset in m.answer]
    assert records[0].rdtype == records[-1].rdtype == dns.rdatatype.SOA
    assert len(records) == len(ZONE) + len(BIG) + 1


def test_a_large_zone_transfers_in_several_messages():
    hosts = [[f"h{i}.example.com.", 300, "A", f"192.0.2.{i % 250}"] for i in range(2000)]
    engine = Engine()
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE + hosts), ["ns.example."])
    replies = engine.handle(query("example.com.", "AXFR").to_wire(), COM_ADDRESS, CLIENT, TCP)
    assert len(replies) > 1 and all(len(r) <= 16_384 for r in replies)
    records = [r for wire in replies for r in dns.message.from_wire(wire, one_rr_per_rrset=True).answer]
    assert len(records) == len(ZONE) + len(hosts) + 1


def test_axfr_is_refused_to_others_and_over_udp(engine):
    refused, _ = ask(engine, query("example.com.", "AXFR"), transport=TCP, source=("192.0.2.7", 5000))
    assert refused.rcode() == dns.rcode.REFUSED
    over_udp, _ = ask(engine, query("example.com.", "AXFR"))
    assert over_udp.rcode() == dns.rcode.FORMERR
    not_apex, _ = ask(engine, query("www.example.com.", "AXFR"), transport=TCP)
    assert not_apex.rcode() == dns.rcode.REFUSED


def test_ixfr_over_udp_gets_the_soa_alone(engine):
    response, _ = ask(engine, query("example.com.", "IXFR"))
    assert [r.rdtype for r in response.answer] == [dns.rdatatype.SOA]


def test_other_classes_are_refused(engine):
    response, _ = ask(engine, dns.message.make_query("version.bind.", "TXT", "CH"))
    assert response.rcode() == dns.rcode.REFUSED


def test_a_reloaded_zone_drops_cached_answers():
    engine = Engine()
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE), ["ns.example."])
    assert ask(engine, query("www.example.com."))[0].answer[0][0].to_text() == "192.0.2.44"
    changed = [r if r[0] != "www.example.com." or r[2] != "A" else [*r[:3], "192.0.2.45"] for r in ZONE]
    changed[0] = [*changed[0][:3], changed[0][3].replace(" 7 ", " 8 ")]
    engine.install(CompiledZone(dns.name.from_text("example.com."), 8, changed), ["ns.example."])
    assert ask(engine, query("www.example.com."))[0].answer[0][0].to_text() == "192.0.2.45"


def test_a_repeated_nxdomain_comes_from_the_negative_cache_and_keeps_each_querys_case():
    engine = Engine()
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE), ["ns.example."])
    first, _ = ask(engine, query("nope.example.com."))
    again, _ = ask(engine, query("NoPe.example.com."))
    assert first.rcode() == again.rcode() == dns.rcode.NXDOMAIN
    assert again.question[0].name.to_text() == "NoPe.example.com."
    assert again.authority[0].to_text() == first.authority[0].to_text()
    assert engine.counters["template"] == 1 and len(engine.negative) == 1


def test_a_flood_of_random_names_does_not_push_real_answers_out_of_the_cache():
    engine = Engine()
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE), ["ns.example."])
    ask(engine, query("www.example.com."))
    for i in range(300):
        ask(engine, query(f"random{i}.example.com."))
    assert len(engine.cache) == 1 and len(engine.negative) == 300


def test_a_name_added_by_a_reload_is_no_longer_nxdomain():
    engine = Engine()
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE), ["ns.example."])
    assert ask(engine, query("new.example.com."))[0].rcode() == dns.rcode.NXDOMAIN
    changed = [[*ZONE[0][:3], ZONE[0][3].replace(" 7 ", " 8 ")], *ZONE[1:], ["new.example.com.", 60, "A", "192.0.2.7"]]
    engine.install(CompiledZone(dns.name.from_text("example.com."), 8, changed), ["ns.example."])
    response, _ = ask(engine, query("new.example.com."))
    assert response.rcode() == dns.rcode.NOERROR and response.answer[0][0].to_text() == "192.0.2.7"
