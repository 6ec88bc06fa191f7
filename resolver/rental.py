"""The nameserver-rental service (Route 53's hosted zones): zones, record sets, change
batches, and the publication of each zone version to the zone store.

A change batch is checked as a whole against the zone as it would be after it, and is
applied in one transaction or not at all; the error names the change at fault. Every
applied batch is a ``Change`` that stays PENDING until each nameserver of the zone has
been seen answering with the serial that carries it.
"""

from __future__ import annotations

import logging
import random
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import idna
from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from kombu.exceptions import KombuError

from config import clock
from resolver import ownership, platform
from resolver.choices import ChangeAction, ChangeStatus, FailoverRole, RecordType, RoutingPolicy, ZoneKind
from resolver.models import MAX_TTL, Change, HealthCheck, HostedZone, RecordSet, Zone
from resolver.services import ZoneRejected, delete_zone, publish_zone

log = logging.getLogger(__name__)

PUBLISH_TASK = "resolver.tasks.publish_hosted_zone"
MAX_CHANGES = 1000
MAX_VALUES = 400
MAX_RECORD_SETS = 10_000
ALIAS_TYPES = {
    RecordType.A,
    RecordType.AAAA,
    RecordType.CAA,
    RecordType.MX,
    RecordType.PTR,
    RecordType.SRV,
    RecordType.TXT,
}
_ID_ALPHABET = string.ascii_uppercase + string.digits
# A record set's fields besides its name and type, as the API, the model and a change's
# record name them; the routing ones say how it is picked among its name's others.
ROUTING_FIELDS = ("weight", "failover", "region", "location")
RECORD_SET_FIELDS = ("ttl", "values", "set_identifier", "routing", *ROUTING_FIELDS, "alias_target", "health_check")


class RentalError(Exception):
    """A request the rental service refuses, with a stable ``code`` and a message."""

    code = "invalid_request"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(RentalError):
    code = "not_found"
    status = 404


class Conflict(RentalError):
    code = "conflict"
    status = 409


class ChangeRejected(RentalError):
    """A change batch that cannot be applied; ``index`` is the change at fault."""

    code = "invalid_change_batch"

    def __init__(self, index: int, change: dict, reason: str) -> None:
        record = change.get("record_set") or {}
        what = f"{change.get('action', '?')} {record.get('name', '?')} {record.get('type', '?')}"
        if record.get("set_identifier"):
            what += f" [{record['set_identifier']}]"
        super().__init__(f"change {index} ({what}): {reason}")
        self.index = index


