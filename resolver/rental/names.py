"""Names in the rental service: a name as a customer types it, and the service's ids."""

from __future__ import annotations

import secrets
import string
from typing import Any

import dns.exception
import dns.name
import idna

from resolver.rental.errors import RentalError

_ID_ALPHABET = string.ascii_uppercase + string.digits
# The account a zone or health check belongs to: a user (AUTH_USER_MODEL). Typed loosely:
# callers pass request.user, which the type checker cannot tell is logged in.
Owner = Any


def new_id(prefix: str) -> str:
    """An id as Route 53 makes them today: the prefix, a 0, then 19 letters and digits
    (``Z0452713392NDA7C5SB4P``)."""
    return prefix + "0" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(19))


# --- names --------------------------------------------------------------------------------------


def absolute_name(text: str) -> dns.name.Name:
    """A name as typed (Unicode or ASCII, with or without the final dot), lower case."""
    text = str(text).strip()
    if not text:
        raise RentalError("a name is required", code="invalid_name")
    try:
        if not text.isascii():
            text = idna.encode(text.rstrip("."), uts46=True).decode("ascii")
        return dns.name.from_text(text.lower().rstrip(".") + ".")
    except (idna.IDNAError, UnicodeError, dns.exception.DNSException) as exc:
        raise RentalError(f"{text!r} is not a valid domain name: {exc}", code="invalid_name") from None
