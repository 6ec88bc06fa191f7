"""The rental nameservers' own domains and zones.

Like Route 53's ``awsdns-NN.com``, the pool's host names live in domains of their own
(``ns-1.namesmith-dns.com``): the in-house registrar registers each domain at the
registry with the pool's hosts as glue, and the rental servers serve its zone. So a
resolver that meets ``ns-2.namesmith-dns.net`` without glue finds it through the net
servers, as on the Internet.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from config.network import Server
from registry import services as registry
from registry.errors import RegistryError
from resolver.choices import ZoneKind
from resolver.services import publish_zone

# Route 53's defaults for a hosted zone: SOA timers and TTLs.
SOA_TIMERS = "7200 900 1209600 86400"
SOA_TTL = 900
NS_TTL = 172800
PLATFORM_YEARS = 10  # or the longest period the TLD allows


def platform_domains() -> dict[str, list[Server]]:
    """Each domain of the rental pool (no trailing dot) with the pool servers inside it."""
    domains: dict[str, list[Server]] = defaultdict(list)
    for server in settings.NETWORK_PLAN.rental_nameservers:
        labels = server.name.rstrip(".").split(".")
        domains[".".join(labels[-2:])].append(server)
    return dict(domains)


def zone_records(name: str, nameservers: list[str], records: list | tuple = ()) -> list:
    """A hosted zone's records: Route 53's SOA and NS, then ``records``."""
    origin = name.rstrip(".").lower() + "."
    ns = [n.rstrip(".").lower() + "." for n in nameservers]
    head = [
        [origin, SOA_TTL, "SOA", f"{ns[0]} hostmaster.{ns[0].split('.', 1)[1]} 1 {SOA_TIMERS}"],
        *([origin, NS_TTL, "NS", n] for n in ns),
    ]
    return head + [list(r) for r in records]


def register_platform(registrar) -> None:
    """Register the pool's domains and hosts at the registry (safe to run again)."""
    for domain, servers in platform_domains().items():
        [check] = registry.check([domain])
        years = min(PLATFORM_YEARS, check.max_years or PLATFORM_YEARS)  # the longest the TLD allows
        _once(registry.create_domain, registrar, domain, years=years, cl_trid=f"platform-{domain}")
        for server in servers:
            host = server.name.rstrip(".")
            _once(registry.create_host, registrar, host, [server.address], cl_trid=f"platform-{host}")
        names = [s.name.rstrip(".") for s in servers]
        if len(names) < registry.MIN_NAMESERVERS:  # a small pool: lend hosts of the other domains
            others = [s.name.rstrip(".") for s in settings.NETWORK_PLAN.rental_nameservers if s not in servers]
            names += others[: registry.MIN_NAMESERVERS - len(names)]
        _once(registry.update_nameservers, registrar, domain, names, cl_trid=f"platform-{domain}-ns")


def _once(service, *args, **kwargs) -> None:
    """Run a registry transform whose clTRID makes a second run a replay."""
    try:
        service(*args, **kwargs)
    except RegistryError as exc:
        raise RegistryError(
            f"setting up the rental nameservers' domains failed: {exc.message}. If the network plan changed "
            "since the demo data was loaded, start from an empty database (make clean)."
        ) from exc


def publish_platform_zones() -> None:
    """Publish each pool domain's zone: SOA, NS and the addresses of its servers."""
    for domain, servers in platform_domains().items():
        names = [s.name for s in servers]
        records = [[s.name, NS_TTL, "A", s.address] for s in servers]
        publish_zone(domain, ZoneKind.PLATFORM, zone_records(domain, names, records), names)