def whole_number(value: object, field: str, low: int, high: int, error: type[RentalError] = RentalError) -> int:
    """``value`` (a number, or digits as text) as an int from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise error(f"{field}: a whole number from {low} to {high}")
    try:
        number = int(value)
    except ValueError:
        raise error(f"{field}: a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise error(f"{field}: a whole number from {low} to {high}")
    return number


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(13))


# --- names --------------------------------------------------------------------------------------


def absolute_name(text: str) -> dns.name.Name:
    """A name as typed (Unicode or ASCII, with or without the final dot), lower case."""
    text = str(text).strip()
    if not text:
        raise RentalError("a name is required")
    try:
        if not text.isascii():
            text = idna.encode(text.rstrip("."), uts46=True).decode("ascii")
        return dns.name.from_text(text.lower().rstrip(".") + ".")
    except (idna.IDNAError, UnicodeError, dns.exception.DNSException) as exc:
        raise RentalError(f"{text!r} is not a valid domain name: {exc}") from None


def owns(owner, name: dns.name.Name) -> bool:
    """Whether ``owner`` holds ``name`` (or a domain above it) through our registrar."""
    above = [name.split(depth)[1].to_text().rstrip(".") for depth in range(3, len(name) + 1)]
    return ownership.holds_any(owner, above)


def delegation_set() -> list[str]:
    """Four rental nameservers for a new zone: one from each pool domain while there are
    domains left (as Route 53 spreads a set over .com, .net, .org and .co.uk)."""
    domains = [list(servers) for servers in settings.NETWORK_PLAN.rental_domains().values()]
    random.shuffle(domains)
    picked = [random.choice(servers).name for servers in domains][:4]
    rest = [s.name for s in settings.NETWORK_PLAN.rental_nameservers if s.name not in picked]
    random.shuffle(rest)
    return picked + rest[: 4 - len(picked)]


# --- zones --------------------------------------------------------------------------------------


def create_hosted_zone(
    owner,
    name: str,
    *,
    caller_reference: str,
    comment: str = "",
    for_registration: bool = False,
    nameservers: list[str] | None = None,
) -> tuple[HostedZone, Change, bool]:
    """A hosted zone for ``name``; (zone, change, created). Its delegation set is drawn
    from the pool, or is ``nameservers`` (four pool servers, like a reusable delegation set).

    The owner must hold the name (or a domain above it) at our registrar, unless the zone
    is made for a registration in progress (``for_registration``) or the owner is staff.
    A second call with the same ``caller_reference`` returns the first zone.
    """
    origin = absolute_name(name)
    if len(origin) < 3:
        raise RentalError(f"{origin} is a top-level domain; a hosted zone is for a name below one")
    caller_reference = str(caller_reference or "").strip()
    if not caller_reference or len(caller_reference) > 128:
        raise RentalError("caller_reference: 1 to 128 characters that identify this request")
    if len(comment) > 256:
        raise RentalError("comment: at most 256 characters")
    key = origin.to_text()
    previous = HostedZone.objects.filter(owner=owner, caller_reference=caller_reference).first()
    if previous is not None:
        if previous.name != key:
            raise Conflict(
                f"caller_reference {caller_reference!r} already made the zone {previous.name}",
                code="caller_reference_used",
            )
        return previous, previous.changes.order_by("submitted_at").first(), False
    if not for_registration and not owner.is_staff and not owns(owner, origin):
        raise RentalError(
            f"{key} is not a domain you hold here, nor below one: register it first", code="not_your_domain"
        )
    if nameservers is None:
        nameservers = delegation_set()
    else:
        pool = {s.name for s in settings.NETWORK_PLAN.rental_nameservers}
        nameservers = [n.rstrip(".").lower() + "." for n in nameservers]
        if len(set(nameservers)) != 4 or not set(nameservers) <= pool:
            raise RentalError("a delegation set is four different rental nameservers of the pool")
    now = clock.now()
    try:
        with transaction.atomic():
            zone = HostedZone.objects.create(
                id=new_id("Z"),
                owner=owner,
                name=key,
                nameservers=nameservers,
                comment=comment,
                caller_reference=caller_reference,
                version=1,
                created_at=now,
            )
            change = Change.objects.create(
                id=new_id("C"), zone=zone, comment="zone created", version=1, submitted_at=now
            )
            publish_after_commit(zone.pk)
    except IntegrityError:
        if HostedZone.objects.filter(owner=owner, caller_reference=caller_reference).exists():
            return create_hosted_zone(
                owner,
                name,
                caller_reference=caller_reference,
                comment=comment,
                for_registration=for_registration,
                nameservers=nameservers,
            )
        raise Conflict(f"a hosted zone for {key} exists already", code="zone_exists") from None
    return zone, change, True


def zone_of(owner, zone_id: str, *, lock: bool = False) -> HostedZone:
    """The owner's zone ``zone_id``; another customer's zone is as unknown as a missing one."""
    zones = HostedZone.objects.filter(pk=zone_id, owner=owner)
    zone = (zones.select_for_update() if lock else zones).first()
    if zone is None:
        raise NotFound(f"no hosted zone {zone_id}")
    return zone


def delete_hosted_zone(owner, zone_id: str) -> None:
    """Stop serving a zone; like Route 53, only once it holds no record sets of the customer's."""
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        if count := zone.record_sets.count():
            raise Conflict(
                f"{zone.name} still has {count} record sets: delete them first",
                code="hosted_zone_not_empty",
            )
        name = zone.name
        zone.delete()
        delete_zone(name)


def registration_nameservers(owner, name: str) -> tuple[str, list[str]]:
    """The nameservers a registration of ``name`` with ours delegates to: (zone id, names)
    of the owner's hosted zone of that name if there is one, else ("", a fresh delegation
    set) for the zone made once the registry confirms. Refused when another account has
    a zone of that name (one a former holder left behind)."""
    key = absolute_name(name).to_text()
    zone = HostedZone.objects.filter(name=key).first()
    if zone is not None and zone.owner_id != owner.pk:
        raise Conflict(f"a hosted zone for {key} belongs to another account; give your own nameservers")
    servers = zone.nameservers if zone is not None else delegation_set()
    return (zone.pk if zone is not None else ""), [n.rstrip(".") for n in servers]


