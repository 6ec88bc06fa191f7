"""The beat scheduler: one beat sends the periodic tasks, however many are started.

Two beats would send every sweep twice. ``LockedScheduler`` sends only while it holds a
lock: in Redis when ``REDIS_URL`` is set (the lock every host of a deployment sees; it
expires ``LOCK_TTL`` seconds after its holder stops renewing it, so a beat on another
host takes over when the first dies), else a lock on a file beside the embedded database
(the embedded default runs on one host). A beat without the lock logs so once and sends
nothing until it gets it.

The schedule itself is kept in memory, not in a file: every entry is a sweep that is safe
to run at any time, so a restarted beat simply starts each one's interval afresh, and no
host keeps state of its own.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
from typing import Any

from celery.beat import Scheduler
from django.conf import settings

log = logging.getLogger(__name__)

LOCK_TTL = 30.0  # seconds a Redis lock outlives its last renewal
RETRY_EVERY = 5.0  # seconds between a waiting beat's attempts


class BeatLock:
    """Held by at most one beat at a time; ``hold()`` takes or renews it."""

    def __init__(self) -> None:
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._file: Any = None
        self._redis_lock: Any = None
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL)
            key = f"{settings.REDIS_KEY_PREFIX}beat-lock"
            self._redis_lock = client.lock(key, timeout=LOCK_TTL, thread_local=False)

    def where(self) -> str:
        return "Redis" if self._redis_lock is not None else str(settings.VAR_DIR / "beat.lock")

    def hold(self) -> bool:
        if self._redis_lock is not None:
            return self._hold_redis()
        if self._file is None:
            handle = (settings.VAR_DIR / "beat.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
        return True

    def _hold_redis(self) -> bool:
        from redis.exceptions import LockError

        lock = self._redis_lock
        try:
            if lock.owned():
                lock.reacquire()
                return True
            return bool(lock.acquire(blocking=False, token=self.holder))
        except LockError:
            return False

    def release(self) -> None:
        if self._redis_lock is not None:
            from redis.exceptions import LockError

            try:
                if self._redis_lock.owned():
                    self._redis_lock.release()
            except LockError:
                pass
        elif self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None


class LockedScheduler(Scheduler):
    """Celery's in-memory scheduler, sending only while it holds the ``BeatLock``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = BeatLock()
        self._held: bool | None = None  # not yet known: the first tick logs either way
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        held = self.lock.hold()
        if held != self._held:
            self._held = held
            if held:
                where = self.lock.where()
                log.warning("beat %s holds the schedule lock (%s): sending periodic tasks", self.lock.holder, where)
                self._heap = None  # start every interval afresh
            else:
                log.warning(
                    "another beat holds the schedule lock (%s): this one (%s) sends nothing while it does",
                    self.lock.where(),
                    self.lock.holder,
                )
        if not held:
            return RETRY_EVERY
        return min(float(super().tick(*args, **kwargs)), LOCK_TTL / 3)

    def close(self) -> None:
        self.lock.release()
        super().close()
