"""The root zone and the TLD zones, built from the registry's data and the network plan.

The root zone delegates every TLD the registry runs to its planned servers, with glue.
A TLD zone holds its SOA and NS, one NS delegation (with its DS records) per live domain
that has nameservers and is not on hold, glue for hosts inside delegated domains, and address records for the
plan's own servers that live in the TLD (``a.gtld-servers.net`` in net).

Records are ``[owner, ttl, type, rdata]`` lists, the zone store's form; the store sets
the SOA serial.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from kombu.exceptions import KombuError

from config import clock
from registry.choices import UNPUBLISHED_PHASES, EppStatus
from registry.models import DelegationSigner, Domain, HostAddress, Tld, ZonePendingName, ZonePublication

ROOT = "."
ROOT_NS_TTL = 518400
DELEGATION_TTL = 172800
# SOA timers as the real root and gTLD zones use them: refresh, retry, expire, minimum.
SOA_TIMERS = "1800 900 604800 86400"
TLD_SOA_TTL = 900
ROOT_SOA_TTL = 86400
HOLD_STATUSES = (EppStatus.CLIENT_HOLD, EppStatus.SERVER_HOLD)
# One record as the resolver's publish task takes it: [owner, ttl, type, rdata], JSON.
Record = list[Any]

log = logging.getLogger(__name__)


def zone_of_tld(tld: str) -> str:
    return f"{tld}."


def _address_record(owner: str, ttl: int, address: str) -> Record:
    kind = "A" if ipaddress.ip_address(address).version == 4 else "AAAA"
    return [owner, ttl, kind, address]


def _infrastructure(zone: str) -> list[Record]:
    """Address records of planned root and TLD servers whose names fall in ``zone``."""
    plan = settings.NETWORK_PLAN
    servers = {s.name: s.address for s in plan.root_servers}
    for tld_servers in plan.tld_servers.values():
        servers.update({s.name: s.address for s in tld_servers})
    return [
        _address_record(name, DELEGATION_TTL, address)
        for name, address in sorted(servers.items())
        if zone == ROOT or name.endswith("." + zone)
    ]


def build_root() -> tuple[list[Record], list[str]]:
    """Records of the root zone and the names of the servers that serve it."""
    plan = settings.NETWORK_PLAN
    first = plan.root_servers[0].name
    records = [[ROOT, ROOT_SOA_TTL, "SOA", f"{first} hostmaster.root-servers.net. 0 {SOA_TIMERS}"]]
    records += [[ROOT, ROOT_NS_TTL, "NS", s.name] for s in plan.root_servers]
    for tld in Tld.objects.order_by("name").values_list("name", flat=True):
        records += [[zone_of_tld(tld), DELEGATION_TTL, "NS", s.name] for s in plan.servers_for_tld(tld)]
    # Every server name is below the root, so their addresses go in as glue (or, for a
    # name under no delegated TLD, as the root's own data).
    records += _infrastructure(ROOT)
    return records, [s.name for s in plan.root_servers]


def build_tld(tld: str) -> tuple[list[Record], list[str]]:
    """Records of one TLD zone and the names of the servers that serve it."""
    origin = zone_of_tld(tld)
    servers = settings.NETWORK_PLAN.servers_for_tld(tld)
    records = [
        [origin, TLD_SOA_TTL, "SOA", f"{servers[0].name} hostmaster.nic.{origin} 0 {SOA_TIMERS}"],
        *([origin, DELEGATION_TTL, "NS", s.name] for s in servers),
    ]
    return records + _delegations(tld), [s.name for s in servers]


def build_names(tld: str, names: Iterable[str]) -> list[Record]:
    """The records at and below each of ``names`` (domains of the TLD, ASCII, without the
    final dot) that a build of the whole zone would hold: a change's part of the zone."""
    names = sorted(set(names))
    return _delegations(tld, names) if names else []


