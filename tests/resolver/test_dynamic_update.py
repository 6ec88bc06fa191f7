"""DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), from the wire to the hosted zone:
``resolver.updates.apply`` reads the message, checks its signature and the zone, and the
rental service turns it into one change batch. run_dns calls the same function (its
sockets are tested in test_server.py, nsupdate against the real thing in
tests/e2e/test_dynamic_update.py)."""

from __future__ import annotations

import dns.message
import dns.name
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.update
import pytest

from resolver import rental, updates
from resolver.choices import ChangeStatus
from resolver.models import Change, HostedZone

ZONE = "dynamic.net."


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    monkeypatch.setattr(updates, "close_old_connections", lambda: None)  # run_dns's own thread does that


@pytest.fixture
def zone(customer) -> HostedZone:
    zone, _, _ = rental.create_hosted_zone(customer.user, ZONE, caller_reference="dyn")
    return zone


@pytest.fixture
def key(customer, zone):
    made = rental.create_tsig_key(customer.user, zone.pk)
    return dns.tsigkeyring.from_text({made.name: (made.algorithm, made.secret)})


def send(zone: HostedZone, message: dns.message.Message, served: str = ZONE) -> dns.message.Message:
    """Apply ``message`` as run_dns would where ``zone`` is served as ``served``, and read
    the reply (its signature checked when the request was signed)."""
    reply = updates.apply(message.to_wire(), lambda name: zone.pk if name.to_text() == served else None, "127.0.0.1")
    return dns.message.from_wire(reply, keyring=message.keyring, request_mac=message.mac)


def signed(key, zone: str = ZONE) -> dns.update.UpdateMessage:
    return dns.update.UpdateMessage(zone, keyring=key, keyalgorithm=dns.tsig.HMAC_SHA256)


def records(zone: HostedZone) -> dict[tuple[str, str], tuple[int, list[str]]]:
    return {(r.name, r.type): (r.ttl, r.values) for r in zone.record_sets.all()}


def change(zone: HostedZone, *changes: dict) -> None:
    rental.change_record_sets(zone.owner, zone.pk, list(changes))


def upsert(name: str, rtype: str, *values: str, ttl: int = 300, **extra) -> dict:
    return {
        "action": "UPSERT",
        "record_set": {"name": name, "type": rtype, "ttl": ttl, "values": list(values), **extra},
    }


def test_a_signed_update_adds_records_as_one_pending_change(zone, key):
    message = signed(key)
    message.add("www", 300, "A", "192.0.2.1")
    message.add("www", 300, "A", "192.0.2.2")
    message.add("_acme-challenge", 60, "TXT", '"token"')
    reply = send(zone, message)
    assert reply.rcode() == dns.rcode.NOERROR and reply.had_tsig  # signed with the request's key
    assert records(zone) == {
        ("www.dynamic.net.", "A"): (300, ["192.0.2.1", "192.0.2.2"]),
        ("_acme-challenge.dynamic.net.", "TXT"): (60, ['"token"']),
    }
    made = Change.objects.filter(zone=zone).order_by("-submitted_at").first()
    assert made.status == ChangeStatus.PENDING and made.comment == "DNS UPDATE signed with update.dynamic.net."
    assert {c["action"] for c in made.changes} == {"UPSERT"}


def test_updates_apply_in_order_so_delete_then_add_replaces(zone, key):
    change(zone, upsert("www.dynamic.net", "A", "192.0.2.1", "192.0.2.2"))
    message = signed(key)
    message.delete("www", "A")
    message.add("www", 120, "A", "192.0.2.9")
    assert send(zone, message).rcode() == dns.rcode.NOERROR
    assert records(zone) == {("www.dynamic.net.", "A"): (120, ["192.0.2.9"])}


