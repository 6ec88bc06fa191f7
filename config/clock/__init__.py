"""The emulator's clock.

Every time-based rule (expiry dates, grace periods, transfer auto-approval, reminders,
health-check schedules) reads ``now()`` from here rather than the system clock. The clock
is system time plus an offset kept in the database, so every process reads the same time
and it keeps ticking in normal running; an operator moves it forward with ``advance`` or
``set_to`` (``manage.py clock``, or the admin), never backward.

Apps register **sweeps**: the work that becomes due as time passes (auto-renewing expired
domains, purging deleted ones, approving transfers nobody answered, reminding customers).
Moving the clock runs them in time order: it steps the clock to the moment the next piece
of work falls due, runs every sweep there, waits for the work they started elsewhere (a
Celery pipeline) to finish, and goes on to the next moment until it reaches the target.
Each sweep is idempotent (its work is keyed on the state it changes), so a sweep that runs
twice, or in two processes at once, does each piece of work once. In normal running Celery
beat runs the sweeps every ``CLOCK_SWEEP_EVERY`` seconds.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_STEPS = 100_000  # a runaway sweep (one that keeps reporting due work) stops here


class ClockError(Exception):
    """A move the clock refuses (backward, or a malformed duration or moment)."""


# --- reading the clock --------------------------------------------------------------------------

_cached_offset: timedelta | None = None
_read_at = 0.0


def _stored_offset() -> timedelta:
    from django.db import DatabaseError, transaction

    from config.clock.models import EmulatorClock

    try:
        with transaction.atomic():  # a savepoint: a missing table must not spoil an open transaction
            row = EmulatorClock.objects.filter(pk=1).values_list("offset", flat=True).first()
    except DatabaseError:  # before the first migration
        return timedelta(0)
    return row or timedelta(0)


def offset() -> timedelta:
    """How far the emulator clock runs ahead of the system clock (re-read every
    ``CLOCK_REFRESH`` seconds, so a move made by another process shows within that)."""
    global _cached_offset, _read_at
    from django.conf import settings

    if _cached_offset is None or time.monotonic() - _read_at >= settings.CLOCK_REFRESH:
        _cached_offset, _read_at = _stored_offset(), time.monotonic()
    return _cached_offset


def now() -> datetime:
    return timezone.now() + offset()


def forget() -> None:
    """Drop the cached offset so the next ``now()`` reads the database."""
    global _cached_offset
    _cached_offset = None


# --- sweeps ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """Work that falls due as the clock moves.

    ``next_due`` gives the earliest moment at which a piece of its work is or becomes due
    (None when there is none); ``run`` does every piece due at ``now()`` and returns how
    many it did; ``busy`` (optional) tells whether work it started elsewhere, such as an
    order in the Celery pipeline, is still under way.
    """

    name: str
    next_due: Callable[[], datetime | None]
    run: Callable[[], int]
    busy: Callable[[], bool] | None = None


SWEEPS: list[Sweep] = []


def register(sweep: Sweep) -> None:
    """Add a sweep (apps do it in ``ready()``); sweeps run in the order registered."""
    SWEEPS[:] = [s for s in SWEEPS if s.name != sweep.name] + [sweep]


@dataclass
class Step:
    """What moving the clock did at one moment."""

    at: datetime
    ran: dict[str, int] = field(default_factory=dict)
    unsettled: list[str] = field(default_factory=list)


def run_due(max_rounds: int = 20) -> dict[str, int]:
    """Run every sweep at the current time, again while one of them finds more work (a
    delete can make a purge due at once); returns the work done per sweep."""
    done: dict[str, int] = {}
    for _ in range(max_rounds):
        did = 0
        for sweep in SWEEPS:
            count = sweep.run()
            if count:
                done[sweep.name] = done.get(sweep.name, 0) + count
                did += count
        if not did:
            break
    return done


def settle(timeout: float) -> list[str]:
    """Wait up to ``timeout`` seconds for the work sweeps started to finish; returns the
    names of the sweeps still busy."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [s.name for s in SWEEPS if s.busy is not None and s.busy()]
        if not busy or time.monotonic() >= deadline:
            return busy
        time.sleep(0.1)


def next_due() -> datetime | None:
    moments = [moment for s in SWEEPS if (moment := s.next_due()) is not None]
    return min(moments, default=None)


# --- moving the clock ----------------------------------------------------------------------------


def _move_to(moment: datetime) -> None:
    """Set the stored offset so that ``now()`` reads ``moment``; never shrink it."""
    global _cached_offset, _read_at
    from django.db import transaction

    from config.clock.models import EmulatorClock

    with transaction.atomic():
        row, _ = EmulatorClock.objects.select_for_update().get_or_create(pk=1)
        wanted = moment - timezone.now()
        if wanted > row.offset:
            row.offset, row.moved_at = wanted, timezone.now()
            row.save(update_fields=["offset", "moved_at"])
        _cached_offset, _read_at = row.offset, time.monotonic()


def advance_to(
    target: datetime, *, settle_timeout: float | None = None, on_step: Callable[[Step], None] | None = None
) -> list[Step]:
    """Move the clock forward to ``target``, running the sweeps at every moment work
    falls due on the way, in time order; returns what ran where, and tells ``on_step``
    of each step as soon as it is done (a step may wait for its work)."""
    from django.conf import settings

    if settle_timeout is None:
        settle_timeout = settings.CLOCK_SETTLE_TIMEOUT
    start = now()
    if target < start:
        raise ClockError(
            f"the clock never moves backward: it reads {start:%Y-%m-%d %H:%M:%S}Z and "
            f"{target:%Y-%m-%d %H:%M:%S}Z is before that"
        )
    steps: list[Step] = []

    def run_here() -> int:
        step = Step(at=now(), ran=run_due())
        if step.ran:
            step.unsettled = settle(settle_timeout)
            steps.append(step)
            if on_step is not None:
                on_step(step)
        return sum(step.ran.values())

    run_here()
    while len(steps) < MAX_STEPS:
        due = next_due()
        if due is None or due > target:
            break
        if due > now():
            _move_to(due)
        if not run_here():
            # Due work that no sweep would do: report it rather than loop on it.
            logger.warning("work due at %s was not done by any sweep; moving on", due.isoformat())
            break
    _move_to(target)
    run_here()
    return steps


def advance(delta: timedelta, **kwargs: Any) -> list[Step]:
    if delta < timedelta(0):
        raise ClockError("the clock never moves backward: give a positive duration")
    return advance_to(now() + delta, **kwargs)


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"(\d+)([smhdwy])")


def parse_duration(text: str) -> timedelta:
    """``45d``, ``12h``, ``1d12h``, ``90s``, ``2w`` or ``1y`` (365 days)."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ClockError(f"{text!r} is not a duration: use a number and a unit (s, m, h, d, w, y), like 45d or 1d12h")
    return timedelta(seconds=sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"{text!r} is not a date or date-time like 2027-01-01T00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
