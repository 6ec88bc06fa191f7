"""Reading the zone store for run_dns (it passes these to DnsServer as its readers). Plain
functions, called off the event loop."""

from __future__ import annotations

from django.db import close_old_connections

from resolver.models import Zone


def serials(names: set[str] | None = None) -> dict[str, int]:
    """Serial of every published zone, or of those named ``names``, by the zone's key
    (several hosted zones may share a name)."""
    close_old_connections()
    zones = Zone.objects.all() if names is None else Zone.objects.filter(name__in=names)
    return dict(zones.values_list("key", "serial"))


def load(key: str) -> tuple[str, int, list, list[str], list] | None:
    """Name, serial, records, servers and routed record sets of one zone, or None if it is
    not published."""
    close_old_connections()
    row = Zone.objects.filter(key=key).values_list("name", "serial", "records", "servers", "routed").first()
    return None if row is None else tuple(row)
