"""The nameserver-rental service: hosted zones, change batches, publication and INSYNC."""

import time
from datetime import timedelta

import dns.name
import pytest

from config import clock
from registrar import services as registrar
from resolver import rental
from resolver.choices import ChangeStatus
from resolver.dns.wire import records as rr
from resolver.models import Change, HostedZone, RecordSet, Zone
from tests.conftest import GOOD_CARD


def hold(customer, name: str) -> None:
    """Make ``customer`` the holder of ``name`` the way the order pipeline does."""
    order, _ = registrar.place_order(
        customer, [{"domain": name, "nameservers": ["ns1.example.org", "ns2.example.org"]}], GOOD_CARD
    )
    line = order.lines.get()
    expires = (clock.now() + timedelta(days=365)).isoformat()
    registrar.apply_registry_result(order.pk, line.pk, {"ok": True, "sv_trid": "t", "data": {"expires_at": expires}})


@pytest.fixture
def zone(customer) -> HostedZone:
    hold(customer, "example.com")
    zone, _, _ = rental.create_hosted_zone(customer.user, "example.com", caller_reference="first")
    return zone


def upsert(name: str, rtype: str, *values: str, ttl: int = 300, **extra) -> dict:
    return {
        "action": "UPSERT",
        "record_set": {"name": name, "type": rtype, "ttl": ttl, "values": list(values), **extra},
    }


def rows(zone: HostedZone) -> set[tuple]:
    return {(r.name, r.type, r.ttl, tuple(r.values), r.alias_target) for r in zone.record_sets.all()}


def test_a_zone_gets_four_rental_nameservers_one_per_pool_domain(zone, settings):
    pool = {s.name for s in settings.NETWORK_PLAN.rental_nameservers}
    assert len(zone.nameservers) == 4 and set(zone.nameservers) <= pool
    assert len({name.split(".", 1)[1] for name in zone.nameservers}) == 4
    assert zone.id.startswith("Z") and zone.name == "example.com."
    assert zone.changes.get().status == ChangeStatus.PENDING


def test_anyone_may_make_a_zone_for_any_name_below_a_tld_outside_the_pool_domains(customer, second_customer):
    hold(customer, "mine.com")
    theirs, _, created = rental.create_hosted_zone(second_customer.user, "mine.com", caller_reference="x")
    assert created and theirs.name == "mine.com."
    below, _, _ = rental.create_hosted_zone(customer.user, "Shop.Mine.com.", caller_reference="sub")
    assert below.name == "shop.mine.com."
    assert rental.create_hosted_zone(second_customer.user, "not-registered-anywhere.net", caller_reference="n")[2]
    for name, reason in [
        ("com", "top-level domain"),
        ("*.mine.com", "cannot start with a wildcard"),
        ("ns-1.namesmith-dns.com", "reserved by Namesmith"),
    ]:
        with pytest.raises(rental.RentalError, match=reason):
            rental.create_hosted_zone(customer.user, name, caller_reference=name)


def test_zones_of_one_name_never_share_a_nameserver_and_the_pool_grows_for_them(customer, second_customer, settings):
    made = [
        rental.create_hosted_zone(owner.user, "shared.com", caller_reference=f"z{n}")[0]
        for n, owner in enumerate([customer, second_customer, customer, second_customer])
    ]
    servers = [name for zone in made for name in zone.nameservers]
    assert len(servers) == len(set(servers)) == 16
    for zone in made:  # one server in each pool domain, as Route 53 spreads a set over its TLDs
        assert len({name.split(".", 1)[1] for name in zone.nameservers}) == 4
    plan = settings.NETWORK_PLAN
    grown = {s.name for s in rental.grown_servers()}
    assert grown == set(servers) - {s.name for s in plan.rental_nameservers} and len(grown) == 8
    assert all(plan.rental_server_number(name) for name in grown)


