"""Rules of the zone store: publishing a zone version and telling its servers."""

from __future__ import annotations

import binascii
import functools
import ipaddress
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import dns.name
import dns.tsig
from django.conf import settings
from django.db import IntegrityError, transaction
from redis.exceptions import RedisError

from config import clock
from resolver import zonestore
from resolver.choices import TsigAlgorithm, ZoneKind
from resolver.dns.authoritative import routing
from resolver.dns.wire import records as rr
from resolver.dns.wire.notify import send_notify
from resolver.models import MAX_SERIAL, Zone, ZoneDelta

log = logging.getLogger(__name__)


class ZoneRejected(ValueError):
    """A zone version that cannot be published, with the reason."""


def next_serial(previous: int | None) -> int:
    """Seconds since the epoch on the emulator clock, or one more than the last serial
    when that is larger, so serials only grow even when several versions share a second."""
    stamp = int(clock.now().timestamp())
    serial = stamp if previous is None else max(previous + 1, stamp)
    if serial > MAX_SERIAL:
        raise ZoneRejected(f"the SOA serial would pass {MAX_SERIAL}")
    return serial


def _check_servers(servers: Sequence[str]) -> list[str]:
    plan = settings.NETWORK_PLAN
    known = {s.name for s in plan.dns_servers()}
    names = []
    for raw in servers:
        name = str(raw).strip().lower().rstrip(".") + "."
        if name not in known and plan.rental_server_number(name) is None:
            raise ZoneRejected(f"{raw!r} is not a DNS server of the network plan")
        if name not in names:
            names.append(name)
    if not names:
        raise ZoneRejected("a zone needs at least one server to serve it")
    return names


def publish_zone(
    name: str,
    kind: ZoneKind | str,
    records: Iterable[rr.Record],
    servers: Sequence[str],
    *,
    version: int | None = None,
    routed: Sequence[dict[str, Any]] = (),
    key: str | None = None,
    notify: Sequence[str] = (),
    transfer: dict[str, Any] | None = None,
) -> Zone | None:
    """Store a new version of a zone with the next serial, then NOTIFY its servers, which
    NOTIFY ``notify`` (secondaries outside the plan, 'address[:port]') once they serve it.

    ``version`` is the publisher's counter: a version not newer than the stored one is
    ignored (returns None), so builds that arrive out of order cannot roll a zone back.
    Without it the zone is replaced unconditionally. ``routed``: record sets under a
    routing policy (hosted zones only). ``key`` tells apart hosted zones that share a
    name (their ids; by default the name): no server may serve two zones of one name.
    ``transfer``: who may transfer it, ``{"allow": [networks], "key": TSIG key name}``
    ({}: ``DNS_TRANSFER_ALLOW``, unsigned); None: what ``DNS_SECONDARIES`` says for the
    zone's name (the registry's zones), NOTIFY targets included.
    """
    origin = rr.zone_name(name)
    name = origin.to_text()
    key = key or name
    if version is not None and Zone.objects.filter(key=key, version__gte=version).exists():
        return None  # a newer build is stored already: not worth checking this one
    records = list(records)
    routed = [dict(entry) for entry in routed]
    try:
        nodes = rr.parse_records(origin, records)
        rr.check_zone(origin, nodes)
        routing.check_routed(origin, nodes, routing.parse_routed(origin, routed))
    except rr.BadRecord as exc:
        raise ZoneRejected(f"zone {origin}: {exc}") from None
    server_names = _check_servers(servers)
    if transfer is None:  # the operator's secondaries of this zone, if any
        configured = settings.DNS_SECONDARIES.get(name, {})
        notify, transfer = configured.get("notify") or notify, {k: v for k, v in configured.items() if k != "notify"}
    notify = check_notify_targets(notify)
    transfer = check_transfer(transfer)
    with transaction.atomic():
        zone = Zone.objects.select_for_update().filter(key=key).first()
        _check_shared_servers(name, key, server_names)
        if zone is not None and version is not None and version <= zone.version:
            return None
        if (
            zone is not None
            and zone.servers == server_names
            and zone.routed == routed
            and (zone.notify, zone.transfer) == (notify, transfer)
            and _same_records(zone.records, records, origin)
        ):
            if version is not None:  # nothing to serve anew: remember the build, keep the serial
                zone.version = version
                zone.save(update_fields=["version"])
            return zone
        serial = next_serial(zone.serial if zone else None)
        fields = {
            "kind": ZoneKind(kind),
            "serial": serial,
            "version": version if version is not None else (zone.version + 1 if zone else 1),
            "records": rr.with_serial(records, origin, serial),
            "routed": routed,
            "servers": server_names,
            "notify": notify,
            "transfer": transfer,
            "published_at": clock.now(),
        }
        if zone is None:
            zone = Zone(key=key, name=name, **fields)
            try:
                with transaction.atomic():
                    zone.save()
            except IntegrityError:  # first publications of one zone racing: the other won
                return publish_zone(
                    name,
                    kind,
                    records,
                    servers,
                    version=version,
                    routed=routed,
                    key=key,
                    notify=notify,
                    transfer=transfer,
                )
        else:
            _record_delta(zone, fields)
            for field, value in fields.items():
                setattr(zone, field, value)
            zone.save()
        transaction.on_commit(lambda: notify_servers(name, server_names))
    return zone


