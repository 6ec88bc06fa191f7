"""Health checks: probes of real loopback endpoints, checker verdicts, the 18% rule,
overrides, calculated checks, history and mail, and the zones they republish."""

import dataclasses
import http.server
import socket
import threading

import pytest

from resolver import health, rental
from resolver.choices import HealthStatus
from resolver.models import HealthCheck, HealthEvent
from tests.resolver.test_rental import hold, upsert

ORIGIN = "127.0.0.1"


class Origin:
    """A small web server on a loopback port, like the demo origins."""

    def __init__(self, body: bytes = b"origin one says hello", status: int = 200, port: int = 0) -> None:
        page, code = body, status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # the stdlib's name
                self.send_response(code)
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((ORIGIN, port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origin():
    server = Origin()
    yield server
    server.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind((ORIGIN, 0))
        return probe.getsockname()[1]


def http_check(owner, port: int, **extra) -> HealthCheck:
    return health.create_health_check(
        owner, {"kind": "HTTP", "ip_address": ORIGIN, "port": port, "interval": 10, "failure_threshold": 2, **extra}
    )


def rounds(check: HealthCheck, ok: bool, count: int) -> HealthCheck:
    for _ in range(count):
        health.record(check.pk, {where: health.Probe(ok, "test") for where in health.locations(check)})
    check.refresh_from_db()
    return check


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"kind": "HTTP", "ip_address": "not-an-address"}, "is not an IP address"),
        ({"kind": "HTTP"}, "needs an ip_address, a host"),
        ({"kind": "HTTP", "host": "bad..name"}, "host: "),
        ({"kind": "HTTP", "ip_address": "127.0.0.1", "regions": ["us-east-1", "eu-west-1"]}, "at least 3"),
        ({"kind": "HTTP", "ip_address": "127.0.0.1", "inverted": "yes"}, "inverted: true or false"),
        ({"kind": "CALCULATED", "children": ["nope"], "interval": 10}, "belongs to an endpoint check"),
        ({"kind": "HTTP", "ip_address": "127.0.0.1", "interval": 20}, "10 or 30"),
        ({"kind": "HTTP", "ip_address": "127.0.0.1", "failure_threshold": 11}, "from 1 to 10"),
        ({"kind": "TCP", "ip_address": "127.0.0.1", "search_string": "x"}, "only connects"),
        ({"kind": "PING", "ip_address": "127.0.0.1"}, "kind must be one of"),
        ({"kind": "CALCULATED", "children": ["nope"]}, "no health check nope"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(customer, data, reason):
    with pytest.raises(health.HealthCheckError, match=reason):
        health.create_health_check(customer.user, data)
    assert not HealthCheck.objects.exists()


def test_probes_see_the_endpoint_as_it_is(customer, origin):
    assert health.probe(http_check(customer.user, origin.port)) == health.Probe(
        True, "Success: HTTP Status Code 200, OK"
    )
    matching = http_check(customer.user, origin.port, search_string="says hello")
    assert health.probe(matching).ok
    missing = http_check(customer.user, origin.port, search_string="goodbye")
    assert health.probe(missing) == health.Probe(
        False, "Failure: HTTP Status Code 200, OK; 'goodbye' is not in the first 5120 bytes of the body"
    )
    tcp = health.create_health_check(customer.user, {"kind": "TCP", "ip_address": ORIGIN, "port": origin.port})
    assert health.probe(tcp) == health.Probe(True, "Success: TCP connection established")
    down = http_check(customer.user, closed_port())
    refused = health.probe(down)
    assert not refused.ok and refused.detail.startswith("Failure: ConnectionRefusedError")


def test_an_error_status_is_unhealthy(customer):
    broken = Origin(status=503)
    try:
        probed = health.probe(http_check(customer.user, broken.port))
        assert probed == health.Probe(False, "Failure: HTTP Status Code 503, Service Unavailable")
    finally:
        broken.stop()


def test_a_check_turns_unhealthy_after_the_threshold_and_back(customer, mailoutbox, django_capture_on_commit_callbacks):
    check = http_check(customer.user, closed_port())  # threshold 2
    with django_capture_on_commit_callbacks(execute=True):
        assert rounds(check, False, 1).status == HealthStatus.HEALTHY
        assert rounds(check, False, 1).status == HealthStatus.UNHEALTHY
        assert rounds(check, True, 1).status == HealthStatus.UNHEALTHY
        assert rounds(check, True, 1).status == HealthStatus.HEALTHY
    assert list(HealthEvent.objects.filter(health_check=check).values_list("status", flat=True)) == [
        HealthStatus.HEALTHY,
        HealthStatus.UNHEALTHY,
    ]
    assert [m.subject for m in mailoutbox] == [
        f"Health check {check.pk} is UNHEALTHY",
        f"Health check {check.pk} is HEALTHY",
    ]
    assert mailoutbox[0].to == [customer.user.email]


@pytest.mark.parametrize(
    ("locations", "healthy_ones", "expected"),
    [(3, 1, "HEALTHY"), (3, 0, "UNHEALTHY"), (6, 1, "UNHEALTHY"), (6, 2, "HEALTHY")],
)
def test_a_check_is_healthy_while_more_than_18_percent_of_checkers_say_so(
    customer, settings, locations, healthy_ones, expected
):
    settings.HEALTH_CHECKER_LOCATIONS = [f"loc{i}" for i in range(locations)]
    check = http_check(customer.user, closed_port(), failure_threshold=1)
    results = {f"loc{i}": health.Probe(i < healthy_ones, "test") for i in range(locations)}
    health.record(check.pk, results)
    check.refresh_from_db()
    assert check.status == expected


def test_an_override_forces_the_status_until_removed(customer):
    check = http_check(customer.user, closed_port())
    assert not health.set_override(customer.user, check.pk, "unhealthy").healthy
    assert health.set_override(customer.user, check.pk, "").healthy
    assert HealthEvent.objects.filter(health_check=check).count() == 2
    with pytest.raises(rental.NotFound):
        health.set_override(customer.user, "nope", "HEALTHY")


def test_a_calculated_check_follows_its_children(customer):
    one, two = http_check(customer.user, closed_port()), http_check(customer.user, closed_port())
    both = health.create_health_check(
        customer.user, {"kind": "CALCULATED", "children": [one.pk, two.pk], "healthy_threshold": 2}
    )
    assert both.healthy
    health.set_override(customer.user, one.pk, "UNHEALTHY")
    both.refresh_from_db()
    assert not both.healthy and both.events.get().reason == f"child {one.pk} is unhealthy"
    with pytest.raises(rental.Conflict, match="in use"):
        health.delete_health_check(customer.user, one.pk)


def test_due_checks_are_probed_once_and_scheduled_again(customer, origin):
    check = http_check(customer.user, origin.port)
    assert health.run_due_checks() == 1
    assert health.run_due_checks() == 0  # not due again for another interval
    check.refresh_from_db()
    assert check.observations.count() == len(health.locations(check))
    assert all(o.last_ok and o.detail == "Success: HTTP Status Code 200, OK" for o in check.observations.all())
    assert (check.next_check_at - check.created_at).total_seconds() >= 10


def test_an_unhealthy_check_takes_its_record_sets_out_of_the_published_zone(customer):
    hold(customer, "example.com")
    zone, _, _ = rental.create_hosted_zone(customer.user, "example.com", caller_reference="z")
    check = http_check(customer.user, closed_port())
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [
            upsert(
                "www.example.com",
                "A",
                "192.0.2.10",
                routing="failover",
                failover="PRIMARY",
                set_identifier="main",
                health_check=check.pk,
            ),
            upsert("www.example.com", "A", "192.0.2.20", routing="failover", failover="SECONDARY", set_identifier="dr"),
        ],
    )
    zone.refresh_from_db()
    version = zone.version
    health.set_override(customer.user, check.pk, "UNHEALTHY")
    zone.refresh_from_db()
    assert zone.version == version + 1  # republished
    stored = rental.publish_hosted_zone(zone.pk)
    members = {m["id"]: m["healthy"] for m in stored.routed[0]["members"]}
    assert members == {"main": False, "dr": True}