def test_a_new_zone_avoids_the_servers_another_accounts_delegation_points_at(customer, second_customer):
    parent, _, _ = rental.create_hosted_zone(customer.user, "parent.com", caller_reference="p")
    rental.change_record_sets(customer.user, parent.pk, [upsert("sub.parent.com", "NS", "ns-1.namesmith-dns.com.")])
    delegated = {"ns-1.namesmith-dns.com."}
    for n in range(6):  # whatever is drawn, never the server the delegation points at
        zone, _, _ = rental.create_hosted_zone(second_customer.user, "sub.parent.com", caller_reference=f"s{n}")
        assert not delegated & set(zone.nameservers)
        deeper, _, _ = rental.create_hosted_zone(second_customer.user, "a.sub.parent.com", caller_reference=f"d{n}")
        assert not delegated & set(deeper.nameservers)


def test_the_same_caller_reference_returns_the_first_zone_and_a_set_in_use_for_the_name_is_refused(zone, customer):
    again, _, created = rental.create_hosted_zone(customer.user, "example.com", caller_reference="first")
    assert again == zone and not created
    with pytest.raises(rental.Conflict, match=r"already made the zone example\.com\."):
        rental.create_hosted_zone(customer.user, "www.example.com", caller_reference="first")
    with pytest.raises(rental.RentalError, match=r"already serve another zone of example\.com\.") as refused:
        rental.create_hosted_zone(customer.user, "example.com", caller_reference="other", nameservers=zone.nameservers)
    assert refused.value.code == "conflicting_domain"


def test_a_change_batch_creates_upserts_and_deletes_record_sets(zone, customer):
    first = rental.change_record_sets(
        customer.user,
        zone.pk,
        [upsert("www.example.com", "A", "192.0.2.44"), upsert("example.com.", "MX", "10 mail.example.com.")],
    )
    assert (first.status, first.version, first.serial) == (ChangeStatus.PENDING, 2, None)
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [
            upsert("www.example.com", "A", "192.0.2.45", "192.0.2.46", ttl=60),
            {"action": "DELETE", "record_set": upsert("example.com", "MX", "10 mail.example.com.")["record_set"]},
            {
                "action": "CREATE",
                "record_set": {"name": "txt.example.com", "type": "TXT", "ttl": 5, "values": ['"hi there"']},
            },
        ],
    )
    zone.refresh_from_db()
    assert zone.version == 3
    assert rows(zone) == {
        ("www.example.com.", "A", 60, ("192.0.2.45", "192.0.2.46"), ""),
        ("txt.example.com.", "TXT", 5, ('"hi there"',), ""),
    }


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (upsert("example.com", "CNAME", "other.example.net."), "cannot sit at the zone apex"),
        (upsert("www.example.com", "CNAME", "other.example.net."), "has a CNAME, so it cannot hold other types (A)"),
        (upsert("www.example.com", "A", "300.1.2.3"), "'300.1.2.3' is not a valid A value"),
        (upsert("www.example.com", "A", "192.0.2.1", ttl=2**31), "outside 0-2147483647"),
        (upsert("www.example.net", "A", "192.0.2.1"), "not in the zone example.com."),
        (upsert("example.com", "NS", "ns1.example.net."), "delegation set, kept by the service"),
        (upsert("example.com", "SOA", "a. b. 1 2 3 4 5"), "SOA record is kept by the service"),
        (upsert("sub.example.com", "DS", "12345 13 2 " + "ab" * 32), "add the NS record set at the same name"),
        (upsert("www.example.com", "A", "192.0.2.1", "192.0.2.1"), "given twice"),
        ({"action": "CREATE", "record_set": upsert("www.example.com", "A", "192.0.2.9")["record_set"]}, "exists"),
        ({"action": "DELETE", "record_set": upsert("www.example.com", "A", "192.0.2.9")["record_set"]}, "differ"),
        ({"action": "DELETE", "record_set": upsert("no.example.com", "A", "192.0.2.9")["record_set"]}, "no such"),
        ({"action": "RENAME", "record_set": upsert("www.example.com", "A", "192.0.2.9")["record_set"]}, "action must"),
        (upsert("example.com", "A", ttl=None, alias_target="gone.example.com"), "has no A record set"),
        (
            upsert("w.example.com", "A", "192.0.2.1", routing="latency", region="eu", set_identifier="a"),
            "region: one of the network plan's regions",
        ),
        (
            upsert("w.example.com", "A", "192.0.2.1", routing="geolocation", location="EU", set_identifier="a"),
            "location: '*', 'continent:XX'",
        ),
        (upsert("w.example.com", "A", "192.0.2.1", routing="weighted", weight=1), "needs a set_identifier"),
        (upsert("w.example.com", "A", "192.0.2.1", routing="weighted", weight=256, set_identifier="a"), "0 to 255"),
        (upsert("w.example.com", "A", "192.0.2.1", routing="failover", set_identifier="a"), "PRIMARY or SECONDARY"),
        (upsert("w.example.com", "A", "192.0.2.1", routing="multivalue", weight=3, set_identifier="a"), "do not apply"),
        (upsert("www.example.com", "A", "192.0.2.1", routing="weighted", weight=1, set_identifier="b"), "mix routing"),
    ],
)
def test_a_batch_with_one_bad_change_changes_nothing_and_names_it(zone, customer, bad, reason):
    rental.change_record_sets(customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.44")])
    zone.refresh_from_db()
    before, version, changes = rows(zone), zone.version, Change.objects.count()
    batch = [upsert("ok.example.com", "A", "192.0.2.1"), bad, upsert("ok2.example.com", "A", "192.0.2.2")]
    with pytest.raises(rental.ChangeRejected) as rejected:
        rental.change_record_sets(customer.user, zone.pk, batch)
    assert rejected.value.index == 1 and rejected.value.message.startswith("change 1 (")
    assert reason in rejected.value.message
    zone.refresh_from_db()
    assert (rows(zone), zone.version, Change.objects.count()) == (before, version, changes)


def test_an_apex_alias_answers_with_its_targets_records(zone, customer):
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [
            upsert("www.example.com", "A", "192.0.2.44"),
            upsert("example.com", "A", ttl=None, alias_target="www.example.com"),
        ],
    )
    stored = rental.publish_hosted_zone(zone.pk)
    assert ["example.com.", 300, "A", "192.0.2.44"] in stored.records
    with pytest.raises(rental.ChangeRejected, match=r"change 0 \(DELETE www.example.com A\).*has no A record set"):
        rental.change_record_sets(
            customer.user,
            zone.pk,
            [{"action": "DELETE", "record_set": upsert("www.example.com", "A", "192.0.2.44")["record_set"]}],
        )


