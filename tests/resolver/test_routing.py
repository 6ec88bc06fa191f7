"""Routing policies answered by the engine: weighted shares, failover, multivalue."""

from collections import Counter

import dns.edns
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from config.network import DEFAULT_LATENCY, DEFAULT_REGIONS
from resolver.dns.authoritative.engine import TCP, UDP, Engine
from resolver.dns.authoritative.regions import Regions
from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.wire.records import BadRecord
from tests.resolver.test_engine import COM_ADDRESS, ZONE, ask, query


def member(ident, *values, ttl=60, **extra):
    return {"id": ident, "ttl": ttl, "values": list(values), **extra}


def routed(name, policy, *members, rtype="A"):
    return {"name": name, "type": rtype, "policy": policy, "members": list(members)}


def engine_with(*entries) -> Engine:
    engine = Engine(payload=1232)
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE, list(entries)), ["ns.example."])
    return engine


def answers(engine, name, count, rdtype="A", **kwargs) -> Counter:
    seen = Counter()
    for _ in range(count):
        response, _ = ask(engine, query(name, rdtype, **kwargs))
        seen[tuple(rd.to_text() for rd in response.answer[-1])] += 1
    return seen


def test_weighted_answers_follow_the_weights_over_ten_thousand_queries():
    engine = engine_with(
        routed(
            "app.example.com.",
            "weighted",
            member("blue", "192.0.2.1", weight=60),
            member("green", "192.0.2.2", weight=30),
            member("grey", "192.0.2.3", weight=10),
            member("off", "192.0.2.4", weight=0),
        )
    )
    seen = answers(engine, "app.example.com.", 10_000)
    shares = {values[0]: count / 100 for values, count in seen.items()}
    assert set(shares) == {"192.0.2.1", "192.0.2.2", "192.0.2.3"}  # weight 0 is never picked
    assert abs(shares["192.0.2.1"] - 60) <= 5 and abs(shares["192.0.2.2"] - 30) <= 5
    assert abs(shares["192.0.2.3"] - 10) <= 5


def test_weighted_skips_unhealthy_members_unless_all_are():
    engine = engine_with(
        routed(
            "a.example.com.",
            "weighted",
            member("x", "192.0.2.1", weight=1),
            member("y", "192.0.2.2", weight=1, healthy=False),
        ),
        routed(
            "b.example.com.",
            "weighted",
            member("x", "192.0.2.1", weight=1, healthy=False),
            member("y", "192.0.2.2", weight=1, healthy=False),
        ),
    )
    assert set(answers(engine, "a.example.com.", 200)) == {("192.0.2.1",)}
    assert set(answers(engine, "b.example.com.", 400)) == {("192.0.2.1",), ("192.0.2.2",)}


@pytest.mark.parametrize(
    ("primary_healthy", "secondary_healthy", "expected"),
    [(True, True, "192.0.2.10"), (False, True, "192.0.2.20"), (False, False, "192.0.2.10")],
)
def test_failover_answers_the_primary_while_healthy(primary_healthy, secondary_healthy, expected):
    engine = engine_with(
        routed(
            "www.fail.example.com.",
            "failover",
            member("main", "192.0.2.10", role="PRIMARY", healthy=primary_healthy),
            member("backup", "192.0.2.20", role="SECONDARY", healthy=secondary_healthy),
        )
    )
    assert set(answers(engine, "www.fail.example.com.", 50)) == {(expected,)}


def test_multivalue_gives_up_to_eight_healthy_records_in_varying_order():
    members = [member(f"m{i}", f"192.0.2.{i}", healthy=i % 3 != 0) for i in range(1, 16)]
    engine = engine_with(routed("multi.example.com.", "multivalue", *members))
    seen = answers(engine, "multi.example.com.", 500, use_edns=0)
    healthy = {f"192.0.2.{i}" for i in range(1, 16) if i % 3 != 0}
    assert all(len(values) == 8 and set(values) <= healthy for values in seen)
    assert len(seen) > 5  # not one fixed answer
    small = engine_with(routed("two.example.com.", "multivalue", member("a", "192.0.2.1"), member("b", "192.0.2.2")))
    assert set(answers(small, "two.example.com.", 200)) == {("192.0.2.1", "192.0.2.2"), ("192.0.2.2", "192.0.2.1")}


def test_a_routed_name_exists_for_other_types_and_in_transfers():
    engine = engine_with(routed("app.example.com.", "weighted", member("blue", "192.0.2.1", weight=1)))
    nodata, _ = ask(engine, query("app.example.com.", "TXT"))
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority[0].rdtype == dns.rdatatype.SOA
    replies = engine.handle(query("example.com.", "AXFR").to_wire(), COM_ADDRESS, ("127.0.0.1", 1), TCP)
    transferred = [r for wire in replies for r in dns.message.from_wire(wire).answer]
    assert any(r.name.to_text() == "app.example.com." and r[0].to_text() == "192.0.2.1" for r in transferred)


