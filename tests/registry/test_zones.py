"""Building the root and TLD zones, and asking for their publication."""

from datetime import timedelta

import dns.name
import pytest
from django.conf import settings

from config import clock
from registry import services, zones
from registry.choices import EppStatus
from registry.models import Domain, DomainStatus, ZonePublication
from resolver import zonestore as store
from resolver.dns.wire import records as rr
from resolver.models import Zone
from resolver.services import OutOfOrder, ZoneRejected, patch_zone, publish_zone


def plan_servers(tld: str) -> list[str]:
    return [s.name for s in settings.NETWORK_PLAN.servers_for_tld(tld)]


def rows(records, rtype=None, owner=None) -> list[list]:
    return [r for r in records if (rtype is None or r[2] == rtype) and (owner is None or r[0] == owner)]


@pytest.fixture
def delegated(tlds, alpha):
    """glue.com with two hosts of its own; plain.com delegated to hosts elsewhere."""
    services.create_domain(alpha, "glue.com")
    services.create_host(alpha, "ns1.glue.com", ["192.0.2.1", "2001:db8::1"])
    services.create_host(alpha, "ns2.glue.com", ["192.0.2.2"])
    services.update_nameservers(alpha, "glue.com", ["ns1.glue.com", "ns2.glue.com"])
    services.create_domain(alpha, "plain.com", nameservers=["ns1.glue.com", "ns.example.org"])
    services.create_domain(alpha, "undelegated.com")


def test_the_root_zone_delegates_every_tld_with_glue(tlds):
    records, servers = zones.build_root()
    assert servers == [s.name for s in settings.NETWORK_PLAN.root_servers]
    assert rows(records, "SOA")[0][0] == "."
    assert [r[3] for r in rows(records, "NS", ".")] == servers
    for tld in ("com", "net", "kr"):
        assert [r[3] for r in rows(records, "NS", f"{tld}.")] == plan_servers(tld)
        for name in plan_servers(tld):
            assert rows(records, "A", name)[0][3] == settings.NETWORK_PLAN.address_of(name)


def test_a_tld_zone_delegates_domains_with_nameservers_and_glue_inside_them(delegated):
    records, servers = zones.build_tld("com")
    assert servers == plan_servers("com")
    assert rows(records, "SOA")[0][3].startswith(f"{servers[0]} hostmaster.nic.com. 0 ")
    assert [r[3] for r in rows(records, "NS", "com.")] == servers
    assert [r[3] for r in rows(records, "NS", "glue.com.")] == ["ns1.glue.com.", "ns2.glue.com."]
    assert [r[3] for r in rows(records, "NS", "plain.com.")] == ["ns.example.org.", "ns1.glue.com."]
    assert rows(records, owner="undelegated.com.") == []
    assert [(r[2], r[3]) for r in rows(records, owner="ns1.glue.com.")] == [
        ("A", "192.0.2.1"),
        ("AAAA", "2001:db8::1"),
    ]


def test_domains_on_hold_and_deleted_domains_leave_the_zone_with_their_glue(delegated, alpha):
    glue = Domain.objects.get(name="glue.com")
    DomainStatus.objects.create(domain=glue, status=EppStatus.SERVER_HOLD, created_at=glue.created_at)
    services.delete_domain(alpha, "plain.com")
    records, _ = zones.build_tld("com")
    assert rows(records, owner="glue.com.") == rows(records, owner="plain.com.") == []
    assert rows(records, owner="ns1.glue.com.") == []


def test_the_plans_own_server_names_are_served_by_their_tld(tlds):
    records, _ = zones.build_tld("net")
    for name in plan_servers("com"):  # a.gtld-servers.net and friends
        assert rows(records, "A", name)[0][3] == settings.NETWORK_PLAN.address_of(name)


def test_a_tld_the_plan_does_not_name_gets_the_default_servers(tlds):
    assert zones.build_tld("kr")[1] == [s.name for s in settings.NETWORK_PLAN.servers_for_tld("kr")]
    assert settings.NETWORK_PLAN.servers_for_tld("example") == settings.NETWORK_PLAN.tld_servers["*"]


def test_built_zones_pass_the_zone_store_checks(delegated):
    for zone in (".", "com."):
        records, servers = zones.build(zone)
        assert publish_zone(zone, "root" if zone == "." else "tld", records, servers, version=1) is not None


@pytest.mark.sql
def test_publication_is_queued_once_until_the_build_starts(db, monkeypatch):
    sent = []
    monkeypatch.setattr(zones.current_app, "send_task", lambda name, args: sent.append((name, args)))
    assert zones.request_publication("com.") is True
    first = ZonePublication.objects.get(zone="com.")
    assert (first.version, first.built_at) == (0, None) and first.requested_at is not None
    assert zones.request_publication("com.") is False
    assert ZonePublication.objects.get(zone="com.").requested_at == first.requested_at
    assert sent == [("registry.tasks.publish_zone", ["com."])]
    ZonePublication.objects.filter(zone="com.").update(requested_at=None, version=3)  # the build started
    assert zones.request_publication("com.") is True and len(sent) == 2
    again = ZonePublication.objects.get(zone="com.")
    assert again.version == 3 and again.requested_at is not None