def test_publication_serves_the_delegation_set_and_gives_changes_their_serial(zone, customer):
    change = rental.change_record_sets(customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.44")])
    stored = rental.publish_hosted_zone(zone.pk)
    assert stored.servers == zone.nameservers and stored.version == 2
    soa = next(r for r in stored.records if r[2] == "SOA")
    assert soa[3].startswith(zone.nameservers[0]) and soa[3].endswith(f"{stored.serial} 7200 900 1209600 86400")
    assert {r[3] for r in stored.records if r[2] == "NS"} == set(zone.nameservers)
    assert set(Change.objects.values_list("serial", flat=True)) == {stored.serial}
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING  # published is not served: only observation says INSYNC


def test_a_change_stays_pending_while_its_nameservers_do_not_answer(zone, customer):
    rental.change_record_sets(customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.44")])
    rental.publish_hosted_zone(zone.pk)
    # Nothing listens on the plan's addresses here, and the probes hear so at once.
    started = time.monotonic()
    assert rental.observe_changes(zone.pk, timeout=5) == rental.Observed(pending=2, answering=0)
    assert time.monotonic() - started < 2
    assert set(Change.objects.values_list("status", flat=True)) == {ChangeStatus.PENDING}


def test_the_sweep_takes_only_changes_pending_for_a_while(zone, customer, settings):
    settings.ZONE_REQUEST_STALE_AFTER = 30
    # The publication task of this one never ran.
    lost = rental.create_hosted_zone(customer.user, "lost.example.com", caller_reference="lost")[0]
    rental.publish_hosted_zone(zone.pk)
    assert rental.stale_changes() == rental.Stale([], [])  # fresh: their own tasks see to them
    Change.objects.update(submitted_at=clock.now() - timedelta(seconds=31))
    assert rental.stale_changes() == rental.Stale(unpublished=[lost.pk], unobserved=[zone.pk])
    rental.publish_hosted_zone(lost.pk)
    assert rental.stale_changes() == rental.Stale(unpublished=[], unobserved=sorted([lost.pk, zone.pk]))


def test_a_zone_is_deleted_only_once_empty(zone, customer):
    rental.change_record_sets(customer.user, zone.pk, [upsert("www.example.com", "A", "192.0.2.44")])
    rental.publish_hosted_zone(zone.pk)
    with pytest.raises(rental.Conflict, match="still has 1 record sets"):
        rental.delete_hosted_zone(customer.user, zone.pk)
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [{"action": "DELETE", "record_set": upsert("www.example.com", "A", "192.0.2.44")["record_set"]}],
    )
    rental.delete_hosted_zone(customer.user, zone.pk)
    assert not HostedZone.objects.exists() and not RecordSet.objects.exists()
    assert not Zone.objects.filter(name="example.com.").exists()


def test_routed_record_sets_are_published_with_their_policy(zone, customer):
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [
            upsert("app.example.com", "A", "192.0.2.1", routing="weighted", weight=3, set_identifier="blue"),
            upsert("app.example.com", "A", "192.0.2.2", routing="weighted", weight=1, set_identifier="green"),
            upsert("www.example.com", "A", "192.0.2.10", routing="failover", failover="primary", set_identifier="main"),
            upsert("www.example.com", "A", "192.0.2.20", routing="failover", failover="SECONDARY", set_identifier="dr"),
        ],
    )
    stored = rental.publish_hosted_zone(zone.pk)
    by_name = {entry["name"]: entry for entry in stored.routed}
    assert by_name["app.example.com."]["policy"] == "weighted"
    assert sorted((m["id"], m["weight"], m["values"]) for m in by_name["app.example.com."]["members"]) == [
        ("blue", 3, ["192.0.2.1"]),
        ("green", 1, ["192.0.2.2"]),
    ]
    assert sorted(m["role"] for m in by_name["www.example.com."]["members"]) == ["PRIMARY", "SECONDARY"]
    assert not [r for r in stored.records if r[0] in by_name]  # routed sets are not plain records
    with pytest.raises(rental.ChangeRejected, match="more than one PRIMARY"):
        rental.change_record_sets(
            customer.user,
            zone.pk,
            [upsert("www.example.com", "A", "192.0.2.30", routing="failover", failover="PRIMARY", set_identifier="x")],
        )


