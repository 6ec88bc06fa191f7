"""run_resolver against the emulated chain (run_dns on the registry's real data), side by
side with a stock Unbound given the same root hints; the cache observed in run_dns's own
listener counters; the trace page through Django's test client."""

from __future__ import annotations

import socket
import time

import dns.edns
import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest
from django.conf import settings

from registry import services
from resolver import platform
from resolver.choices import ZoneKind
from resolver.services import delete_zone, publish_zone
from resolver.trace import control
from tests.e2e.dnsworld import COM, PLAN, PORT, create_fresh_domain, delegated, stock_unbound, wait_until
from tests.e2e.processes import wait_until_idle

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

RESOLVER = PLAN.resolver.address
SILENT = "127.53.9.1"  # a nameserver that takes queries and never answers
NOBODY = "127.53.9.2"  # a nameserver address where nothing listens
ORG = PLAN.servers_for_tld("org")[0].address


def publish(name: str, nameservers: list[str], records: list[list]) -> None:
    publish_zone(name, ZoneKind.HOSTED, platform.zone_records(name, nameservers, records), nameservers)


@pytest.fixture
def world(chain):
    """The chain, a few more domains for the corpus, and run_resolver."""
    stack, nameservers = chain
    registrar = services.get_registrar(settings.REGISTRAR_CLIENT_ID)
    # Cross-zone CNAMEs, into .com and into a .org zone whose servers have no glue in .org.
    publish(
        "cross.com",
        nameservers,
        [
            ["www.cross.com.", 300, "CNAME", "www.example.com."],
            ["org.cross.com.", 300, "CNAME", "www.glueless.org."],
            ["two.cross.com.", 300, "CNAME", "org.cross.com."],
        ],
    )
    services.create_domain(registrar, "cross.com", nameservers=nameservers)
    outside_org = [n for n in nameservers if not n.endswith(".org")][:2]
    publish("glueless.org", outside_org, [["www.glueless.org.", 300, "A", "192.0.2.88"]])
    services.create_domain(registrar, "glueless.org", nameservers=outside_org)
    # A domain whose nameservers (with glue) never answer.
    services.create_domain(registrar, "deadns.com")
    services.create_host(registrar, "ns1.deadns.com", [SILENT])
    services.create_host(registrar, "ns2.deadns.com", [NOBODY])
    dead = ["ns1.deadns.com", "ns2.deadns.com"]
    services.update_nameservers(registrar, "deadns.com", dead)  # delegated, so the TLD zone carries the glue
    services.create_domain(registrar, "unreachable.com", nameservers=dead)
    for name, server in (("cross.com.", COM), ("glueless.org.", ORG), ("unreachable.com.", COM)):
        wait_until(lambda n=name, s=server: delegated(n, s), what=f"{name} delegated")
    stack.resolver()
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((SILENT, PORT))
    try:
        yield stack, nameservers
    finally:
        silent.close()


def ask(address: str, name: str, rdtype: str = "A", port: int = PORT, timeout: float = 10) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype, use_edns=0), address, port=port, timeout=timeout)


def comparable(response: dns.message.Message) -> tuple:
    """What two resolvers must agree on: rcode, the answer's records, the negative SOA's owner."""
    answer = sorted(
        (r.name.to_text(), dns.rdatatype.to_text(r.rdtype), sorted(x.to_text() for x in r))
        for r in response.answer
        if r.rdclass == dns.rdataclass.IN
    )
    negative = sorted(r.name.to_text() for r in response.authority if r.rdtype == dns.rdatatype.SOA)
    rcode = response.rcode()
    return dns.rcode.to_text(rcode), answer, negative if rcode != dns.rcode.SERVFAIL else []


def query_counts(address: str) -> dict[str, int]:
    """run_dns's listener counters, read by CHAOS TXT queries.server. at ``address``."""
    query = dns.message.make_query("queries.server.", "TXT", "CH")
    response = dns.query.tcp(query, address, port=PORT, timeout=5)
    counts = {}
    for rdata in response.answer[0]:
        listener, udp, tcp = b"".join(rdata.strings).decode().split()
        counts[listener] = int(udp.split("=")[1]) + int(tcp.split("=")[1])
    return counts


CORPUS = [
    ("www.example.com.", "A"),  # plain answer, three levels down
    ("example.com.", "NS"),  # the zone's own NS set, not the referral's
    ("www.cross.com.", "A"),  # CNAME into another zone
    ("two.cross.com.", "A"),  # CNAME chain into a zone whose servers came without glue
    ("www.glueless.org.", "A"),  # delegation without glue
    ("nope.example.com.", "A"),  # NXDOMAIN in a hosted zone
    ("not-registered-here.com.", "A"),  # NXDOMAIN from the TLD
    ("www.example.nosuchtld.", "A"),  # NXDOMAIN from the root
    ("example.com.", "AAAA"),  # NODATA
    ("www.example.com.", "MX"),  # NODATA
    ("www.unreachable.com.", "A"),  # nameservers that do not answer
]


def test_the_resolver_answers_as_unbound_does(world, tmp_path):
    with stock_unbound(tmp_path) as unbound:
        wait_until(lambda: _answers("127.0.0.1", unbound.port), timeout=30, what="unbound answering")
        differences = []
        for name, rdtype in CORPUS:
            ours = ask(RESOLVER, name, rdtype, timeout=15)
            theirs = ask("127.0.0.1", name, rdtype, port=unbound.port, timeout=60)
            if comparable(ours) != comparable(theirs):
                differences.append((name, rdtype, comparable(ours), comparable(theirs)))
            for mine, other in zip(ours.answer, theirs.answer, strict=False):
                assert abs(mine.ttl - other.ttl) <= 2, (name, mine, other)
        assert differences == []


