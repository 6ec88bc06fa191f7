"""Every fee question the registry answers: per-year fees by TLD and label (premium names
included), registration periods, what a restore costs, and the fees a check shows (the
REST check, EPP's fee extension, the registrar's quotes all read them from here).

Create, renew and transfer are charged per year; a restore once per request (plus the
renewals a restore of an expired domain needs, see ``restore_quote``); delete and update
cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config import clock
from config.money import format_money
from registry import lookups
from registry.choices import CheckStatus, FeeClass
from registry.errors import FeeMismatch, ObjectNotFound, ParameterError, UnknownTld
from registry.models import Domain, Tld
from registry.names import ParsedName, parse_domain_name
from registry.services.dates import years_to_outlive
from registry.services.results import NameCheck

PERIODIC = ("create", "renew", "transfer")  # charged per year
PRICED = (*PERIODIC, "restore")
FREE = ("delete", "update")


@dataclass(frozen=True)
class Fees:
    """What each priced command costs for one name: per year for create, renew and
    transfer (a premium name's premium fee), once for a restore."""

    fee_class: FeeClass
    create: int
    renew: int
    transfer: int
    restore: int

    def total(self, command: str, years: int = 1) -> int:
        """What ``command`` for ``years`` (periodic commands only) costs."""
        if command in FREE:
            return 0
        if command not in PRICED:
            raise ParameterError(f"no fee for {command!r}")
        fee: int = getattr(self, command)
        return fee * (years if command in PERIODIC else 1)

    def as_dict(self) -> dict[str, int]:
        return {command: getattr(self, command) for command in PRICED}


def fees_at(tld: Tld, premium_fee: int | None) -> Fees:
    """The fees of a name at ``tld`` whose label is premium at ``premium_fee`` (None: not)."""
    if premium_fee is None:
        return Fees(FeeClass.STANDARD, tld.create_fee, tld.renew_fee, tld.transfer_fee, tld.restore_fee)
    return Fees(FeeClass.PREMIUM, premium_fee, premium_fee, premium_fee, tld.restore_fee)


def fees_of(check: NameCheck) -> Fees | None:
    """The fees a check priced (a name that can be registered), with no query; else None."""
    if not check.registrable:
        return None
    fee_class = FeeClass.PREMIUM if check.status == CheckStatus.PREMIUM else FeeClass.STANDARD
    create, renew, transfer, restore = check.create_fee, check.renew_fee, check.transfer_fee, check.restore_fee
    # check() priced every command of a name it found registrable
    assert create is not None and renew is not None and transfer is not None and restore is not None
    return Fees(fee_class, create, renew, transfer, restore)


def fees_for(check: NameCheck) -> Fees:
    """The fees of a checked name: from the check when it priced the name (no query), else
    (a registered name, whose renewal or transfer one may ask the price of) from its TLD."""
    fees = fees_of(check)
    if fees is not None:
        return fees
    tld = tld_for(parse_domain_name(check.ascii or check.name))
    return fees_at(tld, tld.premium_fee)


def tld_for(parsed: ParsedName) -> Tld:
    """The name's TLD, with the name's policy there: ``is_reserved`` and ``premium_fee``
    (None unless premium). One query."""
    tld = lookups.tld_with_policy(parsed.tld, parsed.labels[0])
    if tld is None:
        raise UnknownTld(f".{parsed.tld} is not a TLD this registry runs")
    return tld


def tld_fee(tld: Tld, command: str) -> int:
    """Per-year fee of ``command`` (once for a restore) for the name ``tld`` was fetched
    for by ``tld_for``."""
    return fees_at(tld, tld.premium_fee).total(command)


def check_period(tld: Tld, years: int) -> None:
    if not isinstance(years, int) or isinstance(years, bool):
        raise ParameterError("the period must be a whole number of years")
    if not tld.min_years <= years <= tld.max_years:
        raise ParameterError(f".{tld.name} registers for {tld.min_years} to {tld.max_years} years; {years} was asked")


def check_fee(expected_fee: int | None, fee: int, what: str) -> None:
    if expected_fee is not None and expected_fee != fee:
        raise FeeMismatch(f"the fee for {what} is {format_money(fee)}, not {format_money(expected_fee)}")


def tld_fees() -> dict[str, Fees]:
    """The standard (not premium) fees of every TLD this registry runs, by TLD name in order."""
    return {tld.name: fees_at(tld, None) for tld in Tld.objects.order_by("name")}


def tld_names() -> list[str]:
    """The TLDs this registry runs, in name order."""
    return list(Tld.objects.order_by("name").values_list("name", flat=True))


@dataclass(frozen=True)
class RestoreQuote:
    """What restoring a domain from redemption costs at the registry: the TLD's restore
    fee plus a year's renewal for each year the domain has been expired (``renew_years``)."""

    fee: int
    renew_years: int


def restore_quote(name: str, *, expires_at: datetime | None = None) -> RestoreQuote:
    """The registry's price of restoring ``name`` now, from the expiry the registry holds
    (a delete in the auto-renew grace takes back the auto-renewed year), or ``expires_at``
    when the registry has no live domain of that name."""
    parsed = parse_domain_name(name)
    domain = Domain.objects.filter(name=parsed.ascii, deleted_at=None).only("expires_at").first()
    if domain is not None:
        expires_at = domain.expires_at
    elif expires_at is None:
        raise ObjectNotFound(f"domain {parsed.unicode} does not exist")
    return price_restore(tld_for(parsed), expires_at, clock.now())


def price_restore(tld: Tld, expires_at: datetime, now: datetime) -> RestoreQuote:
    years = years_to_outlive(expires_at, now)
    return RestoreQuote(fee=tld.restore_fee + tld_fee(tld, "renew") * years, renew_years=years)


def annual_fee(name: str, command: str) -> int:
    """What one year of ``command`` (create, renew, transfer; restore is per request) costs
    for ``name`` today, premium pricing included."""
    if command not in PRICED:
        raise ParameterError(f"no fee for {command!r}")
    return tld_fee(tld_for(parse_domain_name(name)), command)