def test_latency_and_geolocation_record_sets_carry_their_region_and_location(zone, customer):
    rental.change_record_sets(
        customer.user,
        zone.pk,
        [
            upsert("api.example.com", "A", "192.0.2.1", routing="latency", region="us-east-1", set_identifier="us"),
            upsert("api.example.com", "A", "192.0.2.2", routing="latency", region="eu-west-1", set_identifier="eu"),
            upsert(
                "geo.example.com", "A", "192.0.2.3", routing="geolocation", location="Country:kr", set_identifier="kr"
            ),
            upsert("geo.example.com", "A", "192.0.2.4", routing="geolocation", location="*", set_identifier="rest"),
        ],
    )
    stored = rental.publish_hosted_zone(zone.pk)
    members = {(e["name"], m["id"]): (m["region"], m["location"]) for e in stored.routed for m in e["members"]}
    assert members == {
        ("api.example.com.", "us"): ("us-east-1", ""),
        ("api.example.com.", "eu"): ("eu-west-1", ""),
        ("geo.example.com.", "kr"): ("", "country:KR"),
        ("geo.example.com.", "rest"): ("", "*"),
    }
    with pytest.raises(rental.ChangeRejected, match="two record sets for the same region"):
        rental.change_record_sets(
            customer.user,
            zone.pk,
            [upsert("api.example.com", "A", "192.0.2.9", routing="latency", region="us-east-1", set_identifier="x")],
        )


