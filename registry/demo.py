"""Demo data of the registry: four TLDs, the in-house registrar and two partners.

Running ``seed`` again changes nothing: rows are looked up before they are made,
credentials are set only when a registrar is first created, and the opening top-ups
carry fixed client transaction ids, so a second run replays them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from registry import services
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


@transaction.atomic
def seed() -> list[DemoRegistrar]:
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