def _delegations(tld: str, names: list[str] | None = None) -> list[Record]:
    """Delegations (NS, DS) of the TLD's live domains (or those of ``names``), the glue
    below them, and the plan's own servers' addresses that no delegation covers."""
    origin = zone_of_tld(tld)
    records: list[Record] = []
    live = Domain.objects.filter(tld__name=tld, deleted_at=None)
    if names is not None:
        live = live.filter(name__in=names)
    # On hold, or deleted and waiting to be restored or purged: delegated no more.
    held = set(live.filter(statuses__status__in=HOLD_STATUSES).values_list("id", flat=True))
    held |= set(live.filter(rgp_status__in=UNPUBLISHED_PHASES).values_list("id", flat=True))
    delegations: dict[int, tuple[str, list[str]]] = {}  # domain id -> (owner, its nameservers)
    for domain_id, name, host in (
        Domain.nameservers.through.objects.filter(domain__in=live)
        .order_by("domain__name", "host__name")
        .values_list("domain_id", "domain__name", "host__name")
    ):
        if domain_id not in held:
            delegations.setdefault(domain_id, (f"{name}.", []))[1].append(f"{host}.")
    for owner, hosts in delegations.values():
        records += [[owner, DELEGATION_TTL, "NS", host] for host in hosts]
    # DS beside the NS of a delegated domain (RFC 4034 section 5): the parent's half of
    # the chain of trust. A domain without delegation gets none; DS alone means nothing.
    for domain_id, key_tag, algorithm, digest_type, digest in (
        DelegationSigner.objects.filter(domain__in=live)
        .order_by("domain__name", "key_tag", "algorithm", "digest_type", "digest")
        .values_list("domain_id", "key_tag", "algorithm", "digest_type", "digest")
    ):
        if domain_id in delegations:
            owner = delegations[domain_id][0]
            records.append([owner, DELEGATION_TTL, "DS", f"{key_tag} {algorithm} {digest_type} {digest}"])
    # Glue: addresses of hosts inside a domain this zone delegates (RFC 9471).
    for host, superordinate_id, address in (
        HostAddress.objects.filter(host__deleted_at=None, host__superordinate__in=live)
        .order_by("host__name", "address")
        .values_list("host__name", "host__superordinate_id", "address")
    ):
        if superordinate_id in delegations:
            records.append(_address_record(f"{host}.", DELEGATION_TTL, address))
    delegated = {owner for owner, _ in delegations.values()}
    within = None if names is None else tuple(f"{name}." for name in names)
    for record in _infrastructure(origin):
        labels = record[0].split(".")
        if within is not None and not any(record[0] == o or record[0].endswith("." + o) for o in within):
            continue  # a part of the zone: only what lies below the names asked for
        if not any(".".join(labels[i:]) in delegated for i in range(1, len(labels) - 1)):
            records.append(record)  # not inside a registered domain, which would own the name
    return records


def build(zone: str) -> tuple[list[Record], list[str]]:
    return build_root() if zone == ROOT else build_tld(zone.rstrip("."))


# --- publication ------------------------------------------------------------------------------


def request_publication(zone: str, names: Iterable[str] | None = None) -> bool:
    """Ask for a new build of ``zone`` ('.' or 'com.'); True if this call queued it.
    ``names``: the domains whose delegation changed (the build sends only their part of
    the zone); None: anything may have changed (the build is of the whole zone).

    Call after the change has committed. While a build is already queued, asking again
    does nothing: that build has not read the data yet and will see this change. (The
    names go in before the request, so a build that has started reads them or is
    followed by another.)

    Builds are spaced so that building the zone takes at most ``ZONE_BUILD_SHARE`` of the
    time: a small zone is rebuilt at once, a big one waits its turn after the last build
    while the changes made meanwhile share the next. Without that, a stream of changes
    to a big zone would keep a worker building it back to back.
    """
    now = clock.now()
    if names is None:
        _ask_whole(zone)
    else:
        ZonePendingName.objects.bulk_create(
            [ZonePendingName(zone=zone, name=name) for name in sorted(set(names))], ignore_conflicts=True
        )
    if not _mark_requested(zone, now):
        return False
    last = ZonePublication.objects.filter(zone=zone).values("built_at", "build_seconds").first()
    wait = 0.0
    if last is not None and last["built_at"] is not None:
        rest = last["build_seconds"] * (1 / settings.ZONE_BUILD_SHARE - 1)
        # Never as long as the stale-request sweep waits before it sends a build again.
        wait = min(rest - (now - last["built_at"]).total_seconds(), settings.ZONE_REQUEST_STALE_AFTER / 2)
    options: dict[str, Any] = {"countdown": wait} if wait > 0 else {}
    try:
        current_app.send_task("registry.tasks.publish_zone", args=[zone], **options)
    except (KombuError, OSError) as exc:
        # The change itself has committed; the request stays marked and the stale-request
        # sweep sends it once the broker is back.
        log.warning("could not queue the build of zone %s: %r", zone, exc)
        return False
    return True


