"""Lookups in a compiled zone (RFC 1034 4.3.2, RFC 2308, RFC 4592)."""

import dns.name
import dns.rdatatype as T
import pytest

from resolver.dns.authoritative.zone import CompiledZone, Kind
from resolver.dns.wire.records import BadRecord

ZONE = [
    ["example.com.", 3600, "SOA", "ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 300"],
    ["example.com.", 172800, "NS", "ns1.example.com."],
    ["example.com.", 172800, "NS", "ns.elsewhere.net."],
    ["example.com.", 300, "MX", "10 mail.example.com."],
    ["ns1.example.com.", 300, "A", "192.0.2.1"],
    ["mail.example.com.", 300, "A", "192.0.2.25"],
    ["www.example.com.", 300, "A", "192.0.2.44"],
    ["www.example.com.", 300, "AAAA", "2001:db8::44"],
    ["alias.example.com.", 60, "CNAME", "www.example.com."],
    ["alias2.example.com.", 60, "CNAME", "alias.example.com."],
    ["loop1.example.com.", 60, "CNAME", "loop2.example.com."],
    ["loop2.example.com.", 60, "CNAME", "loop1.example.com."],
    ["dangling.example.com.", 60, "CNAME", "gone.example.com."],
    ["away.example.com.", 60, "CNAME", "www.example.net."],
    ["a.b.c.example.com.", 300, "TXT", '"deep"'],
    ["*.wild.example.com.", 120, "A", "192.0.2.99"],
    ["*.wild.example.com.", 120, "TXT", '"wildcard"'],
    ["exists.wild.example.com.", 120, "TXT", '"real"'],
    ["sub.example.com.", 86400, "NS", "ns1.sub.example.com."],
    ["sub.example.com.", 86400, "NS", "ns.elsewhere.net."],
    ["sub.example.com.", 86400, "DS", "12345 13 2 " + "ab" * 32],
    ["ns1.sub.example.com.", 86400, "A", "192.0.2.53"],
    ["into.example.com.", 60, "CNAME", "host.sub.example.com."],
]


@pytest.fixture(scope="module")
def zone():
    return CompiledZone(dns.name.from_text("example.com."), 7, ZONE)


def n(text: str) -> dns.name.Name:
    return dns.name.from_text(text)


def texts(rrsets) -> list[str]:
    return [rrset.to_text() for rrset in rrsets]


def test_an_existing_name_is_answered_authoritatively(zone):
    result = zone.lookup(n("www.example.com."), T.A)
    assert (result.kind, result.authoritative) == (Kind.ANSWER, True)
    assert texts(result.answer) == ["www.example.com. 300 IN A 192.0.2.44"]
    assert result.authority == [] and result.additional == []


def test_the_apex_ns_answer_carries_in_zone_addresses_only(zone):
    result = zone.lookup(n("example.com."), T.NS)
    assert sorted(r.target.to_text() for r in result.answer[0]) == ["ns.elsewhere.net.", "ns1.example.com."]
    assert texts(result.additional) == ["ns1.example.com. 300 IN A 192.0.2.1"]


def test_mx_answers_add_the_exchange_address(zone):
    assert texts(zone.lookup(n("example.com."), T.MX).additional) == ["mail.example.com. 300 IN A 192.0.2.25"]


def test_a_missing_name_is_nxdomain_with_the_soa_at_the_negative_ttl(zone):
    result = zone.lookup(n("nope.example.com."), T.A)
    assert result.kind == Kind.NXDOMAIN and result.answer == []
    # RFC 2308: min(SOA TTL 3600, SOA MINIMUM 300).
    assert texts(result.authority) == [
        "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 300"
    ]


def test_a_missing_type_is_nodata(zone):
    result = zone.lookup(n("www.example.com."), T.MX)
    assert (result.kind, result.answer) == (Kind.NODATA, [])
    assert result.authority[0].rdtype == T.SOA and result.authority[0].ttl == 300


def test_an_empty_non_terminal_is_nodata_not_nxdomain(zone):
    assert zone.lookup(n("b.c.example.com."), T.A).kind == Kind.NODATA
    assert zone.lookup(n("c.example.com."), T.TXT).kind == Kind.NODATA


def test_a_cname_chain_inside_the_zone_is_followed(zone):
    result = zone.lookup(n("alias2.example.com."), T.A)
    assert texts(result.answer) == [
        "alias2.example.com. 60 IN CNAME alias.example.com.",
        "alias.example.com. 60 IN CNAME www.example.com.",
        "www.example.com. 300 IN A 192.0.2.44",
    ]


def test_asking_for_the_cname_itself_does_not_follow_it(zone):
    assert texts(zone.lookup(n("alias.example.com."), T.CNAME).answer) == [
        "alias.example.com. 60 IN CNAME www.example.com."
    ]


def test_a_cname_to_a_missing_name_ends_in_nxdomain_after_the_cname(zone):
    result = zone.lookup(n("dangling.example.com."), T.A)
    assert result.kind == Kind.NXDOMAIN
    assert texts(result.answer) == ["dangling.example.com. 60 IN CNAME gone.example.com."]