def test_deletes_take_one_record_an_rrset_or_a_whole_name(zone, key):
    change(
        zone,
        upsert("www.dynamic.net", "A", "192.0.2.1", "192.0.2.2"),
        upsert("www.dynamic.net", "TXT", '"a"'),
        upsert("mail.dynamic.net", "A", "192.0.2.25"),
        upsert("mail.dynamic.net", "AAAA", "2001:db8::25"),
        upsert("dynamic.net", "TXT", '"apex"'),
    )
    message = signed(key)
    message.delete("www", "A", "192.0.2.1")
    message.delete("www", "TXT")
    message.delete("mail")
    message.delete("@")  # at the apex: everything but the SOA and NS
    assert send(zone, message).rcode() == dns.rcode.NOERROR
    assert records(zone) == {("www.dynamic.net.", "A"): (300, ["192.0.2.2"])}
    last = Change.objects.filter(zone=zone).order_by("-version").first()
    assert [(c["action"], c["record_set"]["name"], c["record_set"]["type"]) for c in last.changes] == [
        ("DELETE", "dynamic.net.", "TXT"),
        ("DELETE", "mail.dynamic.net.", "A"),
        ("DELETE", "mail.dynamic.net.", "AAAA"),
        ("UPSERT", "www.dynamic.net.", "A"),
        ("DELETE", "www.dynamic.net.", "TXT"),
    ]


@pytest.mark.parametrize(
    ("prerequisite", "rcode"),
    [
        (lambda m: m.present("nothing"), dns.rcode.NXDOMAIN),
        (lambda m: m.present("www", "AAAA"), dns.rcode.NXRRSET),
        (lambda m: m.absent("www"), dns.rcode.YXDOMAIN),
        (lambda m: m.absent("www", "A"), dns.rcode.YXRRSET),
        (lambda m: m.present("www", "A", "192.0.2.1"), dns.rcode.NXRRSET),  # the RRset holds two
        (lambda m: m.absent("@", "SOA"), dns.rcode.YXRRSET),  # the service's SOA is there
        (lambda m: m.present("elsewhere.example.", "A"), dns.rcode.NOTZONE),
    ],
)
def test_a_prerequisite_that_fails_gives_its_rcode_and_changes_nothing(zone, key, prerequisite, rcode):
    change(zone, upsert("www.dynamic.net", "A", "192.0.2.1", "192.0.2.2"))
    before, versions = records(zone), Change.objects.filter(zone=zone).count()
    message = signed(key)
    prerequisite(message)
    message.add("new", 300, "A", "192.0.2.3")
    assert send(zone, message).rcode() == rcode
    assert records(zone) == before and Change.objects.filter(zone=zone).count() == versions


def test_prerequisites_that_hold_let_the_update_through(zone, key):
    change(zone, upsert("www.dynamic.net", "A", "192.0.2.1", "192.0.2.2"))
    message = signed(key)
    message.present("www")
    message.present("www", "A")
    message.present("www", "A", "192.0.2.2")
    message.present("www", "A", "192.0.2.1")
    message.present("@", "NS")
    message.absent("new")
    message.absent("www", "TXT")
    message.add("new", 300, "A", "192.0.2.3")
    assert send(zone, message).rcode() == dns.rcode.NOERROR
    assert ("new.dynamic.net.", "A") in records(zone)


def test_a_cname_beside_other_data_is_ignored_as_the_rfc_says(zone, key):
    change(zone, upsert("www.dynamic.net", "A", "192.0.2.1"), upsert("alias.dynamic.net", "CNAME", "www.dynamic.net"))
    before, versions = records(zone), Change.objects.filter(zone=zone).count()
    message = signed(key)
    message.add("www", 300, "CNAME", "elsewhere.example.")
    message.add("alias", 300, "TXT", '"beside a CNAME"')
    assert send(zone, message).rcode() == dns.rcode.NOERROR
    assert records(zone) == before and Change.objects.filter(zone=zone).count() == versions  # no empty change


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.add("@", 300, "SOA", "ns. host. 99 1 1 1 1"),
        lambda m: m.delete("@", "NS"),
        lambda m: m.add("@", 300, "NS", "ns.elsewhere.example."),
        lambda m: m.add("sub", 300, "DS", "12345 13 2 " + "ab" * 32),  # a DS without NS: the service's rule
        lambda m: m.add("weighted", 300, "A", "192.0.2.7"),  # routed: through the API
        lambda m: m.delete("weighted"),
        lambda m: m.add("spf", 300, "HINFO", "a b"),  # a type a hosted zone does not keep
    ],
)
def test_updates_the_service_does_not_allow_are_refused_and_change_nothing(zone, key, build):
    change(
        zone,
        upsert("weighted.dynamic.net", "A", "192.0.2.5", set_identifier="one", routing="weighted", weight=1),
        upsert("weighted.dynamic.net", "A", "192.0.2.6", set_identifier="two", routing="weighted", weight=1),
    )
    before = records(zone)
    message = signed(key)
    message.add("fine", 300, "A", "192.0.2.8")
    build(message)
    assert send(zone, message).rcode() == dns.rcode.REFUSED
    assert records(zone) == before


