"""Publishing a hosted zone: each version goes to the zone store (after the transaction
that made it commits), and the changes it carries stay PENDING until each nameserver of
the zone is seen answering with the serial that carries them; beat's sweep finds the
changes whose publication or watch was lost."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, cast

import dns.rcode
import dns.rdatatype
from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu.exceptions import KombuError

from config import clock
from resolver import platform
from resolver.choices import ChangeStatus, RoutingPolicy, ZoneKind
from resolver.dns.wire.probe import ask, soa_serial
from resolver.models import Change, HostedZone, RecordSet, Zone
from resolver.services import ZoneRejected, patch_zone, publish_zone

log = logging.getLogger(__name__)

PUBLISH_TASK = "resolver.tasks.publish_hosted_zone"


def publish_after_commit(zone_id: str) -> None:
    """Queue the zone's publication once the transaction commits, unless one is queued
    already and not yet started: it publishes the zone as it is when it runs, so a burst of
    changes costs one build (``publication_queued`` is set here, cleared by the task)."""
    if not HostedZone.objects.filter(pk=zone_id, publication_queued=False).update(publication_queued=True):
        return

    def send() -> None:
        try:
            current_app.send_task(PUBLISH_TASK, args=[zone_id])
        except (KombuError, OSError) as exc:  # the broker is away: the pending-change sweep publishes it later
            HostedZone.objects.filter(pk=zone_id).update(publication_queued=False)
            log.warning("could not queue the publication of hosted zone %s: %r", zone_id, exc)

    transaction.on_commit(send)


def zone_records(zone: HostedZone, record_sets: Iterable[RecordSet]) -> tuple[list[Any], list[dict[str, Any]]]:
    """The zone as the store keeps it: Route 53's SOA and NS, then every simple record set
    (an alias answers with its target's values and TTL); and the routed record sets."""
    rows = list(record_sets)
    targets = {(r.name, r.type): r for r in rows if not r.alias_target and r.routing == RoutingPolicy.SIMPLE}
    records: list[list[Any]] = []
    routed: dict[tuple[str, str], dict[str, Any]] = {}
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
    """Publish the zone's current version; the changes it carries learn their serial.
    When every version since the stored one is a change batch, only the names they
    touched are sent (``patch_zone``); otherwise the whole zone is."""
    with transaction.atomic():
        zone = HostedZone.objects.select_for_update().filter(pk=zone_id).first()
        if zone is None:
            return None
        if zone.publication_queued:  # a change from now on queues the next publication
            HostedZone.objects.filter(pk=zone_id).update(publication_queued=False)
        try:
            stored = _publish_changed_names(zone)
            if stored is False:
                stored = _publish_whole(zone)
        except ZoneRejected as exc:
            log.error("hosted zone %s version %s not published: %s", zone.name, zone.version, exc)
            return None
        stored = stored or Zone.objects.get(key=zone.pk)  # None: this version was stored already
        Change.objects.filter(zone=zone, serial=None, version__lte=stored.version).update(serial=stored.serial)
    return stored


def _publish_whole(zone: HostedZone) -> Zone | None:
    records, routed = zone_records(zone, zone.record_sets.select_related("health_check"))
    return publish_zone(
        zone.name,
        ZoneKind.HOSTED,
        records,
        zone.nameservers,
        version=zone.version,
        routed=routed,
        key=zone.pk,
        notify=zone.notify_targets,
        transfer={"allow": zone.transfer_allow, "key": zone.transfer_key},
    )


def _publish_changed_names(zone: HostedZone) -> Zone | Literal[False] | None:
    """Send the store only the names the change batches since its version touched (and
    the aliases pointing at them); False when some version since is not a change batch
    (a health check turned, the secondaries changed) or nothing is stored yet."""
    stored = Zone.objects.filter(key=zone.pk).values_list("version", flat=True).first()
    if stored is None or stored >= zone.version:
        return False
    batches = list(Change.objects.filter(zone=zone, version__gt=stored).values_list("version", "changes"))
    if sorted(version for version, _ in batches) != list(range(stored + 1, zone.version + 1)):
        return False
    names = {change["record_set"]["name"] for _, changes in batches for change in changes}
    names |= set(zone.record_sets.filter(alias_target__in=names).values_list("name", flat=True))
    rows = list(zone.record_sets.filter(name__in=names).select_related("health_check"))
    if targets := {row.alias_target for row in rows if row.alias_target} - names:  # what aliases answer with
        rows += list(zone.record_sets.filter(name__in=targets).select_related("health_check"))
    records, routed = zone_records(zone, rows)
    try:
        return patch_zone(
            zone.pk,
            names,
            [r for r in records if r[0] in names],
            [entry for entry in routed if entry["name"] in names],
            version=zone.version,
        )
    except LookupError:
        return False


@dataclass(frozen=True)
class Observed:
    pending: int  # changes still PENDING
    answering: int  # nameservers that answered with authority for the zone


def observe_changes(zone_id: str, *, timeout: float = 1.0) -> Observed:
    """Mark INSYNC the zone's changes every nameserver answers for."""
    pending = list(Change.objects.filter(zone_id=zone_id, status=ChangeStatus.PENDING).select_related("zone"))
    if not pending:
        return Observed(0, 0)
    zone = pending[0].zone
    assert zone is not None  # filtered by it
    plan = settings.NETWORK_PLAN
    served = [soa_serial(plan.address_of(name), plan.dns_port, zone.name, timeout) for name in zone.nameservers]
    lowest = None if None in served else min(cast(list[int], served))
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
        zone__isnull=False,  # the changes of a deleted zone stay as they were
        status=ChangeStatus.PENDING,
        submitted_at__lt=clock.now() - timedelta(seconds=settings.ZONE_REQUEST_STALE_AFTER),
    )
    unpublished = set(stale.filter(serial=None).values_list("zone_id", flat=True))
    unobserved = set(stale.values_list("zone_id", flat=True)) - unpublished
    return Stale(sorted(unpublished), sorted(unobserved))


@dataclass(frozen=True)
class NameserverAnswer:
    server: str  # the nameserver asked
    rcode: str  # its response code, or "" when it did not answer
    records: list[str]  # the data of the records answering the question


def answer_from_nameserver(
    zone: HostedZone, name: str, rtype: str, subnet: tuple[str, int] | None = None
) -> NameserverAnswer:
    """Ask the zone's first nameserver, over DNS, what it answers for ``name`` and ``rtype``
    (as a resolver for a client in ``subnet`` would): Route 53's TestDNSAnswer."""
    plan = settings.NETWORK_PLAN
    server = zone.nameservers[0]
    response = ask(plan.address_of(server), plan.dns_port, name, rtype, 2.0, subnet)
    if response is None:
        return NameserverAnswer(server, "", [])
    wanted = dns.rdatatype.from_text(rtype)
    records = [rdata.to_text() for rrset in response.answer if rrset.rdtype == wanted for rdata in rrset]
    return NameserverAnswer(server, dns.rcode.to_text(response.rcode()), records)
