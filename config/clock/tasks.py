"""Celery tasks of the clock: beat runs the due sweeps; the admin moves the clock through a task."""

from celery import shared_task

from config import clock


@shared_task(name="clock.run_due_sweeps")
def run_due_sweeps() -> dict:
    """Do the work that fell due as time passed (beat runs this every CLOCK_SWEEP_EVERY)."""
    return clock.run_due()


@shared_task(name="clock.advance_to")
def advance_to(moment: str) -> int:
    """Move the clock to ``moment`` (ISO 8601) as the admin asked; returns the steps taken."""
    return len(clock.advance_to(clock.parse_moment(moment)))