def test_a_cname_out_of_the_zone_is_left_to_the_resolver(zone):
    result = zone.lookup(n("away.example.com."), T.A)
    assert result.kind == Kind.ANSWER
    assert texts(result.answer) == ["away.example.com. 60 IN CNAME www.example.net."]


def test_a_cname_loop_stops(zone):
    result = zone.lookup(n("loop1.example.com."), T.A)
    assert [r.name.to_text() for r in result.answer] == ["loop1.example.com.", "loop2.example.com."]


def test_a_wildcard_answers_for_missing_names_with_the_query_name(zone):
    result = zone.lookup(n("anything.wild.example.com."), T.A)
    assert texts(result.answer) == ["anything.wild.example.com. 120 IN A 192.0.2.99"]
    deeper = zone.lookup(n("x.y.wild.example.com."), T.TXT)
    assert texts(deeper.answer) == ['x.y.wild.example.com. 120 IN TXT "wildcard"']


def test_a_wildcard_does_not_cover_names_that_exist(zone):
    assert zone.lookup(n("exists.wild.example.com."), T.A).kind == Kind.NODATA
    assert zone.lookup(n("below.exists.wild.example.com."), T.A).kind == Kind.NXDOMAIN


def test_a_wildcard_missing_the_type_is_nodata(zone):
    assert zone.lookup(n("anything.wild.example.com."), T.MX).kind == Kind.NODATA


def test_names_at_and_below_a_cut_get_a_referral_with_glue(zone):
    for name in ("sub.example.com.", "host.sub.example.com.", "ns1.sub.example.com."):
        result = zone.lookup(n(name), T.A)
        assert (result.kind, result.authoritative, result.answer) == (Kind.REFERRAL, False, [])
        assert [r.name.to_text() for r in result.authority] == ["sub.example.com."]
        assert texts(result.additional) == ["ns1.sub.example.com. 86400 IN A 192.0.2.53"]


def test_a_referral_is_given_for_ns_at_the_cut(zone):
    assert zone.lookup(n("sub.example.com."), T.NS).kind == Kind.REFERRAL


def test_ds_at_the_cut_is_answered_by_the_parent(zone):
    result = zone.lookup(n("sub.example.com."), T.DS)
    assert (result.kind, result.authoritative) == (Kind.ANSWER, True)
    assert result.answer[0].rdtype == T.DS


def test_a_cname_into_a_delegation_answers_the_cname_then_refers(zone):
    result = zone.lookup(n("into.example.com."), T.A)
    assert result.kind == Kind.ANSWER and result.authoritative
    assert texts(result.answer) == ["into.example.com. 60 IN CNAME host.sub.example.com."]
    assert [r.name.to_text() for r in result.authority] == ["sub.example.com."]


def test_any_returns_every_rrset_of_the_name(zone):
    result = zone.lookup(n("www.example.com."), T.ANY)
    assert sorted(r.rdtype for r in result.answer) == [T.A, T.AAAA]


@pytest.mark.parametrize(
    "records, message",
    [
        ([["example.com.", 60, "NS", "ns1.example.com."]], "exactly one SOA"),
        ([ZONE[0]], "needs NS records"),
        ([*ZONE[:2], ["www.example.com.", 60, "CNAME", "x."], ["www.example.com.", 60, "A", "192.0.2.1"]], "CNAME"),
        ([*ZONE[:2], ["www.example.org.", 60, "A", "192.0.2.1"]], "outside the zone"),
        ([*ZONE[:2], ["www.example.com.", 60, "A", "300.1.1.1"]], "record 2"),
        ([*ZONE[:2], ["www.example.com.", -1, "A", "192.0.2.1"]], "TTL"),
    ],
)
def test_a_broken_zone_is_refused_with_the_reason(records, message):
    with pytest.raises(BadRecord, match=message):
        CompiledZone(dns.name.from_text("example.com."), 7, records)


def test_the_stored_serial_must_match_the_soa():
    with pytest.raises(BadRecord, match="serial"):
        CompiledZone(dns.name.from_text("example.com."), 8, ZONE)


def test_records_of_one_rrset_spelled_differently_are_one_rrset():
    from resolver.dns.wire.records import parse_records

    origin = n("example.com.")
    nodes = parse_records(origin, [["www.example.com.", 300, "A", "192.0.2.1"], ["WWW", 60, "a", "192.0.2.2"]])
    rrset = nodes[n("www.example.com.")][T.A]
    assert sorted(rd.to_text() for rd in rrset) == ["192.0.2.1", "192.0.2.2"] and rrset.ttl == 60


def test_a_record_changed_between_versions_is_read_anew():
    from resolver.dns.wire.records import parse_records

    origin = n("example.com.")
    first = parse_records(origin, [["www.example.com.", 300, "A", "192.0.2.1"]])[n("www.example.com.")][T.A]
    again = parse_records(origin, [["www.example.com.", 300, "A", "192.0.2.1"]])[n("www.example.com.")][T.A]
    changed = parse_records(origin, [["www.example.com.", 30, "A", "192.0.2.1"]])[n("www.example.com.")][T.A]
    assert again is first  # an unchanged RRset is shared between versions
    assert changed.ttl == 30 and first.ttl == 300