def test_a_routed_cname_is_answered_without_following_it():
    engine = engine_with(
        routed("cdn.example.com.", "weighted", member("a", "www.example.com.", weight=1), rtype="CNAME"),
    )
    response, _ = ask(engine, query("cdn.example.com.", "A"))
    assert [r.rdtype for r in response.answer] == [dns.rdatatype.CNAME]


def test_the_full_parser_routes_the_same_way():
    engine = engine_with(
        routed(
            "www.fail.example.com.",
            "failover",
            member("main", "192.0.2.10", role="PRIMARY", healthy=False),
            member("backup", "192.0.2.20", role="SECONDARY"),
        )
    )
    cookie = dns.edns.GenericOption(dns.edns.COOKIE, b"12345678")  # an option: the fast path steps aside
    response, _ = ask(engine, query("www.fail.example.com.", use_edns=0, options=[cookie]))
    assert response.answer[0][0].to_text() == "192.0.2.20"


def test_a_routed_type_beside_plain_data_of_that_type_is_refused():
    with pytest.raises(BadRecord, match="both routed and plain"):
        engine_with(routed("www.example.com.", "weighted", member("x", "192.0.2.9", weight=1)))
    with pytest.raises(BadRecord, match="CNAME cannot sit beside"):
        engine_with(routed("www.example.com.", "weighted", member("x", "other.example.net.", weight=1), rtype="CNAME"))


def test_a_routed_answer_is_cached_once_and_patched_per_query():
    engine = engine_with(
        routed("app.example.com.", "weighted", member("a", "192.0.2.1", weight=1), member("b", "192.0.2.2", weight=1))
    )
    for _ in range(50):
        q = query("APP.example.com.")
        response, _ = ask(engine, q)
        assert response.id == q.id and response.question[0].name.to_text() == "APP.example.com."
    assert engine.counters["render"] == 1


PLAN_REGIONS = Regions(DEFAULT_REGIONS, DEFAULT_LATENCY)
US, EU, AP = ("127.0.0.5", 5353), ("127.64.0.9", 5353), ("127.130.0.1", 5353)


def regional_engine(*entries) -> Engine:
    engine = Engine(payload=1232, regions=PLAN_REGIONS)
    engine.set_listeners({"ns.example.": COM_ADDRESS})
    engine.install(CompiledZone(dns.name.from_text("example.com."), 7, ZONE, list(entries)), ["ns.example."])
    return engine


API_BY_LATENCY = routed(
    "api.example.com.",
    "latency",
    member("virginia", "192.0.2.1", region="us-east-1"),
    member("ireland", "192.0.2.2", region="eu-west-1"),
)


def answer_from(engine, name, source, **kwargs):
    replies = engine.handle(query(name, **kwargs).to_wire(), COM_ADDRESS, source, UDP)
    return dns.message.from_wire(replies[0])


def test_latency_routing_answers_from_the_nearest_healthy_region():
    engine = regional_engine(
        API_BY_LATENCY,
        routed(
            "down.example.com.",
            "latency",
            member("virginia", "192.0.2.1", region="us-east-1", healthy=False),
            member("ireland", "192.0.2.2", region="eu-west-1"),
        ),
    )
    assert answer_from(engine, "api.example.com.", US).answer[0][0].to_text() == "192.0.2.1"
    assert answer_from(engine, "api.example.com.", EU).answer[0][0].to_text() == "192.0.2.2"
    assert answer_from(engine, "api.example.com.", AP).answer[0][0].to_text() == "192.0.2.1"  # 180 ms beats 230
    assert answer_from(engine, "down.example.com.", US).answer[0][0].to_text() == "192.0.2.2"
    # Without the client's address the cached answer cannot be picked: the caller asks again with it.
    assert engine.fast(query("api.example.com.").to_wire(), COM_ADDRESS, UDP) is None


def test_geolocation_prefers_the_country_then_the_continent_then_the_default():
    entries = [
        member("korea", "192.0.2.10", location="country:KR"),
        member("europe", "192.0.2.20", location="continent:EU"),
    ]
    engine = regional_engine(
        routed("geo.example.com.", "geolocation", *entries, member("rest", "192.0.2.30", location="*")),
        routed("strict.example.com.", "geolocation", *entries),
    )
    assert answer_from(engine, "geo.example.com.", AP).answer[0][0].to_text() == "192.0.2.10"
    assert answer_from(engine, "geo.example.com.", EU).answer[0][0].to_text() == "192.0.2.20"
    assert answer_from(engine, "geo.example.com.", US).answer[0][0].to_text() == "192.0.2.30"
    nodata = answer_from(engine, "strict.example.com.", US)  # no record set covers North America
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority[0].rdtype == dns.rdatatype.SOA


def test_edns_client_subnet_places_the_client_and_is_echoed_with_its_scope():
    engine = regional_engine(API_BY_LATENCY)
    subnet = dns.edns.ECSOption("127.64.1.0", 24)
    response = answer_from(engine, "api.example.com.", US, use_edns=0, options=[subnet])
    assert response.answer[0][0].to_text() == "192.0.2.2"
    [echoed] = response.options
    assert (echoed.address, echoed.srclen, echoed.scopelen) == ("127.64.1.0", 24, 24)
