"""Change batches: record sets as a batch gives them (``Draft``, ``parse_record_set``),
each checked on its own, then the batch as a whole against the zone as it would be after
it, applied in one transaction or not at all; the error names the change at fault."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from config import clock
from resolver.choices import ChangeAction, FailoverRole, RecordType, RoutingPolicy
from resolver.models import MAX_TTL, Change, HealthCheck, HostedZone, RecordSet
from resolver.rental import limits
from resolver.rental.errors import ChangeRejected, RentalError, whole_number
from resolver.rental.names import Owner, absolute_name, new_id
from resolver.rental.publication import publish_after_commit
from resolver.rental.zones import zone_of

MAX_CHANGES = 1000
MAX_VALUES = 400
ALIAS_TYPES = {
    RecordType.A,
    RecordType.AAAA,
    RecordType.CAA,
    RecordType.MX,
    RecordType.PTR,
    RecordType.SRV,
    RecordType.TXT,
}
# A record set's fields besides its name and type, as the API, the model and a change's
# record name them; the routing ones say how it is picked among its name's others.
ROUTING_FIELDS = ("weight", "failover", "region", "location")
RECORD_SET_FIELDS = (
    "ttl",
    "values",
    "set_identifier",
    "routing",
    *ROUTING_FIELDS,
    "alias_target",
    "evaluate_target_health",
    "health_check",
)

# A record set's identity in its zone: (name, type, set identifier).
DraftKey = tuple[str, str, str]


@dataclass
class Draft:
    """A record set as a batch would leave it, before it is saved."""

    name: str
    type: str
    ttl: int | None
    values: list[str]
    set_identifier: str = ""
    routing: str = RoutingPolicy.SIMPLE
    weight: int | None = None
    failover: str = ""
    region: str = ""
    location: str = ""
    alias_target: str = ""
    evaluate_target_health: bool = False
    health_check: str = ""
    given: list[str] = field(default_factory=list, compare=False)  # the values as sent, when not as kept
    touched_by: int = -1
    pk: int | None = field(default=None, compare=False)

    @property
    def key(self) -> DraftKey:
        return (self.name, self.type, self.set_identifier)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "ttl": self.ttl, "values": self.values}
        if self.set_identifier:
            out["set_identifier"] = self.set_identifier
        if self.routing != RoutingPolicy.SIMPLE:
            out["routing"] = self.routing
        for name in (*ROUTING_FIELDS, "alias_target", "evaluate_target_health", "health_check"):
            if getattr(self, name) not in (None, "", False):
                out[name] = getattr(self, name)
        return out

    @classmethod
    def of(cls, row: RecordSet) -> Draft:
        fields = {name: getattr(row, name) for name in RECORD_SET_FIELDS if name != "health_check"}
        return cls(row.name, row.type, **fields, health_check=row.health_check_id or "", given=row.given, pk=row.pk)

    # The columns ``fields`` fills.
    STORED = (
        *(name for name in RECORD_SET_FIELDS if name not in ("set_identifier", "health_check")),
        "health_check_id",
        "given",
    )

    def fields(self) -> dict[str, Any]:
        """What a RecordSet row stores beyond its name, type and set identifier."""
        fields = {
            name: getattr(self, name) for name in RECORD_SET_FIELDS if name not in ("set_identifier", "health_check")
        }
        return {**fields, "health_check_id": self.health_check or None, "given": self.given}


def parse_record_set(origin: dns.name.Name, data: object, *, names_absolute: bool = False) -> Draft:
    """A record set from a change's ``record_set``, checked on its own; raises RentalError.
    Names inside values are relative to the zone as in a zone file (``mail`` is
    ``mail.<zone>``), or, with ``names_absolute``, full names as Route 53 takes them."""
    if not isinstance(data, dict):
        raise RentalError("record_set must be an object")
    unknown = set(data) - {"name", "type", *RECORD_SET_FIELDS}
    if unknown:
        raise RentalError(f"unknown fields {', '.join(sorted(unknown))}")
    name = absolute_name(data.get("name", ""))
    if not name.is_subdomain(origin):
        raise RentalError(
            f"{name} is not in the zone {origin}; give the full name, like www.{origin}", code="outside_zone"
        )
    rtype = str(data.get("type", "")).upper()
    if rtype == "SOA":
        raise RentalError("the SOA record is kept by the service")
    if rtype not in RecordType.values:
        raise RentalError(f"type {rtype or '(none)'} is not one of {', '.join(RecordType.values)}")
    if rtype == RecordType.NS and name == origin:
        raise RentalError("the apex NS records are the zone's delegation set, kept by the service")
    draft = Draft(name.to_text(), rtype, None, [])
    draft.set_identifier = str(data.get("set_identifier") or "").strip()
    if len(draft.set_identifier) > 128:
        raise RentalError("set_identifier: at most 128 characters")
    draft.alias_target = str(data.get("alias_target") or "").strip()
    if draft.alias_target:
        target = absolute_name(draft.alias_target)
        if not target.is_subdomain(origin):
            raise RentalError(f"an alias points at a record set in the same zone; {target} is not in {origin}")
        if rtype not in ALIAS_TYPES:
            raise RentalError(f"an alias of type {rtype} is not supported")
        if data.get("values") or data.get("ttl") not in (None, ""):
            raise RentalError("an alias has no values or TTL of its own: it answers with its target's")
        draft.alias_target = target.to_text()
        draft.evaluate_target_health = _flag(data.get("evaluate_target_health"), "evaluate_target_health")
    else:
        if data.get("evaluate_target_health"):
            raise RentalError("evaluate_target_health belongs to an alias")
        draft.ttl = _ttl(data.get("ttl"))
        draft.values = _values(dns.name.root if names_absolute else origin, rtype, data.get("values"))
        if names_absolute:  # Route 53 gives values back as they were sent
            sent = [str(value) for value in data.get("values") or []]
            draft.given = sent if sent != draft.values else []
    _routing(draft, data)
    draft.health_check = str(data.get("health_check") or "").strip()
    return draft


def _flag(value: object, field: str) -> bool:
    if value in (None, ""):
        return False
    if not isinstance(value, bool):
        raise RentalError(f"{field}: true or false")
    return value


def _ttl(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RentalError(f"ttl must be a whole number of seconds from 0 to {MAX_TTL}")
    try:
        ttl = int(value)
    except ValueError:
        raise RentalError(f"ttl must be a whole number of seconds from 0 to {MAX_TTL}") from None
    if not 0 <= ttl <= MAX_TTL:
        raise RentalError(f"ttl {ttl} is outside 0-{MAX_TTL}")
    return ttl


def _values(origin: dns.name.Name, rtype: str, values: object) -> list[str]:
    if not isinstance(values, list) or not values:
        raise RentalError("values: a list of at least one record value")
    if len(values) > MAX_VALUES:
        raise RentalError(f"values: at most {MAX_VALUES} per record set")
    rdtype = dns.rdatatype.from_text(rtype)
    out: list[str] = []
    for text in values:
        try:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, str(text), origin=origin, relativize=False)
        except (dns.exception.DNSException, ValueError) as exc:
            raise RentalError(f"{text!r} is not a valid {rtype} value: {exc}") from None
        canonical = rdata.to_text()
        if canonical in out:
            raise RentalError(f"the value {canonical!r} is given twice")
        out.append(canonical)
    if rtype == RecordType.CNAME and len(out) > 1:
        raise RentalError("a CNAME record set has exactly one value")
    return out


def _routing(draft: Draft, data: dict[str, Any]) -> None:
    routing = str(data.get("routing") or RoutingPolicy.SIMPLE).lower()
    if routing not in RoutingPolicy.values:
        raise RentalError(f"routing {routing!r} is not one of {', '.join(RoutingPolicy.values)}")
    draft.routing = routing
    extras = {k: data.get(k) for k in ROUTING_FIELDS if data.get(k) not in (None, "")}
    if routing == RoutingPolicy.SIMPLE:
        if draft.set_identifier or extras:
            raise RentalError("set_identifier, weight, failover, region and location belong to routed record sets")
        return
    if not draft.set_identifier:
        raise RentalError(f"a {routing} record set needs a set_identifier that tells it from the others")
    if draft.alias_target:
        raise RentalError("an alias is a simple record set")
    field_of: dict[str, str] = {
        RoutingPolicy.WEIGHTED: "weight",
        RoutingPolicy.FAILOVER: "failover",
        RoutingPolicy.LATENCY: "region",
        RoutingPolicy.GEOLOCATION: "location",
    }
    wanted = field_of.get(routing)
    if set(extras) - {wanted}:
        raise RentalError(f"{', '.join(sorted(set(extras) - {wanted}))} do not apply to {routing} routing")
    if routing == RoutingPolicy.WEIGHTED:
        draft.weight = whole_number(extras.get("weight"), "weight", 0, 255)
    elif routing == RoutingPolicy.FAILOVER:
        role = str(extras.get("failover", "")).upper()
        if role not in FailoverRole.values:
            raise RentalError("failover: PRIMARY or SECONDARY")
        draft.failover = role
    elif routing == RoutingPolicy.LATENCY:
        regions = [region.name for region in settings.NETWORK_PLAN.regions]
        draft.region = str(extras.get("region", "")).strip()
        if draft.region not in regions and not AWS_REGION.fullmatch(draft.region):
            raise RentalError(
                f"region: one of the network plan's regions ({', '.join(regions)}) or another AWS region name"
            )
    elif routing == RoutingPolicy.GEOLOCATION:
        draft.location = _location(extras.get("location", ""))


CONTINENTS = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}
# An AWS region's name (us-west-2, ap-southeast-5): one outside the network plan is far from
# every client, so its record set answers only when none nearer is healthy.
AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")


def _location(value: object) -> str:
    """A geolocation: '*' (the default), 'continent:EU' or 'country:KR' (ISO 3166 code)."""
    text = str(value or "").strip()
    if text == "*":
        return text
    kind, _, code = text.partition(":")
    kind, code = kind.lower(), code.upper()
    if kind == "continent" and code in CONTINENTS:
        return f"continent:{code}"
    if kind == "country" and len(code) == 2 and code.isalpha():
        return f"country:{code}"
    raise RentalError(
        f"location: '*', 'continent:XX' ({', '.join(sorted(CONTINENTS))}) or 'country:XX' (ISO 3166), not {text!r}"
    )


def change_record_sets(
    owner: Owner, zone_id: str, changes: object, comment: str = "", *, names_absolute: bool = False
) -> Change:
    """Apply a change batch (CREATE / DELETE / UPSERT) to a zone atomically: all of it or,
    with the first change at fault named, none of it. Returns the PENDING Change.
    ``names_absolute``: see ``parse_record_set``."""
    if not isinstance(changes, list) or not changes:
        raise RentalError("changes: a list of at least one change")
    if len(changes) > MAX_CHANGES:
        raise RentalError(f"changes: at most {MAX_CHANGES} in one batch")
    if len(str(comment)) > 256:
        raise RentalError("comment: at most 256 characters")
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        origin = dns.name.from_text(zone.name)
        # Only what the batch can touch or be checked against: its cost follows the batch.
        state = {draft.key: draft for draft in map(Draft.of, _relevant_rows(zone, changes))}
        before = dict(state)
        elsewhere = zone.record_sets.count() - len(before)  # for the quota
        applied = []
        checks: set[str] = set()
        for index, change in enumerate(changes):
            if not isinstance(change, dict):
                raise ChangeRejected(index, {}, "a change is an object with action and record_set")
            action = str(change.get("action", "")).upper()
            try:
                if action not in ChangeAction.values:
                    raise RentalError(f"action must be one of {', '.join(ChangeAction.values)}")
                draft = parse_record_set(origin, change.get("record_set"), names_absolute=names_absolute)
            except RentalError as exc:
                raise ChangeRejected(index, change, exc.message, kind=exc.code) from None
            draft.touched_by = index
            if draft.health_check and draft.health_check not in checks:
                if not HealthCheck.objects.filter(pk=draft.health_check, owner=owner).exists():
                    raise ChangeRejected(index, change, f"no health check {draft.health_check}", kind="no_health_check")
                checks.add(draft.health_check)
            existing = state.get(draft.key)
            if action == ChangeAction.CREATE and existing is not None:
                raise ChangeRejected(
                    index, change, "a record set with this name, type and set identifier exists", kind="exists"
                )
            if action == ChangeAction.DELETE:
                if existing is None:
                    raise ChangeRejected(index, change, "there is no such record set to delete", kind="missing")
                if (existing.ttl, existing.values, existing.alias_target) != (
                    draft.ttl,
                    draft.values,
                    draft.alias_target,
                ):
                    raise ChangeRejected(
                        index, change, "the values and TTL given differ from the record set's", kind="mismatch"
                    )
                del state[draft.key]
                # A rule broken by the deletion (an alias left dangling) is this change's fault.
                _touch(state, draft.name, index)
            else:
                draft.pk = existing.pk if existing else None
                state[draft.key] = draft
            applied.append({"action": action, "record_set": draft.as_dict()})
        _check_zone(origin, state, changes, elsewhere)
        _save(zone, before, state)
        zone.version += 1
        zone.save(update_fields=["version"])
        change = Change.objects.create(
            id=new_id("C"),
            owner=owner,
            zone=zone,
            comment=str(comment),
            changes=applied,
            version=zone.version,
            submitted_at=clock.now(),
        )
        publish_after_commit(zone.pk)
    return change


def _relevant_rows(zone: HostedZone, changes: list[Any]) -> list[RecordSet]:
    """The record sets a batch can change or break: those at the names it names, the
    aliases that point at those names, and the targets of the aliases among them all.
    Every rule across record sets holds between those (a name's types and routing; an
    alias and its target), so the rest of the zone need not be read."""
    names: set[str] = set()
    targets: set[str] = set()
    for change in changes:
        data = change.get("record_set") if isinstance(change, dict) else None
        if not isinstance(data, dict):
            continue
        for key, into in (("name", names), ("alias_target", targets)):
            with contextlib.suppress(RentalError):  # a bad name: the batch's own check says so
                into.add(absolute_name(str(data.get(key) or "")).to_text())
    rows = list(zone.record_sets.filter(Q(name__in=names) | Q(alias_target__in=names)))
    targets |= {row.alias_target for row in rows if row.alias_target}
    if missing := targets - {row.name for row in rows}:
        rows += list(zone.record_sets.filter(name__in=missing))
    return rows


def _touch(state: dict[DraftKey, Draft], name: str, index: int) -> None:
    for draft in state.values():
        if draft.alias_target == name:
            draft.touched_by = max(draft.touched_by, index)


def _check_zone(origin: dns.name.Name, state: dict[DraftKey, Draft], changes: list[Any], elsewhere: int) -> None:
    """Rules across record sets, on the zone as the batch leaves it (``state``: the record
    sets it can touch; ``elsewhere``: how many others the zone holds): the first broken
    one is blamed on the latest change that touched the record set at fault."""
    problem = next(_zone_problems(origin, state, elsewhere), None)
    if problem is not None:
        draft, reason, kind = problem
        index = draft.touched_by if draft.touched_by >= 0 else len(changes) - 1
        raise ChangeRejected(index, changes[index], reason, kind=kind)


# A rule a zone breaks: the record set at fault, the reason, and a kind that names the rule
# for those who word it their own way (Route 53's messages), "" for the rest.
Problem = tuple[Draft, str, str]


def _zone_problems(origin: dns.name.Name, state: dict[DraftKey, Draft], elsewhere: int) -> Iterator[Problem]:
    """Each rule the zone breaks, name by name."""
    most = limits.value(limits.RECORD_SETS)
    if len(state) + elsewhere + 2 > most:  # Route 53 counts the SOA and NS record sets too
        yield (
            max(state.values(), key=lambda d: d.touched_by),
            f"a zone holds at most {most} record sets, its SOA and NS among them ({limits.RECORD_SETS})",
            "limit",
        )
    by_name: dict[str, list[Draft]] = {}
    for draft in state.values():
        by_name.setdefault(draft.name, []).append(draft)
    for name, drafts in by_name.items():
        drafts.sort(key=lambda d: -d.touched_by)  # blame the latest change at this name
        yield from _type_problems(origin, name, drafts)
        yield from _routing_problems(name, drafts)
        yield from _alias_problems(drafts, by_name)


def _type_problems(origin: dns.name.Name, name: str, drafts: list[Draft]) -> Iterator[Problem]:
    """Which types may share a name: a CNAME stands alone and not at the apex, a DS sits
    at a delegation."""
    types = {d.type for d in drafts}
    if RecordType.CNAME in types:
        if name == origin.to_text():
            yield drafts[0], "a CNAME cannot sit at the zone apex (it would hide the SOA and NS)", "cname_apex"
        if len(types) > 1:
            yield (
                drafts[0],
                f"{name} has a CNAME, so it cannot hold other types ({', '.join(sorted(types - {'CNAME'}))})",
                "cname_conflict",
            )
    if RecordType.DS in types and RecordType.NS not in types:
        yield drafts[0], "a DS record set belongs at a delegation: add the NS record set at the same name", ""


def _routing_problems(name: str, drafts: list[Draft]) -> Iterator[Problem]:
    """The record sets of one name and type share one routing policy, with at most one
    record set per failover role, region and location."""
    for rtype in {d.type for d in drafts}:
        same = [d for d in drafts if d.type == rtype]
        policies = {d.routing for d in same}
        if len(policies) > 1:
            mixed = ", ".join(sorted(policies))
            yield same[0], f"the {rtype} record sets of {name} mix routing policies ({mixed})", ""
        for role in FailoverRole.values:
            if sum(d.failover == role for d in same) > 1:
                yield same[0], f"{name} {rtype} has more than one {role} failover record set", ""
        for field_name in ("region", "location"):
            taken = [getattr(d, field_name) for d in same if getattr(d, field_name)]
            if len(taken) != len(set(taken)):
                yield same[0], f"{name} {rtype} has two record sets for the same {field_name}", ""


def _alias_problems(drafts: list[Draft], by_name: dict[str, list[Draft]]) -> Iterator[Problem]:
    """An alias points at a simple record set of its own type."""
    for draft in drafts:
        if draft.alias_target:
            targets = [d for d in by_name.get(draft.alias_target, []) if d.type == draft.type]
            if not targets:
                yield draft, f"the alias target {draft.alias_target} has no {draft.type} record set", "alias_target"
            if any(t.alias_target or t.routing != RoutingPolicy.SIMPLE for t in targets):
                reason = f"the alias target {draft.alias_target} {draft.type} must be a simple record set"
                yield draft, reason, ""


def _save(zone: HostedZone, before: dict[DraftKey, Draft], state: dict[DraftKey, Draft]) -> None:
    """Write what the batch changed: one statement each for the rows gone, the rows changed
    and the rows new, however many there are."""
    gone = [draft.pk for key, draft in before.items() if key not in state or state[key].pk != draft.pk]
    if gone := [pk for pk in gone if pk]:
        RecordSet.objects.filter(pk__in=gone)._raw_delete(RecordSet.objects.db)  # nothing refers to a record set
    changed, new = [], []
    for key, draft in state.items():
        if before.get(key) is draft:
            continue  # untouched by the batch
        row = RecordSet(zone=zone, name=draft.name, type=draft.type, set_identifier=draft.set_identifier)
        for column, value in draft.fields().items():
            setattr(row, column, value)
        if draft.pk:
            row.pk = draft.pk
            changed.append(row)
        else:
            new.append(row)
    if changed:
        RecordSet.objects.bulk_update(changed, list(Draft.STORED))
    if new:
        RecordSet.objects.bulk_create(new)
