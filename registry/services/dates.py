"""Calendar arithmetic of registration periods."""

from __future__ import annotations

from datetime import datetime


def add_years(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` later; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def years_to_outlive(expires_at: datetime, now: datetime) -> int:
    """How many years a restore must add so the domain is not expired (0 if it is not)."""
    years = 0
    while add_years(expires_at, years) <= now:
        years += 1
    return years
