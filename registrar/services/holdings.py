"""The domains customers hold with us: who holds a name, and where a held domain stands
in its lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from config import clock
from registrar.choices import DomainState
from registrar.models import CustomerDomain
from registrar.services.quotes import restore_price
from registry import services as registry
from registry.errors import RegistryError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Standing:
    """Where a held domain stands, as its owner's pages show it."""

    state: str  # a DomainState, or "expired" for an active domain past its expiry
    label: str
    restore_price: int | None = None  # what a restore costs the customer, while it can be restored


def holds_any(user: User, names: Sequence[str]) -> bool:
    """Whether the customer account ``user`` holds any of ``names`` (ASCII) with us now."""
    return CustomerDomain.objects.filter(customer__user=user, released_at=None, name__in=list(names)).exists()


def standing(domain: CustomerDomain, info: registry.DomainInfo | None) -> Standing:
    """The domain's lifecycle state: the registry's RGP phase when it has the domain, else
    what its poll messages told us; a restorable domain comes with its restore price."""
    state = domain.state
    phases = set(getattr(info, "rgp_statuses", None) or ())
    if "redemptionPeriod" in phases:
        state = DomainState.REDEMPTION
    elif "pendingDelete" in phases:
        state = DomainState.PENDING_DELETE
    if state == DomainState.REDEMPTION:
        try:
            price = restore_price(domain).retail
        except RegistryError:
            price = None
        return Standing(state, DomainState.REDEMPTION.label, price)
    if state == DomainState.PENDING_DELETE:
        return Standing(state, "Pending delete: it can no longer be restored")
    if domain.expires_at <= clock.now():
        return Standing("expired", "Expired")
    return Standing(state, DomainState.ACTIVE.label)