class OutOfOrder(LookupError):
    """A part of a zone version that follows a version the store does not hold: it waits
    for that one, or the publisher sends the whole zone."""


def patch_zone(
    key: str,
    owners: Iterable[str],
    records: Iterable[rr.Record],
    routed: Sequence[dict[str, Any]] = (),
    *,
    version: int,
    based_on: int | None = None,
    subtrees: bool = False,
) -> Zone | None:
    """Store a new version of a published zone that differs from the stored one only at
    ``owners`` (absolute, lower-case names; with ``subtrees``, at them and every name
    below them): what they hold becomes ``records`` and ``routed`` (the SOA and apex NS
    among them when the apex is an owner). Only those names are parsed and checked, so
    the time taken follows the change, not the zone. ``based_on``: the version this one
    changes, which must be the stored one (OutOfOrder otherwise).
    None when the stored version is ``version`` or newer; raises ZoneRejected, and
    LookupError when the zone is not published (publish it whole)."""
    owners = set(owners)
    dotted = tuple(f".{owner}" for owner in owners) if subtrees else ()

    def changed(name: str) -> bool:
        return name in owners or (bool(dotted) and name.endswith(dotted))

    records = [list(r) for r in records]
    routed = [dict(entry) for entry in routed]
    with transaction.atomic():
        zone = Zone.objects.select_for_update().filter(key=key).first()
        if zone is None:
            raise LookupError(f"zone {key} is not published")
        if version <= zone.version:
            return None
        if based_on is not None and zone.version != based_on:
            raise OutOfOrder(f"zone {key}: version {version} changes {based_on}, the store holds {zone.version}")
        origin = dns.name.from_text(zone.name)
        apex = origin.to_text()
        at_apex = [] if apex in owners else [r for r in zone.records if r[0] == apex]
        try:
            nodes = rr.parse_records(origin, [*records, *at_apex])
            rr.check_zone(origin, nodes)
            routing.check_routed(origin, nodes, routing.parse_routed(origin, routed))
        except rr.BadRecord as exc:
            raise ZoneRejected(f"zone {origin}: {exc}") from None
        if not all(changed(str(r[0]).lower()) for r in records) or not all(changed(str(e["name"])) for e in routed):
            raise ZoneRejected(f"zone {origin}: records outside the names changed")
        serial = next_serial(zone.serial)
        old_soa = next(r for r in zone.records if r[0] == apex and r[2] == "SOA")
        new_at = rr.with_serial([*records, *([] if apex in owners else [old_soa])], origin, serial)
        kept = [r for r in zone.records if not changed(r[0]) and r is not old_soa]
        kept_routed = [e for e in zone.routed if not changed(e["name"])]
        fields = {
            "serial": serial,
            "version": version,
            "records": [*new_at, *kept],
            "routed": [*kept_routed, *routed],
            "notify": zone.notify,
            "transfer": zone.transfer,
            "published_at": clock.now(),
        }
        old_at = [r for r in zone.records if r is old_soa or changed(r[0])]
        _record_delta(zone, fields, old_at, new_at, [e for e in zone.routed if changed(e["name"])], routed)
        for field, value in fields.items():
            setattr(zone, field, value)
        zone.save(update_fields=list(fields))
        servers = list(zone.servers)
        transaction.on_commit(lambda: notify_servers(zone.name, servers))
    return zone


