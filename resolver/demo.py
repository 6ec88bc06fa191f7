"""Demo data of the DNS side: the rental pool's domains and the demo customer's zone."""

from __future__ import annotations

from django.conf import settings

from registry.services import get_registrar
from resolver import platform
from resolver.choices import ZoneKind
from resolver.services import publish_zone

DEMO_DOMAIN = "example.com"
DEMO_ADDRESS = "192.0.2.44"
RECORD_TTL = 300


def demo_nameservers() -> list[str]:
    """Four rental nameservers for the demo zone, one from each pool domain where possible."""
    pool = settings.NETWORK_PLAN.rental_nameservers
    picked = [servers[0].name for servers in platform.platform_domains().values()][:4]
    picked += [s.name for s in pool if s.name not in picked][: 4 - len(picked)]
    return [name.rstrip(".") for name in picked]


def seed() -> list[str]:
    """Set up the rental pool's domains and publish the demo zone; its nameservers."""
    platform.register_platform(get_registrar(settings.REGISTRAR_CLIENT_ID))
    platform.publish_platform_zones()
    nameservers = demo_nameservers()
    origin = f"{DEMO_DOMAIN}."
    records = [[origin, RECORD_TTL, "A", DEMO_ADDRESS], [f"www.{origin}", RECORD_TTL, "A", DEMO_ADDRESS]]
    publish_zone(DEMO_DOMAIN, ZoneKind.HOSTED, platform.zone_records(DEMO_DOMAIN, nameservers, records), nameservers)
    return nameservers
