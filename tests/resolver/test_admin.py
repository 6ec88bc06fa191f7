"""The DNS side of the operator admin: pages that render, and actions that go through
the same services as the API and commands."""

import pytest
from django.urls import reverse

from resolver import health, origins, rental
from resolver.models import DemoOrigin, HealthCheck
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