def check_notify_targets(targets: Sequence[str]) -> list[str]:
    """Secondaries to NOTIFY as 'address' or 'address:port' ('[v6]:port'), port 53 by
    default; inside loopback unless the plan reaches past one host (MULTI_HOST)."""
    out = []
    for raw in targets:
        text = str(raw).strip()
        host, port = text, 53
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isascii() and rest[1:].isdigit() else -1
        elif text.count(":") == 1:
            host, _, number = text.partition(":")
            port = int(number) if number.isascii() and number.isdigit() else -1
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ZoneRejected(f"NOTIFY target {text!r}: an IP address, with :port if not 53") from None
        if not 0 < port < 65536:
            raise ZoneRejected(f"NOTIFY target {text!r}: the port is 1-65535")
        if not address.is_loopback and not settings.MULTI_HOST:
            raise ZoneRejected(f"NOTIFY target {text!r}: only loopback addresses, unless MULTI_HOST is on")
        target = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
        if target not in out:
            out.append(target)
    return out


def check_transfer(transfer: dict[str, Any]) -> dict[str, Any]:
    """Who may transfer a zone: ``allow``, networks ('127.0.0.0/8', an address), and
    ``key``, the name of a TSIG key transfers must be signed with; {} for the defaults."""
    unknown = set(transfer) - {"allow", "key"}
    if unknown:
        raise ZoneRejected(f"transfer: unknown {', '.join(sorted(unknown))} (allow, key)")
    out: dict[str, Any] = {}
    allow = []
    for raw in transfer.get("allow") or []:
        try:
            allow.append(str(ipaddress.ip_network(str(raw).strip(), strict=False)))
        except ValueError:
            raise ZoneRejected(f"transfer allow {raw!r}: a network (127.0.0.0/8) or an address") from None
    if allow:
        out["allow"] = allow
    if key := str(transfer.get("key") or "").strip():
        out["key"] = rr.zone_name(key).to_text()
    return out


def check_secondaries_settings() -> None:
    """``DNS_SECONDARIES`` and ``DNS_TSIG_KEYS`` as the store would take them; raises
    ZoneRejected naming what is wrong (the resolver app checks at start)."""
    for zone, policy in settings.DNS_SECONDARIES.items():
        if not isinstance(policy, dict):
            raise ZoneRejected(f"DNS_SECONDARIES[{zone!r}]: an object with notify, allow and key")
        check_notify_targets(policy.get("notify") or [])
        check_transfer({k: v for k, v in policy.items() if k != "notify"})
        key = policy.get("key")
        if key and rr.zone_name(key) not in configured_tsig_keys():
            raise ZoneRejected(f"DNS_SECONDARIES[{zone!r}]: the key {key} is not in DNS_TSIG_KEYS")


@functools.cache
def configured_tsig_keys() -> dict[dns.name.Name, dns.tsig.Key]:
    """``DNS_TSIG_KEYS`` ("name:algorithm:secret", ...) as keys by name."""
    keys = {}
    for item in settings.DNS_TSIG_KEYS:
        name, algorithm, secret = [*item.split(":", 2), "", ""][:3]
        if algorithm.lower() not in TsigAlgorithm.values or not secret:
            raise ZoneRejected(f"DNS_TSIG_KEYS: {name!r} is not name:{'|'.join(TsigAlgorithm.values)}:base64-secret")
        try:
            key = dns.tsig.Key(rr.zone_name(name), secret, algorithm.lower())
        except (ValueError, binascii.Error) as exc:
            raise ZoneRejected(f"DNS_TSIG_KEYS: the secret of {name} is not base64: {exc}") from None
        keys[key.name] = key
    return keys