# --- change batches -----------------------------------------------------------------------------


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
    health_check: str = ""
    touched_by: int = -1
    pk: int | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.type, self.set_identifier)

    def as_dict(self) -> dict:
        out = {"name": self.name, "type": self.type, "ttl": self.ttl, "values": self.values}
        if self.set_identifier:
            out["set_identifier"] = self.set_identifier
        if self.routing != RoutingPolicy.SIMPLE:
            out["routing"] = self.routing
        for name in (*ROUTING_FIELDS, "alias_target", "health_check"):
            if getattr(self, name) not in (None, ""):
                out[name] = getattr(self, name)
        return out

    @classmethod
    def of(cls, row: RecordSet) -> Draft:
        fields = {name: getattr(row, name) for name in RECORD_SET_FIELDS if name != "health_check"}
        return cls(row.name, row.type, **fields, health_check=row.health_check_id or "", pk=row.pk)

    def fields(self) -> dict:
        """What a RecordSet row stores beyond its name, type and set identifier."""
        fields = {
            name: getattr(self, name) for name in RECORD_SET_FIELDS if name not in ("set_identifier", "health_check")
        }
        return {**fields, "health_check_id": self.health_check or None}


def parse_record_set(origin: dns.name.Name, data: object) -> Draft:
    """A record set from a change's ``record_set``, checked on its own; raises RentalError."""
    if not isinstance(data, dict):
        raise RentalError("record_set must be an object")
    unknown = set(data) - {"name", "type", *RECORD_SET_FIELDS}
    if unknown:
        raise RentalError(f"unknown fields {', '.join(sorted(unknown))}")
    name = absolute_name(data.get("name", ""))
    if not name.is_subdomain(origin):
        raise RentalError(f"{name} is not in the zone {origin}; give the full name, like www.{origin}")
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
    else:
        draft.ttl = _ttl(data.get("ttl"))
        draft.values = _values(origin, rtype, data.get("values"))
    _routing(draft, data)
    draft.health_check = str(data.get("health_check") or "").strip()
    return draft


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


def _routing(draft: Draft, data: dict) -> None:
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
    wanted = {
        RoutingPolicy.WEIGHTED: "weight",
        RoutingPolicy.FAILOVER: "failover",
        RoutingPolicy.LATENCY: "region",
        RoutingPolicy.GEOLOCATION: "location",
    }.get(routing)
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
        if draft.region not in regions:
            raise RentalError(f"region: one of the network plan's regions ({', '.join(regions)})")
    elif routing == RoutingPolicy.GEOLOCATION:
        draft.location = _location(extras.get("location", ""))


CONTINENTS = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}


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


def change_record_sets(owner, zone_id: str, changes: object, comment: str = "") -> Change:
    """Apply a change batch (CREATE / DELETE / UPSERT) to a zone atomically: all of it or,
    with the first change at fault named, none of it. Returns the PENDING Change."""
    if not isinstance(changes, list) or not changes:
        raise RentalError("changes: a list of at least one change")
    if len(changes) > MAX_CHANGES:
        raise RentalError(f"changes: at most {MAX_CHANGES} in one batch")
    if len(str(comment)) > 256:
        raise RentalError("comment: at most 256 characters")
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        origin = dns.name.from_text(zone.name)
        state = {draft.key: draft for draft in map(Draft.of, zone.record_sets.all())}
        before = dict(state)
        applied = []
        checks: set[str] = set()
        for index, change in enumerate(changes):
            if not isinstance(change, dict):
                raise ChangeRejected(index, {}, "a change is an object with action and record_set")
            action = str(change.get("action", "")).upper()
            try:
                if action not in ChangeAction.values:
                    raise RentalError(f"action must be one of {', '.join(ChangeAction.values)}")
                draft = parse_record_set(origin, change.get("record_set"))
            except RentalError as exc:
                raise ChangeRejected(index, change, exc.message) from None
            draft.touched_by = index
            if draft.health_check and draft.health_check not in checks:
                if not HealthCheck.objects.filter(pk=draft.health_check, owner=owner).exists():
                    raise ChangeRejected(index, change, f"no health check {draft.health_check}")
                checks.add(draft.health_check)
            existing = state.get(draft.key)
            if action == ChangeAction.CREATE and existing is not None:
                raise ChangeRejected(index, change, "a record set with this name, type and set identifier exists")
            if action == ChangeAction.DELETE:
                if existing is None:
                    raise ChangeRejected(index, change, "there is no such record set to delete")
                if (existing.ttl, existing.values, existing.alias_target) != (
                    draft.ttl,
                    draft.values,
                    draft.alias_target,
                ):
                    raise ChangeRejected(index, change, "the values and TTL given differ from the record set's")
                del state[draft.key]
                # A rule broken by the deletion (an alias left dangling) is this change's fault.
                _touch(state, draft.name, index)
            else:
                draft.pk = existing.pk if existing else None
                state[draft.key] = draft
            applied.append({"action": action, "record_set": draft.as_dict()})
        _check_zone(origin, state, changes)
        _save(zone, before, state)
        zone.version += 1
        zone.save(update_fields=["version"])
        change = Change.objects.create(
            id=new_id("C"),
            zone=zone,
            comment=str(comment),
            changes=applied,
            version=zone.version,
            submitted_at=clock.now(),
        )
        publish_after_commit(zone.pk)
    return change


