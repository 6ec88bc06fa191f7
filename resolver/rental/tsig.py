"""TSIG keys (RFC 8945) of hosted zones, the secrets that sign DNS UPDATE messages
(``dynamic``) and transfers, and the zone's secondary servers (NOTIFY targets, who may
transfer it). Not a Route 53 feature: Route 53 takes changes through its API alone; these
keys let the tools that speak DNS itself (nsupdate, certbot-dns-rfc2136, lego,
external-dns's rfc2136 provider) change a hosted zone too."""

from __future__ import annotations

import base64
import secrets

import dns.name
from django.db import IntegrityError, transaction

from config import clock
from resolver.choices import TsigAlgorithm
from resolver.models import HostedZone, TsigKey
from resolver.rental.errors import Conflict, NotFound, RentalError
from resolver.rental.names import Owner, absolute_name
from resolver.rental.publication import publish_after_commit
from resolver.rental.zones import zone_of
from resolver.services import ZoneRejected, check_notify_targets, check_transfer

MAX_KEYS_PER_ZONE = 10
# Secret length per algorithm: the hash's output size, as RFC 8945 section 6 recommends.
SECRET_BYTES = {TsigAlgorithm.HMAC_SHA256: 32, TsigAlgorithm.HMAC_SHA384: 48, TsigAlgorithm.HMAC_SHA512: 64}


def create_tsig_key(
    owner: Owner, zone_id: str, *, name: str = "", algorithm: str = TsigAlgorithm.HMAC_SHA256
) -> TsigKey:
    """A new key for the zone with a random secret. ``name`` (any domain name, unique among
    all keys) defaults to ``update.<zone>``, or ``update-N.<zone>`` when that is taken."""
    algorithm = str(algorithm or TsigAlgorithm.HMAC_SHA256).lower()
    if algorithm not in TsigAlgorithm.values:
        raise RentalError(f"algorithm: one of {', '.join(TsigAlgorithm.values)}, not {algorithm!r}")
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        if zone.tsig_keys.count() >= MAX_KEYS_PER_ZONE:
            raise RentalError(f"a hosted zone has at most {MAX_KEYS_PER_ZONE} TSIG keys", code="limit")
        key_name = absolute_name(name).to_text() if str(name).strip() else _free_name(zone)
        secret = base64.b64encode(secrets.token_bytes(SECRET_BYTES[TsigAlgorithm(algorithm)])).decode()
        key = TsigKey(name=key_name, zone=zone, algorithm=algorithm, secret=secret, created_at=clock.now())
        try:
            with transaction.atomic():
                key.save()
        except IntegrityError:
            raise Conflict(f"a TSIG key named {key_name} exists already; choose another name") from None
    return key


def _free_name(zone: HostedZone) -> str:
    taken = set(TsigKey.objects.filter(name__endswith=zone.name).values_list("name", flat=True))
    for n in range(1, len(taken) + 2):
        candidate = f"update.{zone.name}" if n == 1 else f"update-{n}.{zone.name}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: one of len(taken) + 1 names is free")


def tsig_keys_of(owner: Owner, zone_id: str) -> list[TsigKey]:
    return list(zone_of(owner, zone_id).tsig_keys.all())


def tsig_key_of(owner: Owner, zone_id: str, name: str) -> TsigKey:
    key = zone_of(owner, zone_id).tsig_keys.filter(name=absolute_name(name).to_text()).first()
    if key is None:
        raise NotFound(f"the hosted zone {zone_id} has no TSIG key {name}")
    return key


def delete_tsig_key(owner: Owner, zone_id: str, name: str) -> None:
    """Forget a key: updates signed with it are refused from now on. The key the zone's
    transfers must be signed with stays until the zone names another (or none)."""
    key = tsig_key_of(owner, zone_id, name)
    if key.zone.transfer_key == key.name:
        raise Conflict(f"{key.name} signs the zone's transfers: set another transfer key (or none) first")
    key.delete()


def set_secondaries(
    owner: Owner, zone_id: str, *, notify: object = (), allow: object = (), key: object = ""
) -> HostedZone:
    """Name the zone's secondary servers: ``notify``, addresses ('127.0.0.1:5301') told of
    each version by NOTIFY; ``allow``, networks that may transfer it (AXFR, IXFR; none:
    loopback); ``key``, one of its TSIG keys that transfers must then be signed with.
    The zone is published again with them."""
    if not isinstance(notify, list | tuple) or not isinstance(allow, list | tuple):
        raise RentalError("notify and allow are lists")
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        try:
            targets = check_notify_targets([str(t) for t in notify])
            transfer = check_transfer({"allow": [str(n) for n in allow], "key": str(key or "")})
        except ZoneRejected as exc:
            raise RentalError(str(exc)) from None
        if transfer.get("key") and not zone.tsig_keys.filter(name=transfer["key"]).exists():
            raise RentalError(f"{transfer['key']} is not one of the zone's TSIG keys")
        zone.notify_targets, zone.transfer_allow = targets, transfer.get("allow", [])
        zone.transfer_key = transfer.get("key", "")
        zone.version += 1
        zone.save(update_fields=["notify_targets", "transfer_allow", "transfer_key", "version"])
        publish_after_commit(zone.pk)
    return zone


def hosted_zone_named(text: str) -> HostedZone:
    """The hosted zone with this id, or the one zone of this name (the operator's commands
    take either); a name that several zones share must be given as an id."""
    zone = HostedZone.objects.filter(pk=str(text).strip().upper()).first()
    if zone is not None:
        return zone
    zones = list(HostedZone.objects.filter(name=absolute_name(text).to_text()))
    if not zones:
        raise NotFound(f"no hosted zone {text}")
    if len(zones) > 1:
        ids = ", ".join(f"{z.pk} ({z.owner})" for z in zones)
        raise RentalError(f"{len(zones)} hosted zones are named {zones[0].name}: give one of their ids: {ids}")
    return zones[0]


def zone_tsig_key(zone: HostedZone, *, new: bool = False, name: str = "", algorithm: str = "") -> TsigKey:
    """The zone's first key, made if it has none or if ``new`` (then named ``name``)."""
    key = None if new or name else zone.tsig_keys.first()
    if key is not None:
        return key
    return create_tsig_key(zone.owner, zone.pk, name=name, algorithm=algorithm)


def find_tsig_key(name: dns.name.Name) -> TsigKey | None:
    """The key a signed message names, with its zone; None if there is none."""
    return TsigKey.objects.select_related("zone").filter(name=name.canonicalize().to_text()).first()


def key_file(key: TsigKey) -> str:
    """The key in BIND's key-file format, as ``tsig-keygen`` writes it and ``nsupdate -k``,
    ``named.conf`` and ``knsupdate`` read it."""
    return f'key "{key.name.rstrip(".")}" {{\n\talgorithm {key.algorithm};\n\tsecret "{key.secret}";\n}};\n'
