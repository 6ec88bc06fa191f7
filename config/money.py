"""Money is kept as integers in minor units (cents); this turns it into text."""

from django.conf import settings


def format_money(minor: int, currency: str | None = None) -> str:
    currency = currency or settings.REGISTRY_CURRENCY
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{cents:02d} {currency}"