def _mark_requested(zone: str, now: datetime) -> bool:
    """Set the zone's ``requested_at`` unless a build is queued already (it is set); True
    if this call set it. One statement, as every change of a delegation makes it."""
    table = connection.ops.quote_name(ZonePublication._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (zone, version, build_seconds, requested_at) VALUES (%s, 0, 0, %s)"
            f" ON CONFLICT (zone) DO UPDATE SET requested_at = excluded.requested_at"
            f" WHERE {table}.requested_at IS NULL RETURNING id",
            [zone, connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def _ask_whole(zone: str) -> None:
    """Make the zone's next build a whole one (one statement, whether or not it was built before)."""
    table = connection.ops.quote_name(ZonePublication._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (zone, version, build_seconds, whole) VALUES (%s, 0, 0, %s)"
            f" ON CONFLICT (zone) DO UPDATE SET whole = excluded.whole",
            [zone, True],
        )


def request_all() -> None:
    """Ask for builds of the root and every TLD zone (after loading data, say)."""
    for zone in [ROOT, *(zone_of_tld(t) for t in Tld.objects.values_list("name", flat=True))]:
        request_publication(zone)


def request_after_commit(zone: str, names: Iterable[str] | None = None) -> None:
    """``request_publication`` once the transaction commits; ``names`` as there."""
    names = None if names is None else sorted(set(names))
    transaction.on_commit(lambda: request_publication(zone, names))


def publish(zone: str, *, whole: bool = False) -> int | None:
    """Build ``zone`` from the data as it is now and send it to the zone store: the names
    that changed since the last build alone, or the whole zone when asked (``whole``, or
    a change that did not say which names), for the root, and for the first build. The
    version sent, or None when there was nothing to send or the zone is no longer the
    registry's (a TLD removed)."""
    # Clear the request first: a change committing from here on asks for another build.
    ZonePublication.objects.filter(zone=zone).update(requested_at=None)
    if zone != ROOT and not Tld.objects.filter(name=zone.rstrip(".")).exists():
        return None
    with transaction.atomic():
        publication, _ = ZonePublication.objects.select_for_update().get_or_create(zone=zone)
        pending = list(ZonePendingName.objects.filter(zone=zone).values_list("pk", "name"))
        whole = whole or publication.whole or zone == ROOT or publication.version == 0
        if not whole and not pending:
            return None  # asked for, and built meanwhile with the rest
        ZonePendingName.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
        started = time.monotonic()
        if whole:
            records, servers = build(zone)
        else:
            names = [name for _, name in pending]
            records = build_names(zone.rstrip("."), names)
        publication.build_seconds = time.monotonic() - started
        publication.version += 1
        publication.whole = False
        publication.built_at = clock.now()
        publication.save(update_fields=["version", "built_at", "build_seconds", "whole"])
    if whole:
        kind = "root" if zone == ROOT else "tld"
        current_app.send_task("resolver.tasks.store_zone", args=[zone, kind, publication.version, records, servers])
    else:
        owners = [f"{name}." for name in names]
        current_app.send_task(
            "resolver.tasks.patch_zone", args=[zone, publication.version - 1, publication.version, owners, records]
        )
    return publication.version


def stale_requests(older_than: float) -> list[str]:
    """Zones whose requested build has not started for ``older_than`` seconds (a lost message)."""
    cutoff = clock.now() - timedelta(seconds=older_than)
    return list(ZonePublication.objects.filter(requested_at__lt=cutoff).values_list("zone", flat=True))