def _touch(state: dict, name: str, index: int) -> None:
    for draft in state.values():
        if draft.alias_target == name:
            draft.touched_by = max(draft.touched_by, index)


def _check_zone(origin: dns.name.Name, state: dict[tuple, Draft], changes: list) -> None:
    """Rules across record sets, on the zone as the batch leaves it."""

    def fail(draft: Draft, reason: str) -> None:
        index = draft.touched_by if draft.touched_by >= 0 else len(changes) - 1
        raise ChangeRejected(index, changes[index], reason)

    if len(state) > MAX_RECORD_SETS:
        fail(max(state.values(), key=lambda d: d.touched_by), f"a zone holds at most {MAX_RECORD_SETS} record sets")
    by_name: dict[str, list[Draft]] = {}
    for draft in state.values():
        by_name.setdefault(draft.name, []).append(draft)
    for name, drafts in by_name.items():
        drafts.sort(key=lambda d: -d.touched_by)  # blame the latest change at this name
        types = {d.type for d in drafts}
        if RecordType.CNAME in types:
            if name == origin.to_text():
                fail(drafts[0], "a CNAME cannot sit at the zone apex (it would hide the SOA and NS)")
            if len(types) > 1:
                fail(
                    drafts[0],
                    f"{name} has a CNAME, so it cannot hold other types ({', '.join(sorted(types - {'CNAME'}))})",
                )
        if RecordType.DS in types and RecordType.NS not in types:
            fail(drafts[0], "a DS record set belongs at a delegation: add the NS record set at the same name")
        for rtype in types:
            same = [d for d in drafts if d.type == rtype]
            policies = {d.routing for d in same}
            if len(policies) > 1:
                fail(same[0], f"the {rtype} record sets of {name} mix routing policies ({', '.join(sorted(policies))})")
            for role in FailoverRole.values:
                if sum(d.failover == role for d in same) > 1:
                    fail(same[0], f"{name} {rtype} has more than one {role} failover record set")
            for field_name in ("region", "location"):
                taken = [getattr(d, field_name) for d in same if getattr(d, field_name)]
                if len(taken) != len(set(taken)):
                    fail(same[0], f"{name} {rtype} has two record sets for the same {field_name}")
        for draft in drafts:
            if draft.alias_target:
                targets = [d for d in by_name.get(draft.alias_target, []) if d.type == draft.type]
                if not targets:
                    fail(draft, f"the alias target {draft.alias_target} has no {draft.type} record set")
                if any(t.alias_target or t.routing != RoutingPolicy.SIMPLE for t in targets):
                    fail(draft, f"the alias target {draft.alias_target} {draft.type} must be a simple record set")


def _save(zone: HostedZone, before: dict[tuple, Draft], state: dict[tuple, Draft]) -> None:
    gone = [draft.pk for key, draft in before.items() if key not in state or state[key].pk != draft.pk]
    RecordSet.objects.filter(pk__in=[pk for pk in gone if pk]).delete()
    for key, draft in state.items():
        if before.get(key) is draft:
            continue  # untouched by the batch
        if draft.pk:
            RecordSet.objects.filter(pk=draft.pk).update(**draft.fields())
        else:
            RecordSet.objects.create(
                zone=zone, name=draft.name, type=draft.type, set_identifier=draft.set_identifier, **draft.fields()
            )


# --- publication --------------------------------------------------------------------------------


def publish_after_commit(zone_id: str) -> None:
    """Queue the zone's publication once the transaction commits."""

    def send() -> None:
        try:
            current_app.send_task(PUBLISH_TASK, args=[zone_id])
        except (KombuError, OSError) as exc:  # the broker is away: the pending-change sweep publishes it later
            log.warning("could not queue the publication of hosted zone %s: %r", zone_id, exc)

    transaction.on_commit(send)