def test_builds_of_a_zone_are_spaced_by_how_long_the_last_one_took(db, monkeypatch, settings):
    settings.ZONE_BUILD_SHARE = 0.2  # a build waits 4 times as long as the last one took
    sent = []
    monkeypatch.setattr(zones.current_app, "send_task", lambda name, args, **options: sent.append((args, options)))
    assert zones.request_publication("com.") is True  # never built: at once
    # Took 1 s, done 2 s ago: the next build waits the 2 s left. Done 5 s ago: at once.
    # Took 100 s: the wait stops short of the stale-request sweep's resend.
    for took, done_ago, expected in ((1, 2, 2), (1, 5, None), (100, 0, settings.ZONE_REQUEST_STALE_AFTER / 2)):
        built_at = clock.now() - timedelta(seconds=done_ago)
        ZonePublication.objects.filter(zone="com.").update(requested_at=None, built_at=built_at, build_seconds=took)
        assert zones.request_publication("com.") is True
        assert zones.request_publication("com.") is False  # the waiting build will see this change too
        countdown = sent[-1][1].get("countdown")
        if expected is None:
            assert countdown is None
        else:
            assert countdown == pytest.approx(expected, abs=0.5)
    assert [args for args, _ in sent] == [["com."]] * 4 and sent[0][1] == {}


def test_a_build_records_how_long_it_took(delegated, monkeypatch):
    monkeypatch.setattr(zones.current_app, "send_task", lambda name, args, **options: None)
    zones.publish("com.")
    publication = ZonePublication.objects.get(zone="com.")
    assert 0 < publication.build_seconds < 5 and publication.built_at is not None


def test_a_build_sends_the_next_version_to_the_zone_store(delegated, monkeypatch):
    sent = []
    monkeypatch.setattr(zones.current_app, "send_task", lambda name, args: sent.append((name, args)))
    zones.request_publication("com.")
    assert zones.publish("com.") == 1
    assert zones.publish("com.") is None  # nothing changed since
    assert zones.publish("com.", whole=True) == 2
    assert ZonePublication.objects.get(zone="com.").requested_at is None
    name, (zone, kind, version, _records, _servers) = sent[-1]
    assert (name, zone, kind, version) == ("resolver.tasks.store_zone", "com.", "tld", 2)
    assert zones.publish("nosuchtld.") is None


def test_after_the_first_build_a_change_sends_the_store_its_domains_part_alone(
    delegated, alpha, django_capture_on_commit_callbacks, monkeypatch
):
    """Each build sends only the domains that changed (NS, DS and the glue below them),
    and the store, patching those names into what it holds, gets the zone a whole build
    gives."""
    sent = []
    monkeypatch.setattr(zones.current_app, "send_task", lambda name, args, **kw: sent.append((name, args)))
    zones.request_publication("com.")
    zones.publish("com.")
    name, (zone, kind, version, records, servers) = sent[-1]
    assert name == "resolver.tasks.store_zone"
    publish_zone(zone, kind, records, servers, version=version)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_domain(alpha, "fresh.com", nameservers=["ns1.example.org", "ns2.example.org"])
        services.update_nameservers(alpha, "plain.com", ["ns1.glue.com", "ns2.glue.com"])
    assert zones.publish("com.") == version + 1
    name, (zone, based_on, version, owners, part) = sent[-1]
    assert (name, zone, based_on, sorted(owners)) == (
        "resolver.tasks.patch_zone",
        "com.",
        1,
        ["fresh.com.", "plain.com."],
    )
    assert {r[0] for r in part} == {"fresh.com.", "plain.com."}
    patched = patch_zone(zone, owners, part, version=version, based_on=based_on, subtrees=True)
    whole, _ = zones.build("com.")
    origin = dns.name.from_text("com.")
    assert sorted(map(tuple, rr.with_serial(patched.records, origin, 0))) == sorted(
        map(tuple, rr.with_serial(whole, origin, 0))
    )
    with pytest.raises(OutOfOrder):  # a part that follows a version the store has not seen
        patch_zone(zone, owners, part, version=version + 2, based_on=version + 1, subtrees=True)


def test_committed_domain_changes_ask_for_their_tld_zone(tlds, alpha, django_capture_on_commit_callbacks, monkeypatch):
    asked = []
    monkeypatch.setattr(zones, "request_publication", lambda zone, names=None: asked.append(zone))
    with django_capture_on_commit_callbacks(execute=True):
        services.create_domain(alpha, "first.com", nameservers=["ns1.example.org", "ns2.example.org"])
        services.create_domain(alpha, "second.kr")  # no nameservers: nothing to publish
        services.update_nameservers(alpha, "second.kr", ["ns1.example.org", "ns2.example.org"])
        services.delete_domain(alpha, "first.com")
    assert asked == ["com.", "kr.", "com."]


