"""Celery tasks of the resolver queue."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from resolver import services

log = logging.getLogger(__name__)


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