def zone_records(zone: HostedZone, record_sets: Iterable[RecordSet]) -> tuple[list, list]:
    """The zone as the store keeps it: Route 53's SOA and NS, then every simple record set
    (an alias answers with its target's values and TTL); and the routed record sets."""
    rows = list(record_sets)
    targets = {(r.name, r.type): r for r in rows if not r.alias_target and r.routing == RoutingPolicy.SIMPLE}
    records = []
    routed: dict[tuple[str, str], dict] = {}
    for row in rows:
        if row.routing != RoutingPolicy.SIMPLE:
            entry = routed.setdefault(
                (row.name, row.type), {"name": row.name, "type": row.type, "policy": row.routing, "members": []}
            )
            entry["members"].append(
                {
                    "id": row.set_identifier,
                    "ttl": row.ttl,
                    "values": row.values,
                    "weight": row.weight or 0,
                    "role": row.failover,
                    "region": row.region,
                    "location": row.location,
                    "healthy": row.health_check.healthy if row.health_check else True,
                }
            )
            continue
        source = targets.get((row.alias_target, row.type)) if row.alias_target else row
        if source is None:
            continue  # cannot happen for a checked batch; never publish a dangling alias
        records += [[row.name, source.ttl, row.type, value] for value in source.values]
    return platform.zone_records(zone.name, zone.nameservers, records), list(routed.values())


def publish_hosted_zone(zone_id: str) -> Zone | None:
    """Publish the zone's current version; the changes it carries learn their serial."""
    with transaction.atomic():
        zone = HostedZone.objects.select_for_update().filter(pk=zone_id).first()
        if zone is None:
            return None
        records, routed = zone_records(zone, zone.record_sets.select_related("health_check"))
        try:
            stored = publish_zone(
                zone.name, ZoneKind.HOSTED, records, zone.nameservers, version=zone.version, routed=routed
            )
        except ZoneRejected as exc:
            log.error("hosted zone %s version %s not published: %s", zone.name, zone.version, exc)
            return None
        stored = stored or Zone.objects.get(name=zone.name)  # None: this version was stored already
        Change.objects.filter(zone=zone, serial=None, version__lte=stored.version).update(serial=stored.serial)
    return stored


@dataclass(frozen=True)
class Observed:
    pending: int  # changes still PENDING
    answering: int  # nameservers that answered with authority for the zone


def observe_changes(zone_id: str, *, timeout: float = 1.0) -> Observed:
    """Mark INSYNC the zone's changes every nameserver answers for."""
    from resolver.dns.probe import soa_serial  # a DNS query: no ORM, kept out of import time

    pending = list(Change.objects.filter(zone_id=zone_id, status=ChangeStatus.PENDING).select_related("zone"))
    if not pending:
        return Observed(0, 0)
    zone = pending[0].zone
    plan = settings.NETWORK_PLAN
    served = [soa_serial(plan.address_of(name), plan.dns_port, zone.name, timeout) for name in zone.nameservers]
    lowest = None if None in served else min(served)
    done = [c.pk for c in pending if c.serial is not None and lowest is not None and c.serial <= lowest]
    if done:
        Change.objects.filter(pk__in=done, status=ChangeStatus.PENDING).update(
            status=ChangeStatus.INSYNC, insync_at=clock.now()
        )
    return Observed(len(pending) - len(done), sum(serial is not None for serial in served))


@dataclass(frozen=True)
class Stale:
    unpublished: list[str]  # zones with changes that never got a serial: publication lost
    unobserved: list[str]  # zones whose published changes are still PENDING


def stale_changes() -> Stale:
    """The zones of changes still PENDING ``ZONE_REQUEST_STALE_AFTER`` seconds after they
    were made, for beat's sweep; a fresher change is its own publication's and watch's
    business, even when a backlog holds them up."""
    stale = Change.objects.filter(
        status=ChangeStatus.PENDING,
        submitted_at__lt=clock.now() - timedelta(seconds=settings.ZONE_REQUEST_STALE_AFTER),
    )
    unpublished = set(stale.filter(serial=None).values_list("zone_id", flat=True))
    unobserved = set(stale.values_list("zone_id", flat=True)) - unpublished
    return Stale(sorted(unpublished), sorted(unobserved))
