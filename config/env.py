"""Typed readers for settings that come from environment variables.

Each helper returns the default when the variable is unset or empty and raises
``ImproperlyConfigured`` naming the variable when the value cannot be used, so a
typo in the environment stops the process at start-up instead of surfacing later
as odd behaviour.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


@overload
def env_str(name: str) -> str | None: ...
@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: str | None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    return number


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name: str, default: str) -> str:
    """A rate like "50/second": a whole number of at least 1, a slash, and one of RATE_PERIODS."""
    value = (_raw(name) or default).strip()
    count, _, period = value.partition("/")
    if not (count.isascii() and count.isdigit()) or int(count) < 1 or period not in RATE_PERIODS:
        raise ImproperlyConfigured(f"{name}={value!r} is not like '10/second', '60/minute', '500/hour' or '5000/day'")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_json_object(name: str) -> dict[str, Any]:
    """A JSON object; {} when unset."""
    value = _raw(name)
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {type(parsed).__name__}")
    return parsed


def env_days(name: str, default: list[int]) -> tuple[int, ...]:
    """A comma-separated list of whole days, each at least 1; longest first, no repeats."""
    items = env_list(name, [str(day) for day in default])
    try:
        days = {int(item) for item in items}
    except ValueError:
        raise ImproperlyConfigured(f"{name}={','.join(items)!r} must be whole numbers of days, like 30,7,1") from None
    if not days or min(days) < 1:
        raise ImproperlyConfigured(f"{name}: give at least one lead time, each at least one day")
    return tuple(sorted(days, reverse=True))


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return default if value is None else Path(value).expanduser().resolve()


def env_url(name: str, schemes: set[str]) -> str | None:
    """A URL whose scheme must be one of ``schemes``; None when unset."""
    value = _raw(name)
    if value is None:
        return None
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} has scheme {scheme!r}; expected one of {sorted(schemes)} (value: {value!r})"
        )
    return value