def test_the_store_gives_each_new_version_a_higher_serial_and_ignores_late_ones(delegated):
    records, servers = zones.build("com.")
    first = publish_zone("com.", "tld", records, servers, version=5)
    assert publish_zone("com.", "tld", records, servers, version=4) is None
    changed = [*records, ["late.com.", 172800, "NS", "ns.example.org."]]
    second = publish_zone("com.", "tld", changed, servers, version=6)
    assert second.serial > first.serial
    stored = Zone.objects.get(name="com.")
    assert stored.version == 6
    assert rows(stored.records, "SOA")[0][3].split()[2] == str(second.serial)


def test_run_dns_reads_the_serials_of_all_zones_or_of_the_ones_named(delegated, monkeypatch):
    monkeypatch.setattr(store, "close_old_connections", lambda: None)  # run_dns's own thread does that; not the test's
    for zone in ("com.", "net."):
        publish_zone(zone, "tld", *zones.build(zone))
    every = store.serials()
    assert set(every) == {"com.", "net."}
    assert store.serials({"net.", "gone.example."}) == {"net.": every["net."]}


def test_an_unchanged_zone_keeps_its_serial(delegated):
    records, servers = zones.build("com.")
    first = publish_zone("com.", "tld", records, servers, version=1)
    again = publish_zone("com.", "tld", records, servers, version=2)
    assert again.serial == first.serial and again.version == 2


@pytest.mark.parametrize(
    "servers, records, message",
    [
        (["ns.nowhere.example."], None, "not a DNS server of the network plan"),
        (None, [["com.", 60, "NS", "a.example."]], "SOA"),
        (None, "extra", "record 3"),
    ],
)
def test_the_store_refuses_a_broken_zone_and_keeps_nothing(db, servers, records, message):
    good = [
        ["com.", 900, "SOA", "a.example. h.example. 0 1 1 1 1"],
        ["com.", 900, "NS", "a.example."],
        ["x.com.", 900, "A", "192.0.2.1"],
    ]
    if records == "extra":
        records = [*good, ["y.com.", 900, "A", "not-an-address"]]
    with pytest.raises(ZoneRejected, match=message):
        publish_zone("com.", "tld", records or good, servers or plan_servers("com"))
    assert not Zone.objects.exists()


def test_a_tld_added_in_the_admin_asks_for_the_root_and_its_own_zone(
    db, rf, staff, django_capture_on_commit_callbacks, monkeypatch
):
    from django.contrib import admin

    from registry.admin import TldAdmin
    from registry.models import Tld

    asked = []
    monkeypatch.setattr(zones, "request_publication", lambda zone, names=None: asked.append(zone))
    request = rf.post("/admin/registry/tld/add/")
    request.user = staff
    tld = Tld(name="dev", create_fee=100, renew_fee=100, transfer_fee=100, restore_fee=100)
    with django_capture_on_commit_callbacks(execute=True):
        TldAdmin(Tld, admin.site).save_model(request, tld, form=None, change=False)
    assert asked == [".", "dev."]


def test_a_broker_outage_leaves_the_request_for_the_stale_sweep(db, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerDown

    def fail(name, args):
        raise BrokerDown("connection refused")

    monkeypatch.setattr(zones.current_app, "send_task", fail)
    assert zones.request_publication("com.") is False
    assert ZonePublication.objects.get(zone="com.").requested_at is not None
    assert zones.stale_requests(older_than=0) == ["com."]


@pytest.mark.parametrize("status", [EppStatus.CLIENT_HOLD, EppStatus.SERVER_HOLD])
def test_a_domain_on_either_hold_is_not_delegated(delegated, status):
    plain = Domain.objects.get(name="plain.com")
    DomainStatus.objects.create(domain=plain, status=status, created_at=plain.created_at)
    records, _ = zones.build_tld("com")
    assert rows(records, owner="plain.com.") == []
    assert [r[3] for r in rows(records, "NS", "glue.com.")] == ["ns1.glue.com.", "ns2.glue.com."]


def test_server_hold_takes_the_domain_out_of_its_zone_and_unhold_brings_it_back(
    delegated, django_capture_on_commit_callbacks, monkeypatch
):
    asked = []
    monkeypatch.setattr(zones, "request_publication", lambda zone, names=None: asked.append(zone))
    with django_capture_on_commit_callbacks(execute=True):
        services.set_server_status("glue.com", EppStatus.SERVER_HOLD, on=True, actor="staff")
    assert asked == ["com."]
    records, _ = zones.build_tld("com")
    assert rows(records, owner="glue.com.") == rows(records, owner="ns1.glue.com.") == []
    assert [r[3] for r in rows(records, "NS", "plain.com.")] == ["ns.example.org.", "ns1.glue.com."]

    with django_capture_on_commit_callbacks(execute=True):
        services.set_server_status("glue.com", EppStatus.SERVER_HOLD, on=False, actor="staff")
    assert asked == ["com.", "com."]
    records, _ = zones.build_tld("com")
    assert [r[3] for r in rows(records, "NS", "glue.com.")] == ["ns1.glue.com.", "ns2.glue.com."]
    assert [r[3] for r in rows(records, owner="ns1.glue.com.")] == ["192.0.2.1", "2001:db8::1"]
