"""The emulator clock: ``manage.py clock``, the admin page, the beat task, and sweeps
run in time order, each piece of work once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from config import clock
from config.clock import admin
from config.clock.tasks import advance_to, run_due_sweeps


def manage(*args) -> str:
    out = io.StringIO()
    call_command("clock", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def recorder(db):
    """A sweep with work due 10 and 20 days from now that records when it ran."""
    start = clock.now()
    due = [start + timedelta(days=10), start + timedelta(days=20)]
    ran: list = []

    def run() -> int:
        now = clock.now()
        done = [moment for moment in due if moment <= now]
        for moment in done:
            due.remove(moment)
            ran.append((moment, now))
        return len(done)

    sweep = clock.Sweep("test.recorder", lambda: min(due, default=None), run, busy=lambda: False)
    clock.register(sweep)
    yield ran
    clock.SWEEPS.remove(sweep)


def test_advance_steps_through_each_due_moment_in_order(recorder):
    steps = clock.advance(timedelta(days=30), settle_timeout=0)
    assert [step.ran for step in steps] == [{"test.recorder": 1}, {"test.recorder": 1}]
    # Each piece ran at (just after) its own moment, not at the end of the move.
    for moment, ran_at in recorder:
        assert timedelta(0) <= ran_at - moment < timedelta(seconds=5)
    assert clock.advance(timedelta(days=30), settle_timeout=0) == []


def test_each_step_is_reported_as_soon_as_it_is_done(recorder):
    seen: list = []

    def on_step(step) -> None:
        # Reported while the move goes on: the second piece of work has not run yet.
        seen.append((step, len(recorder)))

    steps = clock.advance_to(clock.now() + timedelta(days=30), settle_timeout=0, on_step=on_step)
    assert [(step, ran) for step, ran in seen] == [(steps[0], 1), (steps[1], 2)]


def test_manage_clock_advance_prints_what_ran_and_the_new_time(recorder):
    before = clock.now()
    out = manage("advance", "15d")
    assert out.startswith("moving from ") and "waits up to" in out.splitlines()[0]
    assert "test.recorder 1" in out and out.count("test.recorder") == 1
    assert clock.now() - before >= timedelta(days=15)
    assert "now " in manage("show")


def test_manage_clock_set_moves_to_a_moment_and_refuses_the_past(db):
    target = (clock.now() + timedelta(days=400)).replace(microsecond=0)
    manage("set", target.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert clock.now() >= target
    with pytest.raises(CommandError, match="never moves backward"):
        manage("set", "2020-01-01T00:00Z")
    with pytest.raises(CommandError, match="not a duration"):
        manage("advance", "soon")


def test_the_admin_page_shows_the_clock_and_queues_a_move(admin_client, monkeypatch):
    queued = []
    # The page hands the move to the worker; here the message is kept rather than left
    # in the broker for a later test's worker to pick up.
    monkeypatch.setattr(admin.advance_to, "delay", queued.append)
    page = admin_client.get("/admin/clock/emulatorclock/")
    assert page.status_code == 200 and b"Emulator time" in page.content
    refused = admin_client.post("/admin/clock/emulatorclock/", {"advance": "1d", "moment": "2099-01-01"})
    assert b"not both" in refused.content
    backward = admin_client.post("/admin/clock/emulatorclock/", {"moment": "2020-01-01T00:00Z"})
    assert b"never moves backward" in backward.content
    moved = admin_client.post("/admin/clock/emulatorclock/", {"advance": "45d"}, follow=True)
    assert b"Moving the clock to" in moved.content
    assert clock.parse_moment(queued[0]) - clock.now() > timedelta(days=44, hours=23)


def test_the_move_task_moves_the_clock(recorder):
    target = clock.now() + timedelta(days=25)
    assert advance_to(target.isoformat()) == 2
    assert clock.now() >= target


def test_beat_runs_the_due_sweeps(recorder):
    assert settings.CELERY_BEAT_SCHEDULE["run-clock-sweeps"]["task"] == run_due_sweeps.name
    clock._move_to(clock.now() + timedelta(days=11))
    assert run_due_sweeps() == {"test.recorder": 1}
    assert run_due_sweeps() == {}