def test_the_holder_of_a_delegated_name_gets_back_the_servers_its_registration_points_at(customer, second_customer):
    from resolver.services import publish_zone

    hold(customer, "back.com")
    delegated = [
        "ns-1.namesmith-dns.com.",
        "ns-2.namesmith-dns.net.",
        "ns-3.namesmith-dns.org.",
        "ns-4.namesmith-dns.kr.",
    ]
    com = [
        ["com.", 900, "SOA", "a.gtld-servers.net. hostmaster.nic.com. 1 7200 900 1209600 86400"],
        ["com.", 172800, "NS", "a.gtld-servers.net."],
        *(["back.com.", 172800, "NS", server] for server in delegated),
    ]
    publish_zone("com.", "tld", com, ["a.gtld-servers.net."])
    others, _, _ = rental.create_hosted_zone(second_customer.user, "back.com", caller_reference="squat")
    assert not set(others.nameservers) & set(delegated)
    own, _, _ = rental.create_hosted_zone(customer.user, "back.com", caller_reference="mine")
    assert sorted(own.nameservers) == sorted(delegated)
    again, _, _ = rental.create_hosted_zone(customer.user, "back.com", caller_reference="mine-too")
    assert not set(again.nameservers) & set(delegated)  # those serve the first zone now


def test_a_burst_of_changes_queues_one_publication_until_it_starts(
    zone, customer, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args=None, **options: sent.append((name, args)))
    rental.publish_hosted_zone(zone.pk)  # the zone's first publication, as the worker would run it
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            rental.change_record_sets(customer.user, zone.pk, [upsert(f"n{n}.example.com", "A", "192.0.2.1")])
    assert sent == [(rental.PUBLISH_TASK, [zone.pk])]
    stored = rental.publish_hosted_zone(zone.pk)  # carries all three
    assert {c.serial for c in Change.objects.filter(zone=zone).exclude(comment="zone created")} == {stored.serial}
    with django_capture_on_commit_callbacks(execute=True):
        rental.change_record_sets(customer.user, zone.pk, [upsert("late.example.com", "A", "192.0.2.1")])
    assert len(sent) == 2  # started publications take no later change: the next one is queued


def test_a_change_batch_publishes_only_the_names_it_touched_and_the_zone_equals_a_full_build(zone, monkeypatch):
    """After the first publication, each batch sends the store its names alone (aliases
    that point at them too); the stored zone is then what a full build would store."""
    rental.publish_hosted_zone(zone.pk)
    batches = [
        [upsert("www.example.com", "A", "192.0.2.1"), upsert("mail.example.com", "A", "192.0.2.25")],
        [
            upsert("example.com", "MX", "10 mail.example.com."),
            {
                "action": "CREATE",
                "record_set": {"name": "apex-alias.example.com", "type": "A", "alias_target": "www.example.com"},
            },
        ],
        [upsert("www.example.com", "A", "192.0.2.2", "192.0.2.3", ttl=60)],  # the alias answers anew
        [
            {
                "action": "DELETE",
                "record_set": {"name": "mail.example.com", "type": "A", "ttl": 300, "values": ["192.0.2.25"]},
            }
        ],
        [upsert("example.com", "TXT", '"v=spf1 -all"')],  # at the apex: SOA and NS go along
    ]
    whole = []
    monkeypatch.setattr(rental.publication, "publish_zone", lambda *a, **k: whole.append(a))
    for batch in batches:
        rental.change_record_sets(zone.owner, zone.pk, batch)
        stored = rental.publish_hosted_zone(zone.pk)
        assert stored.version == HostedZone.objects.get(pk=zone.pk).version
        full, routed = rental.zone_records(zone, zone.record_sets.select_related("health_check"))
        origin = dns.name.from_text("example.com.")
        assert sorted(map(tuple, rr.with_serial(stored.records, origin, 0))) == sorted(
            map(tuple, rr.with_serial(full, origin, 0))
        )
        assert stored.routed == routed
    assert whole == []  # never the whole zone
    changes = [
        set(map(tuple, d.added)) - {tuple(r) for r in d.added if r[2] == "SOA"}
        for d in stored.deltas.order_by("serial_to")
    ]
    assert ("apex-alias.example.com.", 60, "A", "192.0.2.2") in changes[-3]  # the alias followed its target
