"""A zone changed in place (``CompiledZone.updated``, what run_dns does with each version's
changes) is the zone a full load of the new version gives: the same RRsets, delegations,
empty non-terminals, wildcards and negative SOA, and the same answers (the records of an
RRset may come in another order, which DNS gives no meaning). Checked over many
random versions of a zone with delegations, glue, wildcards, CNAMEs and deep names."""

from __future__ import annotations

import random

import dns.name
import dns.rdatatype
import pytest

from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.wire import records as rr
from tests.resolver.test_zone import ZONE

ORIGIN = dns.name.from_text("example.com.")
NAMES = ["www", "mail", "a.b.c", "x.y", "deep.x.y", "*.wild", "*.x.y", "new", "sub2", "ns1.sub2", "host.sub2", "*"]


def with_serial(records: list[list], serial: int) -> list[list]:
    """The records as the zone store keeps them (one TTL per RRset)."""
    return rr.with_serial(records, ORIGIN, serial)


def mutate(records: list[list], rng: random.Random) -> list[list]:
    """A next version: some records removed, some added (TTL changes among them)."""
    records = [r for r in records if r[2] == "SOA" or rng.random() > 0.15 or r[0] == "example.com."]
    for _ in range(rng.randint(1, 6)):
        owner = f"{rng.choice(NAMES)}.example.com."
        kind = rng.random()
        if kind < 0.4:
            record = [owner, rng.choice([60, 300]), "A", f"192.0.2.{rng.randint(1, 254)}"]
        elif kind < 0.55:
            record = [owner, 300, "TXT", f'"t{rng.randint(1, 9)}"']
        elif kind < 0.7 and not owner.startswith("*"):
            record = [owner, 86400, "NS", f"ns{rng.randint(1, 2)}.elsewhere.net."]
        elif kind < 0.8:
            record = [owner, 60, "CNAME", "www.example.com."]
        else:
            record = [owner, 300, "AAAA", f"2001:db8::{rng.randint(1, 99):x}"]
        records.append(record)
    nodes = rr.parse_records(ORIGIN, records)
    try:
        rr.check_zone(ORIGIN, nodes)
    except rr.BadRecord:
        return mutate(records[:-1], rng)  # a CNAME beside other data: try another change
    return records


def same(incremental: CompiledZone, full: CompiledZone) -> None:
    assert incremental.serial == full.serial
    assert {o: {t: (r.ttl, set(r)) for t, r in s.items()} for o, s in incremental.nodes.items()} == {
        o: {t: (r.ttl, set(r)) for t, r in s.items()} for o, s in full.nodes.items()
    }
    assert set(incremental.by_labels) == set(full.by_labels)
    assert (incremental.cuts, incremental.interior) == (full.cuts, full.interior)
    assert incremental.has_wildcards == full.has_wildcards
    assert incremental.negative_soa.to_text() == full.negative_soa.to_text()
    for name in [*NAMES, "nothing", "q.wild", "z.x.y", "b.c", "c", "q.sub2", "x"]:
        qname = dns.name.from_text(name, ORIGIN)
        for rdtype in (dns.rdatatype.A, dns.rdatatype.TXT, dns.rdatatype.NS, dns.rdatatype.DS):
            got, want = incremental.lookup(qname, rdtype), full.lookup(qname, rdtype)
            assert (got.kind, got.authoritative) == (want.kind, want.authoritative), (name, rdtype)
            for section in ("answer", "authority", "additional"):  # RRsets as sets: their order may differ
                assert sorted((r.name, r.rdtype, r.ttl, frozenset(r)) for r in getattr(got, section)) == sorted(
                    (r.name, r.rdtype, r.ttl, frozenset(r)) for r in getattr(want, section)
                ), (name, rdtype, section)


@pytest.mark.parametrize("seed", range(40))
def test_a_zone_changed_version_by_version_equals_the_full_load_of_each(seed):
    rng = random.Random(seed)
    records = with_serial(ZONE, 7)
    held = CompiledZone(ORIGIN, 7, records)
    for serial in range(8, 8 + 12):
        steps = []
        for _ in range(rng.choice([1, 1, 2])):  # sometimes several versions at once
            new = with_serial(mutate(records, rng), serial)
            steps.append(rr.difference(records, new))
            records = new
            serial += 1
        held = held.updated(steps)
        same(held, CompiledZone(ORIGIN, held.serial, records))


def test_a_change_that_breaks_the_zone_is_refused_and_the_held_zone_stays():
    records = with_serial(ZONE, 7)
    held = CompiledZone(ORIGIN, 7, records)
    broken = with_serial([*records, ["www.example.com.", 60, "CNAME", "mail.example.com."]], 8)
    with pytest.raises(rr.BadRecord, match="CNAME"):
        held.updated([rr.difference(records, broken)])
    assert held.serial == 7 and dns.rdatatype.CNAME not in held.nodes[dns.name.from_text("www.example.com.")]
