"""Request rates per client address, counted in the shared Django cache.

A fixed window per client: the first request of a window creates a counter that expires
with the window, every request increments it. ``cache.add`` and ``cache.incr`` are single
commands on Redis, so the web processes sharing the cache count together without a
read-modify-write race. Rates are written as DRF writes them: "20/second", "100/minute",
"5/hour", "1000/day".
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``(requests, seconds)`` of a rate like "20/second"; ImproperlyConfigured when malformed."""
    count, _, period = str(rate).strip().partition("/")
    seconds = _PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or int(count) < 1 or seconds is None:
        raise ImproperlyConfigured(f"rate {rate!r} is not like '20/second', '100/minute', '5/hour' or '1000/day'")
    return int(count), seconds


def count_request(scope: str, ident: str, rate: str | None, *, now: float | None = None) -> int:
    """Count one request of ``ident`` against ``rate``: 0 while within it, else the seconds
    until its window ends (for Retry-After). No rate means no limit."""
    if not rate:
        return 0
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"throttle:{scope}:{ident}:{window}"
    # The counter outlives its window by a second so a late increment never lands on a
    # key that has just expired; it is never read again after the window.
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: this request opens it again
        cache.add(key, 1, timeout=period + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * period - now))
