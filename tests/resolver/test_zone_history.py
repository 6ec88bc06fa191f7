"""The zone store keeps what each version of a zone changed (``ZoneDelta``): run_dns
applies those to the zone it holds, and IXFR answers from them (``zonestore.changes``)."""

from __future__ import annotations

import dns.name
import dns.tsig
import pytest

from resolver import services, updates, zonestore
from resolver.choices import ZoneKind
from resolver.models import Zone, ZoneDelta
from resolver.services import ZoneRejected, publish_zone

SERVERS = ["a.gtld-servers.net."]


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    monkeypatch.setattr(zonestore, "close_old_connections", lambda: None)  # run_dns's own thread does that


def version(*extra: list) -> list[list]:
    return [
        ["test.", 900, "SOA", "a.gtld-servers.net. hostmaster.test. 1 7200 900 1209600 86400"],
        ["test.", 172800, "NS", "a.gtld-servers.net."],
        *extra,
    ]


def publish(*extra: list, routed=()) -> Zone:
    zone = publish_zone("test", ZoneKind.TLD, version(*extra), SERVERS, routed=routed, transfer={})
    assert zone is not None
    return zone


def soa(zone: Zone) -> list:
    return next(r for r in zone.records if r[2] == "SOA")


def test_each_version_keeps_what_it_removed_and_added_with_both_soas(db):
    first = publish(["a.test.", 172800, "NS", "ns1.example.net."])
    first_soa = soa(first)
    second = publish(["a.test.", 172800, "NS", "ns2.example.net."], ["b.test.", 60, "NS", "ns1.example.net."])
    delta = ZoneDelta.objects.get(zone=second)
    assert (delta.serial_from, delta.serial_to, delta.load_whole) == (first.serial, second.serial, False)
    assert delta.removed == sorted([first_soa, ["a.test.", 172800, "NS", "ns1.example.net."]])
    assert delta.added == sorted(
        [soa(second), ["a.test.", 172800, "NS", "ns2.example.net."], ["b.test.", 60, "NS", "ns1.example.net."]]
    )


def test_the_changes_since_a_serial_chain_every_version_or_say_the_history_does_not_reach(db):
    first = publish()
    second = publish(["a.test.", 60, "NS", "ns1.example.net."])
    third = publish(["a.test.", 60, "NS", "ns1.example.net."], ["b.test.", 60, "NS", "ns1.example.net."])
    serial, servers, chain, routed = zonestore.changes("test.", first.serial)
    assert (serial, servers, routed) == (third.serial, SERVERS, False) and len(chain) == 2
    assert [r[0] for r in chain[0][1]] == ["a.test.", "test."] and [r[0] for r in chain[1][1]] == ["b.test.", "test."]
    assert len(zonestore.changes("test.", first.serial, second.serial)[2]) == 1  # up to a served serial (IXFR)
    assert zonestore.changes("test.", first.serial - 5)[2] is None  # older than the history
    assert zonestore.changes("nothing.", 1) is None


def test_the_history_keeps_the_last_versions_only(db, settings):
    settings.DNS_ZONE_HISTORY = 3
    first = publish()
    for n in range(6):
        last = publish([f"n{n}.test.", 60, "NS", "ns1.example.net."])
    assert ZoneDelta.objects.filter(zone=last).count() == 3
    assert zonestore.changes("test.", first.serial)[2] is None
    kept = ZoneDelta.objects.filter(zone=last).order_by("serial_from").first()
    assert len(zonestore.changes("test.", kept.serial_from)[2]) == 3


def test_a_change_of_routed_record_sets_is_flagged_and_shown_merged(db):
    member = {"id": "one", "ttl": 60, "values": ["192.0.2.1"], "weight": 1, "healthy": True}
    routed = [{"name": "www.test.", "type": "A", "policy": "weighted", "members": [member]}]
    publish(routed=routed)
    other = {**member, "id": "two", "values": ["192.0.2.2"]}
    last = publish(routed=[{**routed[0], "members": [member, other]}])
    delta = ZoneDelta.objects.get(zone=last)
    assert delta.load_whole and ["www.test.", 60, "A", "192.0.2.2"] in delta.added
    assert ["www.test.", 60, "A", "192.0.2.1"] not in delta.added + delta.removed  # unchanged in the merged view


