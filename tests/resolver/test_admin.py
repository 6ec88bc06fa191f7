"""The DNS side of the operator admin: pages that render, actions that go through the
same services as the API and commands, and the published zones list asking each zone's
servers which serial they serve."""

import dataclasses
import socket
import threading
import time

import dns.flags
import dns.message
import dns.rrset
import pytest
from django.urls import reverse

from resolver import health, origins, rental
from resolver.dns.wire import probe
from resolver.models import DemoOrigin, HealthCheck, Zone
from resolver.services import publish_zone
from tests.resolver.test_rental import hold, upsert


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


def test_the_dns_pages_render(operator, customer):
    hold(customer, "example.com")
    zone, _, _ = rental.create_hosted_zone(customer.user, "example.com", caller_reference="z")
    rental.change_record_sets(customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.44")])
    rental.publish_hosted_zone(zone.pk)
    check = health.create_health_check(customer.user, {"kind": "TCP", "ip_address": "127.0.0.1", "port": 9})
    pages = [
        reverse("admin:resolver_hostedzone_change", args=[zone.pk]),
        reverse("admin:resolver_zone_changelist"),
        reverse("admin:resolver_healthcheck_change", args=[check.pk]),
        reverse("admin:resolver_demoorigin_changelist"),
    ]
    for page in pages:
        response = operator.get(page)
        assert response.status_code == 200, page
    assert "www.example.com." in operator.get(pages[0]).content.decode()


def test_an_origin_is_stopped_and_started_from_the_admin(operator, db):
    origins.seed()
    origin = DemoOrigin.objects.order_by("name").first()
    url = reverse("admin:resolver_demoorigin_changelist")
    operator.post(url, {"action": "stop", "_selected_action": [origin.pk]})
    assert not DemoOrigin.objects.get(pk=origin.pk).running
    operator.post(url, {"action": "start", "_selected_action": [origin.pk]})
    assert DemoOrigin.objects.get(pk=origin.pk).running


def test_a_health_check_override_from_the_admin_is_recorded(operator, customer):
    check = health.create_health_check(customer.user, {"kind": "TCP", "ip_address": "127.0.0.1", "port": 9})
    url = reverse("admin:resolver_healthcheck_changelist")
    operator.post(url, {"action": "force_unhealthy", "_selected_action": [check.pk]})
    check = HealthCheck.objects.get(pk=check.pk)
    assert not check.healthy and check.events.get().reason == "override set to UNHEALTHY"


# --- published zones: the serial each server serves ---------------------------------------------


def published(zone: str, kind: str, servers: list[str]) -> Zone:
    """``zone`` published with only its SOA and NS records, served by ``servers``."""
    records = [
        [zone, 900, "SOA", f"{servers[0]} hostmaster.example. 1 1800 900 604800 86400"],
        *([zone, 172800, "NS", server] for server in servers),
    ]
    return publish_zone(zone, kind, records, servers, version=1)


@pytest.fixture
def published_com(db, settings) -> Zone:
    return published("com.", "tld", [s.name for s in settings.NETWORK_PLAN.servers_for_tld("com")])


@pytest.fixture
def soa_server():
    """A DNS server on the second com server's address that answers SOA with ``serial``;
    nothing listens on the first server's address at that port."""
    from django.conf import settings

    second = settings.NETWORK_PLAN.servers_for_tld("com")[1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((second.address, 0))
    sock.settimeout(0.05)
    stop = threading.Event()
    state = {"serial": 1}

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            soa = f"{second.name} hostmaster.nic.com. {state['serial']} 1800 900 604800 86400"
            response.answer.append(dns.rrset.from_text(query.question[0].name, 900, "IN", "SOA", soa))
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], state
    stop.set()
    thread.join()
    sock.close()


def test_the_published_zones_list_shows_each_servers_serial(operator, published_com, soa_server, settings):
    port, state = soa_server
    state["serial"] = published_com.serial
    settings.NETWORK_PLAN = dataclasses.replace(settings.NETWORK_PLAN, dns_port=port)
    first, second = (s.name.rstrip(".") for s in settings.NETWORK_PLAN.servers_for_tld("com"))
    started = time.monotonic()
    response = operator.get(reverse("admin:resolver_zone_changelist"))
    assert time.monotonic() - started < 2  # one short shared deadline, not one per server
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{first}: {probe.NOT_ANSWERING}" in page
    assert f"{second}: {published_com.serial}<" in page
    assert f'<td class="field-serial">{published_com.serial}</td>' in page


def test_a_server_behind_the_published_serial_is_marked(operator, published_com, soa_server, settings):
    port, state = soa_server
    state["serial"] = published_com.serial - 1
    settings.NETWORK_PLAN = dataclasses.replace(settings.NETWORK_PLAN, dns_port=port)
    second = settings.NETWORK_PLAN.servers_for_tld("com")[1].name.rstrip(".")
    page = operator.get(reverse("admin:resolver_zone_changelist")).content.decode()
    assert f"{second}: {published_com.serial - 1} (not the published serial)" in page


def test_only_the_list_page_asks_the_servers_once_per_server(operator, published_com, monkeypatch, settings):
    calls = []

    def fake(targets, port, timeout):
        calls.append((list(targets), port, timeout))
        return [probe.Served(t, None, probe.NOT_ANSWERING) for t in targets]

    monkeypatch.setattr(probe, "served_serials", fake)
    plan = settings.NETWORK_PLAN
    published(".", "root", [s.name for s in plan.root_servers])
    operator.get(reverse("admin:resolver_zone_changelist"))
    [(targets, port, timeout)] = calls
    assert (port, timeout) == (plan.dns_port, 0.3)
    assert [(t.zone, t.address) for t in targets] == [(".", s.address) for s in plan.root_servers] + [
        ("com.", s.address) for s in plan.servers_for_tld("com")
    ]
    page = operator.get(reverse("admin:resolver_zone_change", args=[published_com.pk]))
    assert page.status_code == 200 and len(calls) == 1


def test_a_server_the_plan_no_longer_names_is_shown_and_not_asked(operator, published_com, monkeypatch):
    Zone.objects.filter(pk=published_com.pk).update(servers=[*published_com.servers, "gone.example.net."])
    asked = []
    monkeypatch.setattr(probe, "served_serials", lambda targets, port, timeout: asked.extend(targets) or [])
    page = operator.get(reverse("admin:resolver_zone_changelist")).content.decode()
    assert "gone.example.net: not in the network plan" in page
    assert "gone.example.net." not in [t.server for t in asked]
