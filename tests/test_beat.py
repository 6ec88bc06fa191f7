"""Only one beat sends the periodic tasks: the others wait for its lock."""

import uuid

import pytest
from django.conf import settings

from config.beat import BeatLock, LockedScheduler
from config.celery import app
from tests.e2e.processes import Stack


@pytest.fixture(params=["file", "redis"])
def backend(request, settings, tmp_path):
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        settings.REDIS_KEY_PREFIX = f"beat-test-{uuid.uuid4().hex[:8]}:"
    else:
        settings.REDIS_URL = None
        settings.VAR_DIR = tmp_path
    return request.param


def test_a_second_lock_is_refused_until_the_first_is_released(backend):
    first, second = BeatLock(), BeatLock()
    assert first.hold()
    assert first.hold()  # renewing
    assert not second.hold()
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()


def test_a_scheduler_without_the_lock_sends_nothing(backend, caplog):
    holder = BeatLock()
    assert holder.hold()
    scheduler = LockedScheduler(app, lazy=True)
    sent = []
    scheduler.apply_entry = lambda entry, producer=None: sent.append(entry)
    try:
        assert scheduler.tick() == 5.0
        assert sent == []
        assert "another beat holds the schedule lock" in caplog.text
        holder.release()
        scheduler.tick()
        assert "holds the schedule lock" in caplog.text.split("another beat")[-1]
    finally:
        scheduler.lock.release()


@pytest.mark.pipeline
@pytest.mark.django_db(transaction=True)
def test_a_second_beat_process_started_by_mistake_does_nothing(tmp_path):
    stack = Stack(tmp_path)
    try:
        first = stack.beat(TASK_LOG_LEVEL="INFO")
        first.wait_for_output("holds the schedule lock", timeout=30)
        second = stack.beat(TASK_LOG_LEVEL="INFO")
        second.wait_for_output("another beat holds the schedule lock", timeout=30)
        first.wait_for_output("Sending due task", timeout=30)
        assert "Sending due task" not in second.output(), (first.output(), second.output())
    finally:
        stack.close()
    assert settings.CELERY_BEAT_SCHEDULER == "config.beat:LockedScheduler"
