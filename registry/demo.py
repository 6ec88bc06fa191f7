"""Demo data of the registry: four TLDs, the in-house registrar and two partners, and
the domains the rental nameservers are named under.

Running ``seed`` again changes nothing: rows are looked up before they are made,
credentials are set only when a registrar is first created, and the opening top-ups
carry fixed client transaction ids, so a second run replays them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from registry import services
from registry.errors import RegistryError
from registry.models import PremiumName, Registrar, RegistrarToken, ReservedName, Tld, TldNameserver

TLDS = {
    # name: (create, renew, transfer, restore) per year in cents, reserved, premium.
    # The TLD servers come from the network plan (settings.NETWORK_PLAN).
    "com": (
        (1044, 1044, 1044, 4000),
        ["nic", "whois", "rdap", "registry"],
        {"shop": 250000, "cloud": 120000},
    ),
    "net": (
        (1184, 1184, 1184, 4000),
        # The plan's root and TLD servers are named under these (see config.network).
        ["nic", "whois", "gtld-servers", "root-servers", "tld-servers"],
        {"web": 50000},
    ),
    "org": (
        (1096, 1096, 1096, 4000),
        ["nic", "whois", "afilias-nst"],
        {"charity": 30000},
    ),
    "kr": ((2000, 2000, 2000, 5000), ["nic", "whois", "kisa", "dns"], {"seoul": 80000}),
}


@dataclass(frozen=True)
class DemoRegistrar:
    client_id: str
    name: str
    iana_id: int
    email: str
    epp_password: str
    api_token: str
    opening_balance: int
    internal: bool = False


REGISTRARS = [
    DemoRegistrar(
        "namesmith",
        "Namesmith Registrar",
        9001,
        "registrar@namesmith.localhost",
        "namesmith-epp-2026",
        "nsm_namesmith_demo-token-of-the-in-house-registrar",
        10_000_000_00,
        True,
    ),
    DemoRegistrar(
        "alpha-reg",
        "Alpha Names Inc.",
        9002,
        "epp@alpha-names.localhost",
        "alpha-epp-2026",
        "nsm_alphareg_demo-token-of-alpha-names",
        5_000_00,
    ),
    DemoRegistrar(
        "beta-reg",
        "Beta Domains Ltd.",
        9003,
        "epp@beta-domains.localhost",
        "beta-epp-2026",
        "nsm_betareg_demo-token-of-beta-domains",
        500_00,
    ),
]


PLATFORM_YEARS = 10  # or the longest period the TLD allows


def seed() -> list[DemoRegistrar]:
    """The TLDs and registrars, then the rental pool's domains (held by the in-house registrar)."""
    registrars = _seed_tlds_and_registrars()
    register_rental_pool(services.get_registrar(settings.REGISTRAR_CLIENT_ID))
    return registrars


@transaction.atomic
def _seed_tlds_and_registrars() -> list[DemoRegistrar]:
    for name, (fees, reserved, premium) in TLDS.items():
        create, renew, transfer, restore = fees
        tld, _ = Tld.objects.get_or_create(
            name=name,
            defaults={"create_fee": create, "renew_fee": renew, "transfer_fee": transfer, "restore_fee": restore},
        )
        for position, server in enumerate(settings.NETWORK_PLAN.servers_for_tld(name)):
            TldNameserver.objects.get_or_create(
                tld=tld, hostname=server.name.rstrip("."), defaults={"position": position}
            )
        for label in reserved:
            ReservedName.objects.get_or_create(tld=tld, label=label, defaults={"reason": "registry operations"})
        for label, fee in premium.items():
            PremiumName.objects.get_or_create(tld=tld, label=label, defaults={"annual_fee": fee})

    for demo in REGISTRARS:
        registrar = Registrar.objects.filter(client_id=demo.client_id).first()
        if registrar is None:
            registrar = Registrar(
                client_id=demo.client_id,
                name=demo.name,
                iana_id=demo.iana_id,
                email=demo.email,
                is_internal=demo.internal,
            )
            registrar.set_epp_password(demo.epp_password)
            registrar.save()
        prefix = demo.api_token.split("_")[1]
        if not RegistrarToken.objects.filter(prefix=prefix).exists():
            RegistrarToken.issue(registrar, "demo token", demo.api_token)
        services.top_up(registrar, demo.opening_balance, cl_trid="seed-opening-balance", description="Opening balance")
    assert settings.REGISTRAR_CLIENT_ID in {d.client_id for d in REGISTRARS}
    return REGISTRARS


def balances() -> dict[str, int]:
    """Each registrar's prepaid balance (minor units), by client id."""
    return dict(Registrar.objects.values_list("client_id", "balance"))


def register_rental_pool(registrar: Registrar) -> None:
    """Register the domains the rental nameservers are named under, and those servers as
    their hosts with glue, for ``registrar`` (safe to run again).

    Like Route 53's ``awsdns-NN.com``, the pool's host names live in domains of their own
    (``ns-1.namesmith-dns.com``), so a resolver that meets ``ns-2.namesmith-dns.net``
    without glue finds it through the net servers, as on the Internet.
    """
    plan = settings.NETWORK_PLAN
    for domain, servers in plan.rental_domains().items():
        [check] = services.check([domain])
        years = min(PLATFORM_YEARS, check.max_years or PLATFORM_YEARS)  # the longest the TLD allows
        _once(services.create_domain, registrar, domain, years=years, cl_trid=f"platform-{domain}")
        for server in servers:
            host = server.name.rstrip(".")
            _once(services.create_host, registrar, host, [server.address], cl_trid=f"platform-{host}")
        names = [s.name.rstrip(".") for s in servers]
        if len(names) < services.MIN_NAMESERVERS:  # a small pool: lend hosts of the other domains
            others = [s.name.rstrip(".") for s in plan.rental_nameservers if s not in servers]
            names += others[: services.MIN_NAMESERVERS - len(names)]
        _once(services.update_nameservers, registrar, domain, names, cl_trid=f"platform-{domain}-ns")


def _once(service, *args, **kwargs) -> None:
    """Run a registry transform whose clTRID makes a second run a replay."""
    try:
        service(*args, **kwargs)
    except RegistryError as exc:
        raise RegistryError(
            f"setting up the rental nameservers' domains failed: {exc.message}. If the network plan changed "
            "since the demo data was loaded, start from an empty database (make clean)."
        ) from exc