def test_unsigned_or_badly_signed_updates_change_nothing(zone, key, customer, second_customer):
    theirs, _, _ = rental.create_hosted_zone(second_customer.user, "theirs.net", caller_reference="t")
    other = rental.create_tsig_key(second_customer.user, theirs.pk)
    unsigned = dns.update.UpdateMessage(ZONE)
    unsigned.add("www", 300, "A", "192.0.2.1")
    assert send(zone, unsigned).rcode() == dns.rcode.REFUSED

    wrong_secret = dns.tsigkeyring.from_text({"update.dynamic.net.": "bm90IHRoZSBzZWNyZXQ="})
    message = signed(wrong_secret)
    message.add("www", 300, "A", "192.0.2.1")
    reply = dns.message.from_wire(
        updates.apply(message.to_wire(), lambda name: zone.pk, "127.0.0.1"), keyring=lambda m, n: False
    )
    assert reply.rcode() == dns.rcode.NOTAUTH and reply.tsig[0].error == dns.rcode.BADSIG

    unknown = signed(dns.tsigkeyring.from_text({"nobody.dynamic.net.": "bm90IHRoZSBzZWNyZXQ="}))
    unknown.add("www", 300, "A", "192.0.2.1")
    reply = dns.message.from_wire(
        updates.apply(unknown.to_wire(), lambda name: zone.pk, "127.0.0.1"), keyring=lambda m, n: False
    )
    assert reply.rcode() == dns.rcode.NOTAUTH and reply.tsig[0].error == dns.rcode.BADKEY

    another_zones = signed(dns.tsigkeyring.from_text({other.name: (other.algorithm, other.secret)}))
    another_zones.add("www", 300, "A", "192.0.2.1")
    assert send(zone, another_zones).rcode() == dns.rcode.REFUSED
    assert records(zone) == {}


def test_a_zone_not_served_where_the_update_arrives_is_notauth(zone, key):
    message = signed(key, "other.net.")
    message.add("www", 300, "A", "192.0.2.1")
    assert send(zone, message).rcode() == dns.rcode.NOTAUTH


def test_a_name_outside_the_zone_is_notzone(zone, key):
    message = signed(key)
    message.add("www.elsewhere.example.", 300, "A", "192.0.2.1")
    assert send(zone, message).rcode() == dns.rcode.NOTZONE
    assert records(zone) == {}


def test_tsig_keys_get_free_names_and_a_bind_key_file(customer, zone):
    first = rental.create_tsig_key(customer.user, zone.pk)
    second = rental.create_tsig_key(customer.user, zone.pk, algorithm="HMAC-SHA512")
    assert (first.name, second.name) == ("update.dynamic.net.", "update-2.dynamic.net.")
    assert second.algorithm == "hmac-sha512" and len(dns.tsig.Key("k", second.secret).secret) == 64
    assert rental.key_file(first) == (
        f'key "update.dynamic.net" {{\n\talgorithm hmac-sha256;\n\tsecret "{first.secret}";\n}};\n'
    )
    with pytest.raises(rental.Conflict, match="exists already"):
        rental.create_tsig_key(customer.user, zone.pk, name="Update.Dynamic.Net")
    with pytest.raises(rental.RentalError, match="algorithm: one of"):
        rental.create_tsig_key(customer.user, zone.pk, algorithm="hmac-md5")
    rental.delete_tsig_key(customer.user, zone.pk, "update.dynamic.net")
    assert [k.name for k in rental.tsig_keys_of(customer.user, zone.pk)] == ["update-2.dynamic.net."]


def test_another_customers_zone_has_no_keys_to_show(customer, second_customer, zone):
    rental.create_tsig_key(customer.user, zone.pk)
    with pytest.raises(rental.NotFound):
        rental.tsig_keys_of(second_customer.user, zone.pk)
    with pytest.raises(rental.NotFound):
        rental.create_tsig_key(second_customer.user, zone.pk)
