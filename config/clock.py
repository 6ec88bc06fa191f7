"""The emulator's clock.

Every time-based rule (expiry dates, grace periods, pipeline sweeps) reads ``now()``
from here rather than the system clock, so the clock can later be moved forward as a
whole without touching the rules that read it.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
