"""Demo data of the DNS side: the rental pool's domains, the demo origins, and the demo
customer's zone with failover between them."""

from __future__ import annotations

from django.conf import settings

from resolver import health, origins, platform, rental
from resolver.choices import ChangeAction
from resolver.models import HealthCheck, HostedZone

DEMO_DOMAIN = "example.com"
DEMO_ADDRESS = "192.0.2.44"
RECORD_TTL = 300


def demo_nameservers() -> list[str]:
    """Four rental nameservers, the first of each pool domain where possible."""
    pool = settings.NETWORK_PLAN.rental_nameservers
    picked = [servers[0].name for servers in settings.NETWORK_PLAN.rental_domains().values()][:4]
    picked += [s.name for s in pool if s.name not in picked][: 4 - len(picked)]
    return [name.rstrip(".") for name in picked]


FAILOVER_TTL = 10  # short, so resolvers follow a failover quickly


def seed() -> None:
    """Publish the zones of the rental pool's domains (registered by ``registry.demo``); the demo origins."""
    platform.publish_platform_zones(rental.grown_servers())
    origins.seed()


def origin_checks(owner) -> list[HealthCheck]:
    """An HTTP health check per demo origin (made once), looking for the origin's name."""
    checks = []
    for origin in settings.NETWORK_PLAN.origins:
        check = HealthCheck.objects.filter(owner=owner, name=f"demo {origin.name}").first()
        if check is None:
            check = health.create_health_check(
                owner,
                {
                    "name": f"demo {origin.name}",
                    "kind": "HTTP",
                    "ip_address": origin.address,
                    "port": origin.port,
                    "search_string": origin.name,
                    "interval": 10,
                    "failure_threshold": 2,
                },
            )
        checks.append(check)
    return checks


def demo_records(owner) -> list[dict]:
    """The demo zone's record sets: the apex at the story's 192.0.2.44, and www on the
    demo origins with failover (origin-1 while its health check passes, else origin-2)."""
    apex = {"name": DEMO_DOMAIN, "type": "A", "ttl": RECORD_TTL, "values": [DEMO_ADDRESS]}
    www = f"www.{DEMO_DOMAIN}"
    plan_origins = settings.NETWORK_PLAN.origins
    if len(plan_origins) < 2:  # a plan without origins: www where the story puts it
        return [apex, {**apex, "name": www}]
    roles = ["PRIMARY", "SECONDARY"]
    return [apex] + [
        {
            "name": www,
            "type": "A",
            "ttl": FAILOVER_TTL,
            "values": [origin.address],
            "routing": "failover",
            "failover": role,
            "set_identifier": origin.name,
            "health_check": check.pk,
        }
        for origin, check, role in zip(plan_origins[:2], origin_checks(owner)[:2], roles, strict=True)
    ]


def seed_zone(owner) -> HostedZone:
    """The demo customer's hosted zone, on the first rental server of each pool domain
    (ns-1 to ns-4, so the README's dig lines hit it), with ``demo_records``; made once,
    and published now so a fresh start serves it. The demo order then finds it and
    delegates the domain to its nameservers."""
    zone, _, _ = rental.create_hosted_zone(
        owner,
        DEMO_DOMAIN,
        caller_reference=f"seed-demo-{DEMO_DOMAIN}",
        nameservers=demo_nameservers(),
    )
    if not zone.record_sets.exists():
        changes = [{"action": ChangeAction.CREATE, "record_set": record} for record in demo_records(owner)]
        rental.change_record_sets(owner, zone.pk, changes, comment="demo records")
    rental.publish_hosted_zone(zone.pk)
    return zone
