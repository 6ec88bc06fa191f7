"""Celery tasks of the resolver queue."""

from __future__ import annotations

import logging

from celery import current_app, shared_task

from config.tasks import retrying_task
from resolver import health, platform, rental, services

log = logging.getLogger(__name__)

# A new zone version reaches the servers by NOTIFY within milliseconds; look soon, then
# every half second for a minute.
OBSERVE_FIRST_AFTER = 0.1
OBSERVE_EVERY = 0.5
OBSERVE_ATTEMPTS = 120


@retrying_task("resolver.tasks.store_zone")
def store_zone(zone: str, kind: str, version: int, records: list, servers: list) -> None:
    """Store a zone version a publisher built; NOTIFY its servers once committed."""
    try:
        services.publish_zone(zone, kind, records, servers, version=version)
    except services.ZoneRejected as exc:  # a bad build stays bad on retry: keep serving the last good one
        log.error("zone %s version %s rejected: %s", zone, version, exc)


# A part of a TLD zone that arrives before the part it follows waits this long for it,
# then the registry is asked for the whole zone.
PATCH_WAIT_EVERY = 0.2
PATCH_WAIT_ATTEMPTS = 25


@shared_task(name="resolver.tasks.patch_zone", bind=True, max_retries=None)
def patch_zone(self, zone: str, based_on: int, version: int, owners: list, records: list, attempt: int = 0) -> None:
    """Store a part of a zone version (the names that changed) the registry built."""
    try:
        services.patch_zone(zone, owners, records, version=version, based_on=based_on, subtrees=True)
    except services.OutOfOrder as exc:
        if attempt < PATCH_WAIT_ATTEMPTS:
            patch_zone.apply_async((zone, based_on, version, owners, records, attempt + 1), countdown=PATCH_WAIT_EVERY)
            return
        log.warning("%s; asking for the whole zone", exc)
        current_app.send_task("registry.tasks.publish_zone", args=[zone], kwargs={"whole": True})
    except LookupError:  # not stored yet (or gone): only the whole zone can be
        current_app.send_task("registry.tasks.publish_zone", args=[zone], kwargs={"whole": True})
    except services.ZoneRejected as exc:  # a bad part stays bad: keep serving the last good version
        log.error("zone %s version %s rejected: %s", zone, version, exc)


@retrying_task("resolver.tasks.publish_platform_zones")
def publish_platform_zones() -> None:
    """Publish the pool domains' zones again: the pool grew by a server."""
    platform.publish_platform_zones(rental.grown_servers())


@retrying_task("resolver.tasks.publish_hosted_zone")
def publish_hosted_zone(zone_id: str) -> None:
    """Publish a hosted zone's current version, then watch its servers take it."""
    if rental.publish_hosted_zone(zone_id) is not None:
        observe_changes.apply_async((zone_id,), countdown=OBSERVE_FIRST_AFTER)


@shared_task(name="resolver.tasks.observe_changes", bind=True, max_retries=None)
def observe_changes(self, zone_id: str, attempt: int = 0) -> int:
    """Mark the zone's changes INSYNC once every nameserver serves them; look again
    shortly while some are PENDING and the servers answer (the sweep takes over after
    OBSERVE_ATTEMPTS, or at once when none answers: run_dns is not running)."""
    seen = rental.observe_changes(zone_id)
    if seen.pending and seen.answering and attempt + 1 < OBSERVE_ATTEMPTS:
        observe_changes.apply_async((zone_id, attempt + 1), countdown=OBSERVE_EVERY)
    return seen.pending


@shared_task(name="resolver.tasks.sync_pending_changes")
def sync_pending_changes() -> int:
    """Beat's sweep over changes PENDING for a while: publish again the zones whose
    publication was lost (then watched as usual), and look once more at the others (the
    next sweep looks again). One task per zone: probing hundreds of zones in this one
    would hold a worker for seconds. How many zones it sent work for."""
    stale = rental.stale_changes()
    for zone_id in stale.unpublished:
        publish_hosted_zone.delay(zone_id)
    for zone_id in stale.unobserved:
        observe_changes.delay(zone_id, OBSERVE_ATTEMPTS - 1)
    return len(stale.unpublished) + len(stale.unobserved)


@retrying_task("resolver.tasks.run_health_checks", max_retries=3)
def run_health_checks() -> int:
    """Beat's sweep (every HEALTH_SWEEP_EVERY seconds): probe the health checks that are due."""
    return health.run_due_checks()
