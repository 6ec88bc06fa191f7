"""Zone records between their stored form (``[owner, ttl, type, rdata]`` lists) and
dnspython objects. Every parse goes through dnspython."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Record = Sequence[Any]  # [owner: str, ttl: int, type: str, rdata: str]
MAX_TTL = 2**31 - 1


# Records and RRsets seen before, parsed: a new version of a large zone differs from the
# last in a few records, and dnspython's parsing and hashing cost most of a reload. Names
# and rdata are immutable, and nothing changes an RRset once a zone is compiled, so
# versions share them. Keyed by the records' text, so a changed record parses anew.
_PARSED: dict[tuple[Any, ...], tuple[dns.name.Name, dns.rdatatype.RdataType, dns.rdata.Rdata]] = {}
_RRSETS: dict[tuple[Any, ...], dns.rrset.RRset] = {}
PARSED_LIMIT = 500_000


class BadRecord(ValueError):
    """A record that cannot be published, with the reason."""


def zone_name(name: str) -> dns.name.Name:
    try:
        return dns.name.from_text(name.strip().lower() or ".")
    except dns.exception.DNSException as exc:
        raise BadRecord(f"{name!r} is not a valid zone name: {exc}") from None


def parse_records(origin: dns.name.Name, records: Iterable[Record]) -> dict[dns.name.Name, dict[int, dns.rrset.RRset]]:
    """RRsets by owner and type; raises BadRecord naming the first record that is wrong.

    Records of one RRset with different TTLs get the lowest (RFC 2181 section 5.2).
    """
    if len(_PARSED) > PARSED_LIMIT:
        _PARSED.clear()
    if len(_RRSETS) > PARSED_LIMIT:
        _RRSETS.clear()
    groups: dict[tuple[str, str], list[tuple[int, Record]]] = {}
    for index, record in enumerate(records):
        try:
            owner_text, _, type_text, _ = record
        except (ValueError, TypeError):
            raise BadRecord(f"record {index} {record!r}: a record is [owner, ttl, type, rdata]") from None
        groups.setdefault((str(owner_text).lower(), str(type_text).upper()), []).append((index, record))
    nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
    for rows in groups.values():
        key = (origin, *((str(r[0]).lower(), r[1], str(r[2]).upper(), str(r[3])) for _, r in rows))
        rrset = _RRSETS.get(key)
        if rrset is None:
            rrset = _RRSETS[key] = _rrset(origin, rows)
        rrsets = nodes.setdefault(rrset.name, {})
        if rrset.rdtype in rrsets:  # the same RRset spelled two ways ('www' and 'www.example.com.')
            merged = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
            merged.update(rrsets[rrset.rdtype])
            merged.union_update(rrset)
            rrset = merged
        rrsets[rrset.rdtype] = rrset
    return nodes


def _rrset(origin: dns.name.Name, rows: list[tuple[int, Record]]) -> dns.rrset.RRset:
    """One RRset from its records, each checked (the first that is wrong is named)."""
    rrset = None
    for index, record in rows:
        owner_text, ttl, type_text, rdata_text = record
        try:
            key = (origin, str(owner_text).lower(), str(type_text).upper(), str(rdata_text))
            parsed = _PARSED.get(key)
            if parsed is None:
                owner = dns.name.from_text(key[1], origin)
                rdtype = dns.rdatatype.from_text(key[2])
                rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, key[3], origin=origin, relativize=False)
                parsed = _PARSED[key] = (owner, rdtype, rdata)
            owner, rdtype, rdata = parsed
            ttl = int(ttl)
        except (ValueError, TypeError, dns.exception.DNSException) as exc:
            raise BadRecord(f"record {index} {record!r}: {exc}") from None
        if not owner.is_subdomain(origin):
            raise BadRecord(f"record {index}: {owner} is outside the zone {origin}")
        if not 0 <= ttl <= MAX_TTL:
            raise BadRecord(f"record {index}: TTL {ttl} is outside 0-{MAX_TTL}")
        if rdtype in (dns.rdatatype.OPT, dns.rdatatype.ANY, dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            raise BadRecord(f"record {index}: type {type_text} cannot be stored in a zone")
        if rrset is None:
            rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype)
            rrset.update_ttl(ttl)
        rrset.add(rdata, ttl)  # dnspython keeps the lowest TTL of the set
    assert rrset is not None  # a group holds at least one record
    return rrset


def check_zone(origin: dns.name.Name, nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]]) -> None:
    """The rules a zone must keep to be served: one SOA and NS at the apex, no CNAME
    beside other data (RFC 1034 section 3.6.2)."""
    apex = nodes.get(origin, {})
    soa = apex.get(dns.rdatatype.SOA)
    if soa is None or len(soa) != 1:
        raise BadRecord(f"zone {origin} needs exactly one SOA record at its apex")
    if dns.rdatatype.NS not in apex:
        raise BadRecord(f"zone {origin} needs NS records at its apex")
    for owner, rrsets in nodes.items():
        if owner != origin and dns.rdatatype.SOA in rrsets:
            raise BadRecord(f"{owner}: an SOA record belongs at the zone apex only")
        if dns.rdatatype.CNAME in rrsets:
            others = set(rrsets) - {dns.rdatatype.CNAME, dns.rdatatype.RRSIG, dns.rdatatype.NSEC}
            if others or owner == origin:
                raise BadRecord(f"{owner}: a CNAME cannot sit beside other data or at the apex")
            if len(rrsets[dns.rdatatype.CNAME]) != 1:
                raise BadRecord(f"{owner}: a name has at most one CNAME record")


def with_serial(records: Iterable[Record], origin: dns.name.Name, serial: int) -> list[list[Any]]:
    """The records as the zone store keeps them: the apex SOA's serial replaced by
    ``serial``, and each RRset's records under its lowest TTL (RFC 2181 section 5.2: what
    a load serves anyway), so that a version's changes, applied to the zone held, give
    the TTLs a full load gives."""
    rows: list[tuple[str, int, str, str]] = []
    lowest: dict[tuple[str, str], int] = {}
    for owner_text, ttl_value, type_text, rdata in records:
        owner, ttl, rtype = str(owner_text).lower(), int(ttl_value), str(type_text).upper()
        if rtype == "SOA" and dns.name.from_text(owner, origin) == origin:
            soa = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, str(rdata), origin=origin, relativize=False)
            rdata = soa.replace(serial=serial).to_text(origin=None)
        rows.append((owner, ttl, rtype, str(rdata)))
        lowest[owner, rtype] = min(lowest.get((owner, rtype), ttl), ttl)
    return [[owner, lowest[owner, rtype], rtype, rdata] for owner, _, rtype, rdata in rows]


def difference(old: Iterable[Record], new: Iterable[Record]) -> tuple[list[list[Any]], list[list[Any]]]:
    """The records of ``old`` that ``new`` lacks (removed) and those it adds (added), each
    sorted; records compare as stored (``with_serial``'s form)."""
    before = {(str(o), int(t), str(r), str(d)) for o, t, r, d in old}
    after = {(str(o), int(t), str(r), str(d)) for o, t, r, d in new}
    return [list(r) for r in sorted(before - after)], [list(r) for r in sorted(after - before)]


def master_file(origin: dns.name.Name, nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]]) -> str:
    """The zone as an RFC 1035 master file: SOA first, then names in canonical order."""
    soa = nodes[origin][dns.rdatatype.SOA]
    lines = [f"; zone {origin.to_text()} serial {soa[0].serial}", f"$ORIGIN {origin.to_text()}", soa.to_text()]
    for owner in sorted(nodes):
        for rdtype in sorted(nodes[owner]):
            if owner == origin and rdtype == dns.rdatatype.SOA:
                continue
            lines.append(nodes[owner][rdtype].to_text())
    return "\n".join(lines) + "\n"
