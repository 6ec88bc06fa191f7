"""run_dns on real sockets, queried by dig, dnspython and a stock Unbound.

The zones come from the registry's real data: the demo TLDs and registrars, the rental
pool's domains, and domains created through the registry services; the worker builds
and publishes the root and TLD zones, and run_dns hears of each version by NOTIFY.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.zone
import pytest
from django.conf import settings

from registry import services
from resolver import demo as resolver_demo
from resolver import platform
from resolver.choices import ZoneKind
from resolver.services import publish_zone
from tests.e2e.dnsworld import (
    COM,
    FRESH_ADDRESS,
    PLAN,
    PORT,
    RENTAL,
    ROOT,
    create_fresh_domain,
    delegated,
    dig,
    stock_unbound,
    udp,
    wait_until,
)
from tests.e2e.processes import Stack

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def test_dig_walks_root_tld_and_rental_servers(chain):
    _, nameservers = chain
    root = dig(f"@{ROOT}", "+norec", "www.example.com", "A")
    assert "status: NOERROR" in root and "flags: qr;" in root
    assert "com.\t\t\t172800\tIN\tNS\ta.gtld-servers.net." in root
    com = dig(f"@{COM}", "+norec", "www.example.com", "A")
    assert "ANSWER: 0" in com and f"example.com.\t\t172800\tIN\tNS\t{nameservers[0]}." in com
    assert f"{nameservers[0]}.\t172800\tIN\tA\t{RENTAL}" in com  # glue
    answer = dig(f"@{RENTAL}", "+norec", "WWW.Example.COM", "A")
    assert "flags: qr aa;" in answer
    assert f"WWW.Example.COM.\t300\tIN\tA\t{resolver_demo.DEMO_ADDRESS}" in answer


def test_dig_sees_nxdomain_nodata_and_refusals(chain):
    nx = dig(f"@{RENTAL}", "+norec", "missing.example.com", "A")
    assert "status: NXDOMAIN" in nx and "example.com.\t\t900\tIN\tSOA\tns-1.namesmith-dns.com." in nx
    nodata = dig(f"@{RENTAL}", "+norec", "www.example.com", "MX")
    assert "status: NOERROR" in nodata and "ANSWER: 0, AUTHORITY: 1" in nodata
    root = dig(f"@{ROOT}", "+norec", "example.com", "SOA")  # the root refers, never answers for it
    assert "status: NOERROR" in root and "flags: qr;" in root and "ANSWER: 0" in root
    assert "status: REFUSED" in dig(f"@{COM}", "+norec", "www.example.org", "A")
    assert "status: REFUSED" in dig(f"@{RENTAL}", "+norec", "www.example.org", "A")


def test_tcp_answers_several_queries_on_one_connection_then_closes_when_idle(chain):
    assert "(TCP)" in dig(f"@{RENTAL}", "+tcp", "www.example.com", "A")
    with socket.create_connection((RENTAL, PORT), timeout=5) as sock:
        for name in ("www.example.com.", "example.com.", "missing.example.com."):
            query = dns.message.make_query(name, "A")
            dns.query.send_tcp(sock, query)
            response, _ = dns.query.receive_tcp(sock, expiration=time.time() + 5)
            assert response.id == query.id and response.question == query.question
        sock.settimeout(settings.DNS_TCP_IDLE_TIMEOUT + 5)
        started = time.monotonic()
        assert sock.recv(10) == b""  # the server closed the idle connection
        assert time.monotonic() - started < settings.DNS_TCP_IDLE_TIMEOUT + 3


def test_a_small_edns_buffer_gets_tc_and_tcp_gets_everything(chain):
    registrar = services.get_registrar(settings.REGISTRAR_CLIENT_ID)
    for i in range(3):
        services.create_domain(registrar, f"many{i}.com", nameservers=[n.name for n in PLAN.rental_nameservers])
    wait_until(lambda: delegated("many2.com.", COM), what="many2.com delegated")
    # A referral to 8 nameservers with glue does not fit 512 bytes: the glue is cut, no TC.
    small = udp("many0.com.", "NS", COM, use_edns=0, payload=512)
    assert len(small.authority[0]) == 8
    big = [["big.example.com.", 300, "TXT", f'"{"x" * 200}" "{i}"'] for i in range(12)]
    nameservers = chain[1]
    publish_zone(
        "example.com",
        ZoneKind.HOSTED,
        platform.zone_records("example.com", nameservers, big),
        nameservers,
    )
    wait_until(lambda: udp("big.example.com.", "TXT", RENTAL).rcode() == dns.rcode.NOERROR, what="reload")
    truncated = dig(f"@{RENTAL}", "+norec", "+bufsize=1232", "+notcp", "+ignore", "big.example.com", "TXT")
    assert "flags: qr aa tc;" in truncated
    assert "ANSWER: 12," in dig(f"@{RENTAL}", "+norec", "+bufsize=1232", "big.example.com", "TXT")


def test_axfr_to_loopback_gives_the_zone_dnspython_can_load(chain):
    transfer = dig(f"@{COM}", "com", "AXFR")
    assert transfer.count("IN\tSOA\t") == 2 and "namesmith-dns.com.\t172800\tIN\tNS" in transfer
    zone = dns.zone.from_xfr(dns.query.xfr(COM, "com.", port=PORT, timeout=5))
    assert zone.get_rdataset("namesmith-dns", "NS") is not None


def test_nsd_runs_as_a_secondary_of_the_com_zone_over_axfr(chain, tmp_path):
    """A stock secondary (NSD, Debian's package) takes the com zone by AXFR from a TLD
    server and then answers for it as the TLD server does."""
    if shutil.which("nsd") is None:
        pytest.fail("nsd is missing: make test installs it")
    secondary = str(ipaddress.ip_address(COM) + 200)  # a spare address of this run's block
    conf = tmp_path / "nsd.conf"
    conf.write_text(
        "\n".join(
            [
                "server:",
                "    server-count: 1",
                f"    ip-address: {secondary}",
                f"    port: {PORT}",
                "    do-ip6: no",
                f'    zonesdir: "{tmp_path}"',
                '    username: ""',
                '    chroot: ""',
                '    database: ""',
                f'    pidfile: "{tmp_path / "nsd.pid"}"',
                f'    xfrdfile: "{tmp_path / "xfrd.state"}"',
                f'    xfrdir: "{tmp_path}"',
                f'    zonelistfile: "{tmp_path / "zone.list"}"',
                "remote-control:",
                "    control-enable: no",
                "zone:",
                "    name: com",
                '    zonefile: "com.zone"',
                f"    request-xfr: AXFR {COM}@{PORT} NOKEY",
                f"    allow-notify: {COM} NOKEY",
            ]
        )
        + "\n"
    )
    nsd = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:

        def transferred() -> bool:
            try:
                return delegated("example.com.", secondary)
            except dns.exception.Timeout:  # NSD still starting
                return False

        wait_until(transferred, timeout=30, what="NSD serving the transferred com")
        ours, theirs = udp("www.example.com.", "A", COM), udp("www.example.com.", "A", secondary)

        def records(response) -> set[str]:
            return {f"{rrset.name} {rrset.ttl} {rdata}" for rrset in response.authority for rdata in rrset}

        assert records(theirs) == records(ours) and len(records(ours)) == 4
        assert udp("com.", "SOA", secondary).answer[0][0].serial == udp("com.", "SOA", COM).answer[0][0].serial
    finally:
        nsd.terminate()
        nsd.wait(10)


def test_a_domain_created_at_the_registry_is_delegated_by_the_tld_servers(chain):
    _, nameservers = chain
    before = udp("com.", "SOA", COM).answer[0][0].serial
    create_fresh_domain("fresh-name.com", nameservers)
    wait_until(lambda: delegated("fresh-name.com.", COM), what="fresh-name.com delegated")
    after = udp("com.", "SOA", COM).answer[0][0].serial
    assert after > before
    for server in PLAN.servers_for_tld("com"):  # every server of the TLD has the new version
        assert udp("com.", "SOA", server.address).answer[0][0].serial == after


def test_a_hostile_packet_flood_leaves_the_listener_answering(chain):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for packet in (b"", b"\x00", b"\xff" * 12, b"\x00\x01\x00\x00\x00\x01" + b"\xc0" * 40, bytes(range(256)) * 2):
            sock.sendto(packet, (RENTAL, PORT))
    with socket.create_connection((RENTAL, PORT), timeout=5) as tcp:
        tcp.sendall(b"\x00\x05junk!")
    assert udp("www.example.com.", "A", RENTAL).rcode() == dns.rcode.NOERROR


def test_unbound_resolves_a_new_domain_through_the_emulated_chain(chain, tmp_path):
    _, nameservers = chain
    create_fresh_domain("unbound-sees.com", nameservers)
    wait_until(lambda: delegated("unbound-sees.com.", COM), what="unbound-sees.com delegated")
    with stock_unbound(tmp_path) as unbound:

        def resolved():
            query = dns.message.make_query("www.unbound-sees.com.", "A")
            try:
                return dns.query.udp(query, "127.0.0.1", port=unbound.port, timeout=3)
            except (OSError, dns.exception.Timeout):
                return None

        response = wait_until(resolved, timeout=60, what="unbound answering")
        assert response.rcode() == dns.rcode.NOERROR
        assert [r.to_text() for r in response.answer] == [
            "www.unbound-sees.com. 300 IN CNAME unbound-sees.com.",
            f"unbound-sees.com. 300 IN A {FRESH_ADDRESS}",
        ]
        nx = dns.query.udp(dns.message.make_query("nope.unbound-sees.com.", "A"), "127.0.0.1", port=unbound.port)
        assert nx.rcode() == dns.rcode.NXDOMAIN
    assert "error" not in unbound.output.lower(), unbound.output


def test_a_change_batch_is_insync_only_once_every_nameserver_serves_it(chain, django_user_model):
    from resolver import rental
    from resolver.choices import ChangeStatus
    from resolver.models import Change

    owner = django_user_model.objects.create_superuser("ops", "ops@example.net", "ops-password")
    zone, _, _ = rental.create_hosted_zone(owner, "rented.com", caller_reference="e2e")
    change = rental.change_record_sets(
        owner,
        zone.pk,
        [
            {
                "action": "CREATE",
                "record_set": {"name": "www.rented.com", "type": "A", "ttl": 60, "values": ["192.0.2.91"]},
            }
        ],
    )
    insync = wait_until(
        lambda: Change.objects.filter(pk=change.pk, status=ChangeStatus.INSYNC).first(), what="change INSYNC"
    )
    # INSYNC means observed: at that moment every server of the delegation set answers with it.
    for name in zone.nameservers:
        answer = udp("www.rented.com.", "A", PLAN.address_of(name))
        assert answer.answer[0][0].to_text() == "192.0.2.91"
        assert udp("rented.com.", "SOA", PLAN.address_of(name)).answer[0][0].serial >= insync.serial
    assert insync.insync_at >= insync.submitted_at


def test_failover_follows_an_origin_that_stops_and_comes_back(chain, django_user_model):
    """dig sees the secondary within threshold x interval + 2 s of the primary's origin
    stopping, and the primary again as long after it returns."""
    from resolver import health, rental
    from tests.resolver.test_health import Origin

    stack, _ = chain
    stack.beat()
    owner = django_user_model.objects.create_superuser("ops", "ops@example.net", "ops-password")
    origin = Origin(b"primary origin")
    check = health.create_health_check(
        owner, {"kind": "HTTP", "ip_address": "127.0.0.1", "port": origin.port, "interval": 10, "failure_threshold": 1}
    )
    zone, _, _ = rental.create_hosted_zone(owner, "failover.com", caller_reference="e2e")
    member = {"name": "www.failover.com", "type": "A", "ttl": 5, "routing": "failover"}
    rental.change_record_sets(
        owner,
        zone.pk,
        [
            {
                "action": "CREATE",
                "record_set": {
                    **member,
                    "values": ["192.0.2.10"],
                    "failover": "PRIMARY",
                    "set_identifier": "main",
                    "health_check": check.pk,
                },
            },
            {
                "action": "CREATE",
                "record_set": {**member, "values": ["192.0.2.20"], "failover": "SECONDARY", "set_identifier": "backup"},
            },
        ],
    )
    server = PLAN.address_of(zone.nameservers[0])

    def answer() -> str:
        lines = dig(f"@{server}", "+short", "+norec", "www.failover.com", "A").split()
        return lines[0] if lines else ""

    wait_until(lambda: answer() == "192.0.2.10", what="the primary served")
    limit = check.failure_threshold * check.interval + 2
    origin.stop()
    stopped = time.monotonic()
    wait_until(lambda: answer() == "192.0.2.20", timeout=limit + 10, what="failover to the secondary")
    assert time.monotonic() - stopped <= limit
    origin = Origin(b"primary origin", port=origin.port)
    try:
        returned = time.monotonic()
        wait_until(lambda: answer() == "192.0.2.10", timeout=limit + 10, what="back to the primary")
        assert time.monotonic() - returned <= limit
    finally:
        origin.stop()
    statuses = list(check.events.order_by("at").values_list("status", flat=True))
    assert statuses == ["UNHEALTHY", "HEALTHY"]


def test_run_origins_follows_stop_and_start(transactional_db, tmp_path):
    from resolver import origins

    stack = Stack(tmp_path)
    try:
        origins.seed()
        stack.origins()
        origin = PLAN.origins[0]

        def serving() -> bool:
            try:
                with socket.create_connection((origin.address, origin.port), timeout=1):
                    return True
            except OSError:
                return False

        wait_until(serving, what=f"{origin.name} serving")
        origins.set_running(origin.name, False)
        wait_until(lambda: not serving(), timeout=10, what=f"{origin.name} stopped")
        origins.set_running(origin.name, True)
        wait_until(serving, timeout=10, what=f"{origin.name} started again")
    finally:
        stack.close()
