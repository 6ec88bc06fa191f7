"""What the shop offers and charges: quotes (the registry's availability and fee plus
the registrar's margin), the search page's names, and the prices of renewals, transfers
and restores."""

from __future__ import annotations

from dataclasses import dataclass

import idna
from django.conf import settings

from config import clock
from registrar.models import CustomerDomain
from registry import services as registry
from registry.errors import ParameterError, RegistryError
from registry.models import Tld


@dataclass(frozen=True)
class Quote:
    """A name as the shop offers it: registry availability plus the retail price."""

    check: registry.NameCheck
    price_per_year: int | None

    def price(self, years: int) -> int:
        assert self.price_per_year is not None
        return self.price_per_year * years


def quote(names: list[str]) -> list[Quote]:
    margin = settings.REGISTRAR_MARGIN_PER_YEAR
    return [
        Quote(check=c, price_per_year=(c.create_fee + margin) if c.registrable else None) for c in registry.check(names)
    ]


@dataclass(frozen=True)
class Search:
    """What the shop's search shows for what a visitor typed: the name itself when it names
    a TLD, the same label under every TLD, and a few close variants."""

    query: str
    exact: Quote | None
    across: list[Quote]
    variants: list[Quote]


VARIANT_FORMS = ("get{}", "my{}", "{}hq", "{}-online", "the{}")


def search(query: str) -> Search:
    """Availability and prices for ``query`` ("example", "example.com", "bücher.kr")."""
    text = query.strip().rstrip(".")
    if not text:
        raise ParameterError("type a name to look for, such as example or example.com")
    tlds = list(Tld.objects.order_by("name").values_list("name", flat=True))
    label, _, tld = text.rpartition(".")
    if not label or tld.lower() not in tlds and _ascii_tld(tld) not in tlds:
        label, tld = text, ""  # no TLD we run: look for the whole text under each of them
    tld = _ascii_tld(tld) if tld else ""
    exact_name = f"{label}.{tld}" if tld else None
    across = [f"{label}.{t}" for t in tlds if t != tld]
    first_tld = tld or (tlds[0] if tlds else "")
    variants = [f"{form.format(label)}.{first_tld}" for form in VARIANT_FORMS] if "." not in label else []
    names = ([exact_name] if exact_name else []) + across + variants
    quotes = quote(names[: registry.MAX_CHECK_NAMES])
    exact = quotes.pop(0) if exact_name else None
    return Search(
        query=text,
        exact=exact,
        across=quotes[: len(across)],
        variants=[q for q in quotes[len(across) :] if q.check.registrable],
    )


def _ascii_tld(tld: str) -> str:
    try:
        return idna.encode(tld, uts46=True).decode("ascii")
    except idna.IDNAError:
        return tld.lower()


def renewal_price(name: str) -> int:
    """The retail price of one more year of ``name``: the registry's renew fee plus the margin."""
    return registry.annual_fee(name, "renew") + settings.REGISTRAR_MARGIN_PER_YEAR


def restore_price(domain: CustomerDomain) -> tuple[int, int]:
    """(registry fee, retail price) of restoring ``domain`` from redemption: the registry's
    restore fee, plus a year's renewal for each year it has been expired, each with our
    margin. The expiry is the registry's (a delete in the auto-renew grace takes back the
    auto-renewed year)."""
    try:
        expires_at = registry.info_domain(domain.name).expires_at
    except RegistryError:
        expires_at = domain.expires_at
    now, years = clock.now(), 0
    while registry.add_years(expires_at, years) <= now:
        years += 1
    fee = registry.annual_fee(domain.name, "restore") + registry.annual_fee(domain.name, "renew") * years
    return fee, fee + settings.REGISTRAR_MARGIN_PER_YEAR * (1 + years)
