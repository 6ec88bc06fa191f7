"""Celery tasks of the resolver queue."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from config import clock
from resolver import health, rental, services

log = logging.getLogger(__name__)

# A new zone version reaches the servers by NOTIFY within milliseconds: look soon after a
# publication, then every half second while changes are PENDING and their servers answer,
# for changes made within the last minute (beat's sweep looks at older ones). One round
# looks at every zone with such changes, so a burst of publications shares the rounds.
OBSERVE_FIRST_AFTER = 0.1
OBSERVE_EVERY = 0.5
OBSERVE_FOR = 60
ROUND_DUE = "resolver:observation-round-due"


@shared_task(
    name="resolver.tasks.store_zone",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def store_zone(zone: str, kind: str, version: int, records: list, servers: list) -> None:
    """Store a zone version a publisher built; NOTIFY its servers once committed."""
    try:
        services.publish_zone(zone, kind, records, servers, version=version)
    except services.ZoneRejected as exc:  # a bad build stays bad on retry: keep serving the last good one
        log.error("zone %s version %s rejected: %s", zone, version, exc)


@shared_task(
    name="resolver.tasks.publish_hosted_zone",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
)
def publish_hosted_zone(zone_id: str) -> None:
    """Publish a hosted zone's current version, then have its servers watched taking it."""
    if rental.publish_hosted_zone(zone_id) is not None:
        request_observation(OBSERVE_FIRST_AFTER)


def request_observation(countdown: float) -> None:
    """Queue a round of observation in ``countdown`` seconds, unless one is queued already
    and has not started. (The mark expires, so a round whose message was lost only
    delays the next one; beat's sweep observes all the same.)"""
    if cache.add(ROUND_DUE, True, timeout=countdown + 10):
        observe_pending_changes.apply_async(countdown=countdown)


@shared_task(name="resolver.tasks.observe_pending_changes")
def observe_pending_changes() -> int:
    """Mark INSYNC the recent changes every nameserver of their zone serves; another round
    follows while some are PENDING and the servers answer (none answering: run_dns is not
    running, and the sweep takes over). How many stay PENDING."""
    cache.delete(ROUND_DUE)  # publications from now on are for the next round
    seen = rental.observe_pending(since=clock.now() - timedelta(seconds=OBSERVE_FOR))
    if seen.pending and seen.answering:
        request_observation(OBSERVE_EVERY)
    return seen.pending


@shared_task(name="resolver.tasks.sync_pending_changes")
def sync_pending_changes() -> int:
    """Beat's sweep: republish zones whose changes never got a serial (a lost task) and
    look again at every zone with PENDING changes."""
    return rental.sync_pending_changes()


@shared_task(name="resolver.tasks.run_health_checks", autoretry_for=(OperationalError, InterfaceError), max_retries=3)
def run_health_checks() -> int:
    """Beat's sweep (every HEALTH_SWEEP_EVERY seconds): probe the health checks that are due."""
    return health.run_due_checks()
