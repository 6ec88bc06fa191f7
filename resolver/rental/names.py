"""Names in the rental service: a name as a customer types it, who holds it, the
delegation set a new zone draws from the pool, and the service's ids."""

from __future__ import annotations

import random
import secrets
import string
from typing import Any

import dns.exception
import dns.name
import idna
from django.conf import settings

from resolver import ownership
from resolver.rental.errors import RentalError

_ID_ALPHABET = string.ascii_uppercase + string.digits
# The account a zone or health check belongs to: a user (AUTH_USER_MODEL). Typed loosely:
# callers pass request.user, which the type checker cannot tell is logged in.
Owner = Any


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(13))


# --- names --------------------------------------------------------------------------------------


def absolute_name(text: str) -> dns.name.Name:
    """A name as typed (Unicode or ASCII, with or without the final dot), lower case."""
    text = str(text).strip()
    if not text:
        raise RentalError("a name is required")
    try:
        if not text.isascii():
            text = idna.encode(text.rstrip("."), uts46=True).decode("ascii")
        return dns.name.from_text(text.lower().rstrip(".") + ".")
    except (idna.IDNAError, UnicodeError, dns.exception.DNSException) as exc:
        raise RentalError(f"{text!r} is not a valid domain name: {exc}") from None


def owns(owner: Owner, name: dns.name.Name) -> bool:
    """Whether ``owner`` holds ``name`` (or a domain above it) through our registrar."""
    above = [name.split(depth)[1].to_text().rstrip(".") for depth in range(3, len(name) + 1)]
    return ownership.holds_any(owner, above)


def delegation_set() -> list[str]:
    """Four rental nameservers for a new zone: one from each pool domain while there are
    domains left (as Route 53 spreads a set over .com, .net, .org and .co.uk)."""
    domains = [list(servers) for servers in settings.NETWORK_PLAN.rental_domains().values()]
    random.shuffle(domains)
    picked = [random.choice(servers).name for servers in domains][:4]
    rest = [s.name for s in settings.NETWORK_PLAN.rental_nameservers if s.name not in picked]
    random.shuffle(rest)
    return picked + rest[: 4 - len(picked)]