def test_a_record_set_may_only_name_the_owners_health_check(customer, second_customer):
    hold(customer, "example.com")
    zone, _, _ = rental.create_hosted_zone(customer.user, "example.com", caller_reference="z")
    theirs = http_check(second_customer.user, closed_port())
    with pytest.raises(rental.ChangeRejected, match=f"no health check {theirs.pk}"):
        rental.change_record_sets(
            customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.1", health_check=theirs.pk)]
        )


class Resolver:
    """A stand-in for run_resolver on the plan's resolver address: names to addresses."""

    def __init__(self, settings, answers: dict[str, str]) -> None:
        import dns.message
        import dns.rrset

        plan = settings.NETWORK_PLAN
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((plan.resolver.address, 0))
        settings.NETWORK_PLAN = dataclasses.replace(
            plan, resolver=dataclasses.replace(plan.resolver, port=self.sock.getsockname()[1])
        )

        def serve() -> None:
            while True:
                try:
                    wire, client = self.sock.recvfrom(4096)
                except OSError:
                    return
                query = dns.message.from_wire(wire)
                reply = dns.message.make_response(query)
                name = query.question[0].name.to_text().rstrip(".")
                if name in answers:
                    reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", answers[name]))
                else:
                    reply.set_rcode(dns.rcode.NXDOMAIN)
                self.sock.sendto(reply.to_wire(), client)

        threading.Thread(target=serve, daemon=True).start()

    def stop(self) -> None:
        self.sock.close()


