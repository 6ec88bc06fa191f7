"""The shopping cart: names a visitor means to buy, kept in the session so that it
survives signing up or logging in. Prices are never stored here; every page quotes the
names again, so a name taken meanwhile shows as taken."""

from __future__ import annotations

from registrar import services
from registry.errors import RegistryError

SESSION_KEY = "cart"


class CartError(ValueError):
    """A name the cart cannot take; the message says why."""


def names(session) -> list[str]:
    return list(session.get(SESSION_KEY, []))


def add(session, name: str) -> services.Quote:
    """Add ``name`` (as typed) after checking that it can be registered; returns its quote."""
    try:
        (quote,) = services.quote([name])
    except RegistryError as exc:
        raise CartError(exc.message) from None
    check = quote.check
    if not check.registrable:
        reason = f" ({check.reason})" if check.reason else ""
        raise CartError(f"{check.unicode or check.name} cannot be registered: {check.status.value}{reason}")
    current = names(session)
    if check.ascii not in current:
        if len(current) >= services.MAX_LINES:
            raise CartError(f"a cart holds at most {services.MAX_LINES} names")
        session[SESSION_KEY] = [*current, check.ascii]
    return quote


def remove(session, name: str) -> None:
    session[SESSION_KEY] = [n for n in names(session) if n != name]


def clear(session) -> None:
    session.pop(SESSION_KEY, None)


def quotes(session) -> list[services.Quote]:
    current = names(session)
    return services.quote(current) if current else []
