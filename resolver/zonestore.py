"""Reading the zone store for run_dns (it passes these to DnsServer as its readers). Plain
functions, called off the event loop; and ``watch``, which hears of changes published on
other hosts through Redis."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from resolver.models import Zone, ZoneDelta


def serials(names: set[str] | None = None) -> dict[str, int]:
    """Serial of every published zone, or of those named ``names``, by the zone's key
    (several hosted zones may share a name)."""
    close_old_connections()
    zones = Zone.objects.all() if names is None else Zone.objects.filter(name__in=names)
    return dict(zones.values_list("key", "serial"))


def load(key: str) -> tuple[str, int, list, list[str], list, dict] | None:
    """Name, serial, records, servers, routed record sets and its secondaries (who may
    transfer it and whom to NOTIFY, see ``publish_zone``) of one zone, or None if it is
    not published."""
    close_old_connections()
    row = (
        Zone.objects.filter(key=key)
        .values_list("name", "serial", "records", "servers", "routed", "transfer", "notify")
        .first()
    )
    if row is None:
        return None
    *fields, transfer, notify = row
    return (*fields, {**transfer, "notify": notify})


def changes(key: str, since: int, until: int | None = None) -> tuple[int, list[str], list | None, bool] | None:
    """What changed in a zone from serial ``since`` to ``until`` (by default the stored
    one): (stored serial, servers, each version's (removed, added) records oldest first, or
    None when the history does not reach back, whether a version must be loaded whole);
    None if the zone is not published."""
    close_old_connections()
    row = Zone.objects.filter(key=key).values_list("serial", "servers").first()
    if row is None:
        return None
    serial, servers = row
    until = serial if until is None else until
    deltas = (
        ZoneDelta.objects.filter(zone_id=key, serial_from__gte=since, serial_to__lte=until)
        .order_by("serial_from")
        .values_list("serial_from", "serial_to", "removed", "added", "load_whole")
    )
    chain, at, load_whole = [], since, False
    for serial_from, serial_to, removed, added, whole in deltas:
        if serial_from != at:
            break  # a gap: the history does not reach
        chain.append((removed, added))
        load_whole |= whole
        at = serial_to
    return serial, servers, chain if at == until else None, load_whole


log = logging.getLogger(__name__)


def changes_channel() -> str:
    """The Redis channel zone changes are announced on (resolver.services.announce)."""
    return f"{settings.REDIS_KEY_PREFIX}zone-changes"


def watch(on_change: Callable[[str], None]) -> threading.Thread | None:
    """Call ``on_change(zone)`` from a background thread for every zone change announced
    in Redis, reconnecting after an error; None (and no thread) without Redis."""
    url = settings.REDIS_URL
    if not url:
        return None

    def listen() -> None:
        import redis

        client = redis.Redis.from_url(url)
        delay = 1.0
        while True:
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(changes_channel())
                delay = 1.0
                for message in pubsub.listen():
                    on_change(message["data"].decode())
            except redis.RedisError as exc:
                log.warning("zone change announcements: %r; listening again in %.0f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)

    thread = threading.Thread(target=listen, name="zone-changes", daemon=True)
    thread.start()
    return thread