def test_an_endpoint_outside_the_emulated_network_is_never_probed_and_its_status_is_the_settings(customer, settings):
    check = health.create_health_check(customer.user, {"kind": "HTTP", "ip_address": "192.0.2.44"})
    assert health.probe(check) == health.Probe(
        True, "Success: not probed: 192.0.2.44 is outside the emulated network (HEALTH_OUTSIDE_STATUS=HEALTHY)"
    )
    settings.HEALTH_OUTSIDE_STATUS = "UNHEALTHY"
    assert not health.probe(check).ok


def test_a_host_is_resolved_through_the_emulated_resolver_and_probed_only_inside(customer, origin, settings):
    resolver = Resolver(settings, {"inside.example.com": ORIGIN, "outside.example.com": "198.51.100.7"})
    try:
        inside = health.create_health_check(
            customer.user, {"kind": "HTTP", "host": "Inside.Example.com.", "port": origin.port}
        )
        assert inside.host == "inside.example.com" and inside.ip_address is None
        assert health.probe(inside) == health.Probe(True, "Success: HTTP Status Code 200, OK")
        outside = health.create_health_check(customer.user, {"kind": "HTTP", "host": "outside.example.com"})
        assert "not probed: 198.51.100.7 is outside the emulated network" in health.probe(outside).detail
        missing = health.create_health_check(customer.user, {"kind": "HTTP", "host": "nowhere.example.com"})
        assert health.probe(missing) == health.Probe(False, "Failure: nowhere.example.com did not resolve (NXDOMAIN)")
    finally:
        resolver.stop()


def test_an_inverted_check_is_healthy_when_its_checkers_say_not_and_a_disabled_one_always(customer):
    inverted = http_check(customer.user, closed_port(), inverted=True, failure_threshold=1)
    assert rounds(inverted, False, 1).status == HealthStatus.HEALTHY
    assert rounds(inverted, True, 1).status == HealthStatus.UNHEALTHY
    disabled = http_check(customer.user, closed_port(), disabled=True)
    assert disabled.healthy
    assert health.run_due_checks() == 1  # the inverted one alone: a disabled check is not probed
    assert not disabled.observations.exists()


def test_a_check_s_regions_are_its_checker_locations(customer):
    regions = ["ap-southeast-1", "sa-east-1", "us-west-2"]
    check = http_check(customer.user, closed_port(), regions=list(reversed(regions)))
    assert check.regions == regions and health.locations(check) == tuple(regions)


def test_a_caller_reference_finds_the_same_check_and_refuses_other_settings(customer):
    first = http_check(customer.user, closed_port(), caller_reference="hc-1")
    again = http_check(customer.user, first.port, caller_reference="hc-1")
    assert again.pk == first.pk and HealthCheck.objects.count() == 1
    with pytest.raises(rental.Conflict, match="A different health check has already been created"):
        http_check(customer.user, first.port, caller_reference="hc-1", path="/other")


def test_an_update_makes_a_new_version_and_one_based_on_an_old_version_is_refused(customer):
    check = http_check(customer.user, closed_port(), host="www.example.com")
    changed = health.update_health_check(customer.user, check.pk, {"path": "/health", "inverted": True}, version=1)
    assert (changed.version, changed.path, changed.inverted) == (2, "/health", True)
    with pytest.raises(rental.Conflict, match="at version 2, newer than 1"):
        health.update_health_check(customer.user, check.pk, {"path": "/"}, version=1)
    cleared = health.update_health_check(customer.user, check.pk, {}, reset=("host", "path"))
    assert (cleared.host, cleared.path, cleared.version) == ("", "/", 3)
    with pytest.raises(health.HealthCheckError, match="cannot change after creation"):
        health.update_health_check(customer.user, check.pk, {"interval": 30})