def _record_delta(
    zone: Zone,
    fields: dict[str, Any],
    old: Sequence[rr.Record] | None = None,
    new: Sequence[rr.Record] | None = None,
    old_routed: Sequence[dict[str, Any]] | None = None,
    new_routed: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Keep what the version about to replace ``zone`` changes (``ZoneDelta``), and forget
    deltas past the last ``DNS_ZONE_HISTORY``. ``old``, ``new`` and their routed record
    sets: the part of each version that can differ, when the caller knows it (by default
    all of it)."""
    old_routed = zone.routed if old_routed is None else old_routed
    new_routed = fields["routed"] if new_routed is None else new_routed
    removed, added = rr.difference(
        [*(zone.records if old is None else old), *routing.merged_records(old_routed)],
        [*(fields["records"] if new is None else new), *routing.merged_records(new_routed)],
    )
    ZoneDelta.objects.create(
        zone=zone,
        serial_from=zone.serial,
        serial_to=fields["serial"],
        removed=removed,
        added=added,
        load_whole=old_routed != new_routed or (zone.transfer, zone.notify) != (fields["transfer"], fields["notify"]),
        published_at=fields["published_at"],
    )
    keep = settings.DNS_ZONE_HISTORY
    oldest_kept = list(zone.deltas.order_by("-serial_to").values_list("serial_to", flat=True)[keep - 1 : keep])
    if oldest_kept:
        zone.deltas.filter(serial_to__lt=oldest_kept[0]).delete()


def _check_shared_servers(name: str, key: str, servers: list[str]) -> None:
    """Two zones of one name never share a server: it could answer for only one of them."""
    for other, theirs in Zone.objects.filter(name=name).exclude(key=key).values_list("key", "servers"):
        if shared := set(theirs) & set(servers):
            raise ZoneRejected(
                f"zone {name}: {', '.join(sorted(shared))} already serve{'s' * (len(shared) == 1)} {other}"
            )


def _same_records(stored: list[rr.Record], records: list[rr.Record], origin: dns.name.Name) -> bool:
    """Whether two record lists hold the same data, in any order, apart from the SOA serial."""

    def normal(rows: list[rr.Record]) -> list[tuple[Any, ...]]:
        return sorted(map(tuple, rr.with_serial(rows, origin, 0)))

    return normal(stored) == normal(records)


def notify_servers(zone: str, servers: Sequence[str]) -> set[str]:
    """Send DNS NOTIFY (RFC 1996) for ``zone`` to each planned server; the names that
    acknowledged. A server that is down just misses it: run_dns also polls. (The zone's
    secondaries hear from run_dns once it serves the version: told earlier, they would
    ask for a serial it does not serve yet.)"""
    plan = settings.NETWORK_PLAN
    targets = {name: (plan.address_of(name), plan.dns_port) for name in servers}
    acked = send_notify(zone, {n: (address, port) for n, (address, port) in targets.items() if address})
    missing = set(targets) - acked
    if missing:
        log.info("NOTIFY for %s not acknowledged by %s", zone, ", ".join(sorted(missing)))
    announce(zone)
    return acked


def announce(zone: str) -> None:
    """Tell every run_dns that shares this Redis (those of other hosts too, which NOTIFY
    does not reach) that ``zone`` changed. Without Redis, or when it is down, nothing:
    run_dns also polls."""
    if not settings.REDIS_URL:
        return
    try:
        _redis().publish(zonestore.changes_channel(), zone)
    except RedisError as exc:
        log.warning("could not announce the change of %s: %r", zone, exc)


@functools.cache
def _redis() -> Any:
    import redis

    return redis.Redis.from_url(str(settings.REDIS_URL), socket_timeout=2)


def delete_zone(name: str, key: str | None = None) -> bool:
    """Stop serving a zone (``key``: see ``publish_zone``); its servers hear of it by NOTIFY and drop it."""
    name = rr.zone_name(name).to_text()
    with transaction.atomic():
        zone = Zone.objects.select_for_update().filter(key=key or name).first()
        if zone is None:
            return False
        servers = list(zone.servers)
        zone.delete()
        transaction.on_commit(lambda: notify_servers(name, servers))
    return True