def test_who_may_transfer_and_whom_to_notify_are_checked_and_stored(db, settings):
    zone = publish_zone(
        "test",
        ZoneKind.TLD,
        version(),
        SERVERS,
        notify=["127.0.0.1:5301", "127.0.0.2", "[::1]:53"],
        transfer={"allow": ["127.9.0.0/16", "::1"], "key": "Xfr.Test"},
    )
    assert zone.notify == ["127.0.0.1:5301", "127.0.0.2:53", "[::1]:53"]
    assert zone.transfer == {"allow": ["127.9.0.0/16", "::1/128"], "key": "xfr.test."}
    again = publish_zone("test", ZoneKind.TLD, version(), SERVERS, transfer={})  # only the policy changed
    assert again.serial > zone.serial and ZoneDelta.objects.get(zone=again).load_whole
    for notify, transfer, message in [
        (["192.0.2.1"], {}, "only loopback addresses"),
        (["127.0.0.1:99999"], {}, "the port is 1-65535"),
        (["ns.example."], {}, "an IP address"),
        ([], {"allow": ["nonsense"]}, "a network"),
        ([], {"deny": []}, "unknown deny"),
    ]:
        with pytest.raises(ZoneRejected, match=message):
            publish_zone("test", ZoneKind.TLD, version(), SERVERS, notify=notify, transfer=transfer)


def test_the_registrys_zones_take_their_secondaries_from_the_settings(db, settings):
    settings.DNS_SECONDARIES = {"test.": {"notify": ["127.0.0.1:5301"], "allow": ["127.0.0.0/8"], "key": "xfr.test."}}
    settings.DNS_TSIG_KEYS = ["xfr.test.:hmac-sha256:c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IHNlY3JldA=="]
    services.configured_tsig_keys.cache_clear()
    try:
        zone = publish_zone("test", ZoneKind.TLD, version(), SERVERS)  # no policy given: the settings'
        assert (zone.notify, zone.transfer) == (["127.0.0.1:5301"], {"allow": ["127.0.0.0/8"], "key": "xfr.test."})
        services.check_secondaries_settings()
        assert updates.keyring(None, dns.name.from_text("xfr.test.")).algorithm == dns.tsig.HMAC_SHA256
        settings.DNS_SECONDARIES = {"test.": {"key": "other.test."}}
        with pytest.raises(ZoneRejected, match="not in DNS_TSIG_KEYS"):
            services.check_secondaries_settings()
        settings.DNS_TSIG_KEYS = ["bad:hmac-md5:abc"]
        services.configured_tsig_keys.cache_clear()
        with pytest.raises(ZoneRejected, match="is not name:hmac-sha256"):
            services.check_secondaries_settings()
    finally:
        services.configured_tsig_keys.cache_clear()


def test_a_part_that_arrives_early_waits_for_the_one_before_then_asks_for_the_whole_zone(db, monkeypatch):
    from resolver import tasks

    zone = publish()
    later, asked = [], []
    monkeypatch.setattr(tasks.patch_zone, "apply_async", lambda args, countdown: later.append(args))
    monkeypatch.setattr(tasks.current_app, "send_task", lambda name, args, kwargs: asked.append((name, args, kwargs)))
    part = [["a.test.", 60, "NS", "ns1.example.net."]]
    tasks.patch_zone(zone.key, zone.version + 1, zone.version + 2, ["a.test."], part)  # the version before is missing
    assert later == [(zone.key, zone.version + 1, zone.version + 2, ["a.test."], part, 1)] and asked == []
    tasks.patch_zone(*later[-1][:5], attempt=tasks.PATCH_WAIT_ATTEMPTS)
    assert asked == [("registry.tasks.publish_zone", [zone.key], {"whole": True})]
    tasks.patch_zone(zone.key, zone.version, zone.version + 1, ["a.test."], part)  # in order: applied
    assert ["a.test.", 60, "NS", "ns1.example.net."] in Zone.objects.get(key=zone.key).records
