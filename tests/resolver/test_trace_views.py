"""The trace page and the resolver cache page, against the small loopback Internet's resolver."""

import dataclasses
import socket

import pytest

from config.network import Endpoint
from tests.resolver.internet import RESOLVER


@pytest.fixture
def pointed(net, settings):
    """Settings whose resolver (and its control channel) is the small Internet's."""
    settings.NETWORK_PLAN = dataclasses.replace(settings.NETWORK_PLAN, resolver=Endpoint(RESOLVER, net.port))
    settings.RESOLVER_CONTROL_PORT = net.resolver_server.control_port
    return net


@pytest.mark.django_db
def test_the_trace_page_shows_each_hop_and_why_the_browser_step_is_skipped(client, pointed):
    page = client.get("/dns/trace/", {"name": "chain.example.com", "type": "A"}).content.decode()
    assert "status: NOERROR" in page
    assert ";; flags: qr rd ra;" in page and "recursion requested but not available" not in page
    assert "chain.example.com.\t300\tIN\tCNAME\talias.example.com." in page
    for zone, outcome in ((".", "referral"), ("com.", "referral"), ("example.com.", "cname"), ("net.", "referral")):
        assert f'data-zone="{zone}" data-cached="no" data-outcome="{outcome}"' in page
    assert 'data-zone="example.net." data-cached="no" data-outcome="answer"' in page
    assert "192.0.2.80 is outside this machine&#x27;s loopback network" in page
    again = client.get("/dns/trace/", {"name": "chain.example.com", "type": "A"}).content.decode()
    assert again.count('data-cached="yes"') >= 3 and 'data-cached="no"' not in again


@pytest.mark.django_db
def test_the_trace_page_explains_bad_questions_and_a_missing_resolver(client, pointed, settings):
    bad = client.get("/dns/trace/", {"name": "bad..name", "type": "A"})
    assert bad.status_code == 400 and "is not a valid domain name" in bad.content.decode()
    wrong_type = client.get("/dns/trace/", {"name": "example.com", "type": "AXFR"})
    assert wrong_type.status_code == 400 and "is not one the trace asks" in wrong_type.content.decode()
    with socket.socket() as probe:
        probe.bind((RESOLVER, 0))
        settings.RESOLVER_CONTROL_PORT = probe.getsockname()[1]  # nothing listens there
    down = client.get("/dns/trace/", {"name": "www.example.com", "type": "A"})
    assert down.status_code == 400 and "is run_resolver running?" in down.content.decode()


@pytest.mark.django_db
def test_unicode_names_are_asked_in_their_ascii_form(client, pointed):
    page = client.get("/dns/trace/", {"name": "bücher.example.com", "type": "A"}).content.decode()
    assert "<code>xn--bcher-kva.example.com.</code>" in page and "status: NXDOMAIN" in page


@pytest.mark.django_db
def test_only_staff_see_and_flush_the_resolver_cache(client, pointed, django_user_model):
    client.get("/dns/trace/", {"name": "www.example.com", "type": "A"})
    anonymous = client.get("/dns/resolver-cache/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(django_user_model.objects.create_user("customer", password="x"))
    assert client.get("/dns/resolver-cache/").status_code == 302
    client.force_login(django_user_model.objects.create_user("operator", password="x", is_staff=True))
    page = client.get("/dns/resolver-cache/").content.decode()
    assert "<td>www.example.com.</td><td>A</td><td>answer</td>" in page
    filtered = client.get("/dns/resolver-cache/", {"q": "gtld"}).content.decode()
    assert "a.gtld-servers.net." in filtered and "www.example.com." not in filtered
    flushed = client.post("/dns/resolver-cache/", {"name": "example.com"}, follow=True).content.decode()
    assert "Flushed example.com and the names below it" in flushed and "www.example.com." not in flushed
    assert "com.</td><td>NS</td>" in flushed
    everything = client.post("/dns/resolver-cache/", {}, follow=True).content.decode()
    assert "Flushed the whole cache" in everything and "Empty." in everything


@pytest.mark.django_db
def test_a_fresh_lookup_forgets_the_cached_answer_for_the_zone_owner_only(client, pointed, django_user_model):
    from config import clock
    from resolver.models import HostedZone

    client.get("/dns/trace/", {"name": "www.example.com", "type": "A"})
    owner = django_user_model.objects.create_user("owner", password="x")
    HostedZone.objects.create(
        id="ZOWNED", owner=owner, name="example.com.", caller_reference="t", created_at=clock.now()
    )
    client.force_login(django_user_model.objects.create_user("stranger", password="x"))
    refused = client.get("/dns/trace/", {"name": "www.example.com", "type": "A", "fresh": "1"})
    assert refused.status_code == 400 and "only staff, or the owner of the hosted zone" in refused.content.decode()
    cached = client.get("/dns/trace/", {"name": "www.example.com", "type": "A"}).content.decode()
    assert 'data-zone="example.com." data-cached="yes"' in cached
    client.force_login(owner)
    fresh = client.get("/dns/trace/", {"name": "www.example.com", "type": "A", "fresh": "1"}).content.decode()
    assert 'data-zone="example.com." data-cached="no" data-outcome="answer"' in fresh
