"""Demo data of the DNS side: the rental pool's domains and the demo customer's zone."""

from __future__ import annotations

from django.conf import settings

from registry.services import get_registrar
from resolver import platform, rental
from resolver.choices import ChangeAction
from resolver.models import HostedZone

DEMO_DOMAIN = "example.com"
DEMO_ADDRESS = "192.0.2.44"
RECORD_TTL = 300


def demo_nameservers() -> list[str]:
    """Four rental nameservers, the first of each pool domain where possible."""
    pool = settings.NETWORK_PLAN.rental_nameservers
    picked = [servers[0].name for servers in platform.platform_domains().values()][:4]
    picked += [s.name for s in pool if s.name not in picked][: 4 - len(picked)]
    return [name.rstrip(".") for name in picked]


def seed() -> None:
    """Set up the rental pool's domains and publish their zones."""
    platform.register_platform(get_registrar(settings.REGISTRAR_CLIENT_ID))
    platform.publish_platform_zones()


def seed_zone(owner) -> HostedZone:
    """The demo customer's hosted zone, on the first rental server of each pool domain
    (ns-1 to ns-4, so the README's dig lines hit it), with apex and www addresses; made
    once, and published now so a fresh start serves it. The demo order then finds it and
    delegates the domain to its nameservers."""
    zone, _, _ = rental.create_hosted_zone(
        owner,
        DEMO_DOMAIN,
        caller_reference=f"seed-demo-{DEMO_DOMAIN}",
        for_registration=True,
        nameservers=demo_nameservers(),
    )
    if not zone.record_sets.exists():
        changes = [
            {
                "action": ChangeAction.UPSERT,
                "record_set": {"name": name, "type": "A", "ttl": RECORD_TTL, "values": [DEMO_ADDRESS]},
            }
            for name in (DEMO_DOMAIN, f"www.{DEMO_DOMAIN}")
        ]
        rental.change_record_sets(owner, zone.pk, changes, comment="demo records")
    rental.publish_hosted_zone(zone.pk)
    return zone
