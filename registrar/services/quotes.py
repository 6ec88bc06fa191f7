"""What the shop offers and charges: quotes (the registry's availability and fee plus
the registrar's margin), the search page's names, and the prices of renewals, transfers
and restores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import idna
from django.conf import settings

from registrar.models import CustomerDomain
from registry import services as registry
from registry.errors import ParameterError


@dataclass(frozen=True)
class Quote:
    """A name as the shop offers it: registry availability plus the retail price."""

    check: registry.NameCheck
    price_per_year: int | None

    def price(self, years: int) -> int:
        assert self.price_per_year is not None
        return self.price_per_year * years


def quote(names: list[str]) -> list[Quote]:
    return [Quote(check=c, price_per_year=_price_per_year(c)) for c in registry.check(names)]


def _price_per_year(check: registry.NameCheck) -> int | None:
    """A year of a name that can be registered: the registry's create fee plus our margin."""
    if not check.registrable or check.create_fee is None:
        return None
    return with_margin(check.create_fee, 1)


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
    tlds = registry.tld_names()
    label, _, tld = text.rpartition(".")
    if not label or (tld.lower() not in tlds and _ascii_tld(tld) not in tlds):
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


# --- prices: the margin, and orders about a held domain ---------------------------------------


class Price(NamedTuple):
    """What an order line costs: the registry's fee, which our prepaid account pays, and
    the customer's price, that fee plus our margin."""

    registry_fee: int
    retail: int


def with_margin(registry_fee: int, years: int) -> int:
    """The customer's price of ``years`` years at ``registry_fee``: the registrar's margin
    (REGISTRAR_MARGIN_PER_YEAR) on each."""
    return registry_fee + settings.REGISTRAR_MARGIN_PER_YEAR * years


def renewal_price(name: str) -> int:
    """The retail price of one more year of ``name``: the registry's renew fee plus the margin."""
    return renewal_cost(name, 1).retail


def renewal_cost(name: str, years: int) -> Price:
    """What renewing ``name`` for ``years`` costs: the registry's renew fee and our margin for each year."""
    fee = registry.annual_fee(name, "renew")
    return Price(fee * years, with_margin(fee * years, years))


def transfer_cost(name: str) -> Price:
    """What transferring ``name`` in costs: the registry's transfer fee (it adds a year) and our margin."""
    fee = registry.annual_fee(name, "transfer")
    return Price(fee, with_margin(fee, 1))


def restore_price(domain: CustomerDomain) -> Price:
    """(registry fee, retail price) of restoring ``domain`` from redemption: the registry's
    restore fee, plus a year's renewal for each year it has been expired, each with our
    margin. The expiry is the registry's (a delete in the auto-renew grace takes back the
    auto-renewed year), or ours when the registry no longer has the domain."""
    restore = registry.restore_quote(domain.name, expires_at=domain.expires_at)
    return Price(restore.fee, with_margin(restore.fee, 1 + restore.renew_years))
