"""The rental nameservers' own zones, and the SOA and NS every hosted zone starts with.

Like Route 53's ``awsdns-NN.com``, the pool's host names live in domains of their own
(``ns-1.namesmith-dns.com``, see ``NetworkPlan.rental_domains``): the in-house registrar
holds each domain at the registry with the pool's hosts as glue (``registry.demo``), and
the rental servers serve its zone, published here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from config.network import Server
from resolver.choices import ZoneKind
from resolver.services import publish_zone

# Route 53's defaults for a hosted zone: SOA timers and TTLs.
SOA_TIMERS = "7200 900 1209600 86400"
SOA_TTL = 900
NS_TTL = 172800


def zone_records(name: str, nameservers: list[str], records: Sequence[Sequence[Any]] = ()) -> list[list[Any]]:
    """A hosted zone's records: Route 53's SOA and NS, then ``records``."""
    origin = name.rstrip(".").lower() + "."
    ns = [n.rstrip(".").lower() + "." for n in nameservers]
    head = [
        [origin, SOA_TTL, "SOA", f"{ns[0]} hostmaster.{ns[0].split('.', 1)[1]} 1 {SOA_TIMERS}"],
        *([origin, NS_TTL, "NS", n] for n in ns),
    ]
    return head + [list(r) for r in records]


def publish_platform_zones(grown: Sequence[Server] = ()) -> None:
    """Publish each pool domain's zone: SOA, NS (the plan's servers in it) and the
    addresses of its servers, those the pool grew by (``grown``) among them."""
    for domain, servers in settings.NETWORK_PLAN.rental_domains().items():
        names = [s.name for s in servers]
        inside = [*servers, *(s for s in grown if s.name.endswith(f".{domain}."))]
        records = [[s.name, NS_TTL, "A", s.address] for s in inside]
        publish_zone(domain, ZoneKind.PLATFORM, zone_records(domain, names, records), names)