def _answers(address: str, port: int) -> bool:
    try:
        return ask(address, "com.", "SOA", port=port, timeout=2).rcode() == dns.rcode.NOERROR
    except (OSError, dns.exception.Timeout):
        return False


def test_unreachable_nameservers_give_servfail_with_the_reason_in_time(world):
    start = time.monotonic()
    response = ask(RESOLVER, "www.unreachable.com.", "A")
    assert time.monotonic() - start < 4
    assert response.rcode() == dns.rcode.SERVFAIL
    ede = next(o for o in response.options if isinstance(o, dns.edns.EDEOption))
    assert ede.code == dns.edns.EDECode.NO_REACHABLE_AUTHORITY
    assert "unreachable.com" in ede.text and SILENT in ede.text and NOBODY in ede.text


def test_a_second_lookup_in_the_zone_asks_neither_root_nor_tld_servers(world):
    control({"command": "flush"})
    wait_until_idle()
    roots = [s.address for s in PLAN.root_servers]
    tlds = [s.address for s in PLAN.servers_for_tld("com")]
    nameservers = [PLAN.address_of(n) for n in world[1]]
    assert [r.to_text() for r in ask(RESOLVER, "www.example.com.").answer] == ["www.example.com. 300 IN A 192.0.2.44"]
    before = query_counts(roots[0])
    answer = ask(RESOLVER, "example.com.", "A")
    assert answer.answer[0][0].to_text() == "192.0.2.44"
    after = query_counts(roots[0])
    delta = {address: after[address] - before[address] for address in after}
    # The counters' own query lands on roots[0] (the CHAOS question above).
    assert sum(delta[a] for a in roots) - 1 == 0 and sum(delta[a] for a in tlds) == 0, delta
    assert sum(delta[a] for a in nameservers) >= 1, "the zone's own servers were asked"


def test_the_trace_page_tells_the_story_and_the_second_time_the_cache_shortcut(world, client):
    create_fresh_domain("traced.com", world[1])
    wait_until(lambda: delegated("traced.com.", COM), what="traced.com delegated")
    control({"command": "flush"})
    first = client.get("/dns/trace/", {"name": "traced.com", "type": "A"})
    assert first.status_code == 200
    page = first.content.decode()
    assert "status: NOERROR" in page and "192.0.2.77" in page
    assert 'data-zone="." data-cached="no" data-outcome="referral"' in page
    assert 'data-zone="com." data-cached="no" data-outcome="referral"' in page
    assert 'data-zone="traced.com." data-cached="no" data-outcome="answer"' in page
    www = client.get("/dns/trace/", {"name": "www.traced.com", "type": "A"}).content.decode()
    assert 'data-zone="." data-cached="yes"' in www and 'data-zone="com." data-cached="yes"' in www
    assert 'data-zone="." data-cached="no"' not in www


def test_the_trace_page_shows_the_routing_the_health_and_the_page(world, client, django_user_model):
    from resolver import demo as resolver_demo
    from resolver import origins

    stack, _ = world
    owner = django_user_model.objects.create_user("shop-owner", "owner@example.net", "owner-password")
    origins.seed()
    stack.origins()
    # The demo customer's zone (www on failover between the origins) replaces the plain one,
    # on the same servers: the plain one is withdrawn first, as two zones of one name never
    # share a server.
    delete_zone("example.com")
    zone = resolver_demo.seed_zone(owner)
    wait_until(lambda: delegated("example.com.", COM), what="example.com delegated")
    wait_until(
        lambda: ask(PLAN.address_of(zone.nameservers[0]), "www.example.com.", "A").answer,
        what="the demo zone served",
    )
    control({"command": "flush"})
    page = client.get("/dns/trace/", {"name": "www.example.com", "type": "A"}).content.decode()
    origin = PLAN.origins[0]
    assert origin.address in page
    assert 'id="routing"' in page and "Failover" in page and "<strong>this one</strong>" in page
    assert '<td class="ok">healthy</td>' in page
    assert 'id="page"' in page and origin.name in page, "the browser step shows the origin's page"


def test_dig_through_the_resolver_and_with_trace(world):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("dig", "www.cross.com", stdout=out)
    text = out.getvalue()
    assert "status: NOERROR" in text and "flags: qr rd ra;" in text
    assert "www.cross.com.\t\t300\tIN\tCNAME\twww.example.com." in text
    assert f";; SERVER: {RESOLVER}#{PORT}(resolver) (UDP)" in text
    out = io.StringIO()
    call_command("dig", "www.example.com", "+trace", stdout=out)
    trace = out.getvalue()
    root, gtld = PLAN.root_servers, PLAN.servers_for_tld("com")
    assert f".\t\t\t3600000\tIN\tNS\t{root[0].name}" in trace
    assert any(f"from {s.address}#{PORT}({s.name.rstrip('.')})" in trace for s in root)
    assert any(f"from {s.address}#{PORT}({s.name.rstrip('.')})" in trace for s in gtld)
    assert "com.\t\t\t172800\tIN\tNS\t" in trace and "example.com.\t\t172800\tIN\tNS\t" in trace
    assert trace.rstrip().splitlines()[-2].startswith("www.example.com.\t300\tIN\tA\t192.0.2.44")
