"""Reading the zone store for run_dns (it passes these to DnsServer as its readers). Plain
functions, called off the event loop."""

from __future__ import annotations

from django.db import close_old_connections

from resolver.models import Zone


def serials(names: set[str] | None = None) -> dict[str, int]:
    """Serial of every published zone, or of those of ``names`` that are published, by
    zone name."""
    close_old_connections()
    zones = Zone.objects.all() if names is None else Zone.objects.filter(name__in=names)
    return dict(zones.values_list("name", "serial"))


def load(name: str) -> tuple[int, list, list[str], list] | None:
    """Serial, records, servers and routed record sets of one zone, or None if it is not
    published."""
    close_old_connections()
    row = Zone.objects.filter(name=name).values_list("serial", "records", "servers", "routed").first()
    return None if row is None else tuple(row)
