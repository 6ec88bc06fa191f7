"""The one rate limiter: every limit of the emulator, counted where all its processes see it.

Four things are limited through here: registry API requests per token
(``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["registry-api"]``), RDAP requests and WHOIS
queries per client address (``...["rdap"]``, ``WHOIS_RATE``) and failed EPP logins per
client address (``EPP_LOGIN_FAILURES`` per ``EPP_LOGIN_WINDOW`` seconds). The counters are
shared by every process (the gunicorn workers, run_whois, run_epp), so a client gets the
rate once, not once per process it lands on.

Strategy: the moving window of ``limits``. A limit of N per T seconds lets at most N events
through in any T seconds, and after a refusal knows exactly when the oldest of them leaves
the window, which is the Retry-After. That is what the EPP login throttle meant ("blocked
until the oldest failure is T old") and closer to WHOIS's old token bucket than a fixed
window, which lets 2N through across a window boundary; the sliding-window counter only
approximates the count and its wait. It keeps one timestamp per event let through, at most
N per key, which is small at the rates used here.

Storage: Redis at ``REDIS_URL`` (``limits``' own storage, whose Lua scripts are atomic),
every key under ``REDIS_KEY_PREFIX`` like the cache's and the broker's, so runs sharing
one Redis never see each other's counters. Without Redis (the embedded default),
``SQLiteStorage`` in ``VAR_DIR/ratelimit.sqlite3``: WAL, and every acquisition one
``BEGIN IMMEDIATE`` transaction, so the processes of the host take turns and no count races.

Rates are strings as DRF writes them: "20/second", "100/minute", "5/hour", "1000/day"
(anything ``limits.parse`` reads, like "5 per 300 seconds"); no rate means no limit.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import limits
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

SQLITE_SCHEME = "namesmith-sqlite"
# A refusal always waits a little, even when the oldest event expired between the refusal
# and reading the window.
MIN_WAIT = 0.001

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_key ON entries (key, expires)",
    "CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires)",
)


@contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at its start: other processes wait (busy timeout) until
    it commits, so a read-count-insert inside it is atomic across processes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SQLiteStorage(Storage, MovingWindowSupport):
    """``limits`` storage in one SQLite file (``namesmith-sqlite:///path/to/file``) for the
    processes of one host: one row per event let through, with when it leaves its window.
    Serves the moving window only (``acquire_entry``, ``get_moving_window``, ``clear``)."""

    STORAGE_SCHEME = [SQLITE_SCHEME]

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, timeout: float = 10.0, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(urlsplit(uri).path)
        self.timeout = timeout
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per thread, and a new one after a fork: neither may be shared.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            self._use_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")  # a lost last event after a power cut is fine
            with _immediate(db):
                for statement in _SCHEMA:
                    db.execute(statement)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _use_wal(self, db: sqlite3.Connection) -> None:
        """Put the file in WAL mode (it stays so). Switching takes an exclusive lock and
        SQLite refuses it at once, without the busy timeout, while another process holds
        the file, as every process does that starts at the same time: try again a while."""
        deadline = time.monotonic() + self.timeout
        while db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        db = self._db()
        with _immediate(db):
            now = time.time()  # read under the lock, so entries are stamped in commit order
            db.execute("DELETE FROM entries WHERE expires < ?", (now,))
            (count,) = db.execute("SELECT count(*) FROM entries WHERE key = ?", (key,)).fetchone()
            if count + amount > limit:
                return False
            db.executemany(
                "INSERT INTO entries (key, at, expires) VALUES (?, ?, ?)", [(key, now, now + expiry)] * amount
            )
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = (
            self._db()
            .execute("SELECT min(at), count(*) FROM entries WHERE key = ? AND expires >= ?", (key, now))
            .fetchone()
        )
        return (float(oldest), int(count)) if count else (now, 0)

    def clear(self, key: str) -> None:
        db = self._db()
        with _immediate(db):
            db.execute("DELETE FROM entries WHERE key = ?", (key,))

    def reset(self) -> int | None:
        db = self._db()
        with _immediate(db):
            return db.execute("DELETE FROM entries").rowcount

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    # A fixed window's counters: not kept here (the moving window needs none of them).
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("SQLiteStorage serves the moving window only")

    def get(self, key: str) -> int:
        raise NotImplementedError("SQLiteStorage serves the moving window only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("SQLiteStorage serves the moving window only")


@lru_cache(maxsize=64)
def parse_rate(rate: str) -> limits.RateLimitItem:
    """The ``limits`` item of a rate like "20/second"; ImproperlyConfigured when malformed."""
    try:
        item = limits.parse(rate)
    except ValueError:
        item = None
    if item is None or item.amount < 1:
        raise ImproperlyConfigured(f"rate {rate!r} is not like '20/second', '100/minute', '5/hour' or '1000/day'")
    return item


def per(count: int, seconds: float) -> str:
    """The rate of ``count`` events per ``seconds`` (rounded up to whole seconds)."""
    return f"{count} per {max(1, math.ceil(seconds))} seconds"


class Limiter:
    """Moving-window limits on one storage (a ``limits`` storage URI). Keys are
    ``scope/key/rate``: one counter per scope, key and rate."""

    def __init__(self, uri: str, *, key_prefix: str = "") -> None:
        options = {} if urlsplit(uri).scheme == SQLITE_SCHEME else {"key_prefix": f"{key_prefix}ratelimit"}
        self.storage = storage_from_string(uri, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, scope: str, key: str, rate: str | None) -> float:
        """Count one event of ``key``: 0 when the rate allows it, else the seconds until it
        would (the refused event is not counted)."""
        if not rate:
            return 0.0
        item = parse_rate(rate)
        if self.strategy.hit(item, scope, key):
            return 0.0
        return self._wait(item, scope, key)

    def wait(self, scope: str, key: str, rate: str | None) -> float:
        """What ``hit`` would answer, without counting anything."""
        if not rate:
            return 0.0
        item = parse_rate(rate)
        if self.strategy.test(item, scope, key):
            return 0.0
        return self._wait(item, scope, key)

    def clear(self, scope: str, key: str, rate: str) -> None:
        """Forget the events of ``key`` (a successful login clears its address's failures)."""
        self.strategy.clear(parse_rate(rate), scope, key)

    def _wait(self, item: limits.RateLimitItem, scope: str, key: str) -> float:
        reset_at, _ = self.strategy.get_window_stats(item, scope, key)
        return max(reset_at - time.time(), MIN_WAIT)


def storage_uri() -> str:
    """Redis when ``REDIS_URL`` is set, else the SQLite file under ``VAR_DIR``."""
    if settings.REDIS_URL:
        return str(settings.REDIS_URL)
    return f"{SQLITE_SCHEME}://{Path(settings.VAR_DIR) / 'ratelimit.sqlite3'}"


_limiters: dict[int, Limiter] = {}  # by process id: a forked child makes its own connections
_lock = threading.Lock()


def limiter() -> Limiter:
    """This process's limiter over the configured storage."""
    pid = os.getpid()
    with _lock:
        if pid not in _limiters:
            _limiters.clear()
            _limiters[pid] = Limiter(storage_uri(), key_prefix=settings.REDIS_KEY_PREFIX)
        return _limiters[pid]


def hit(scope: str, key: str, rate: str | None) -> float:
    """Count one event of ``key`` in ``scope`` against ``rate``: 0 when allowed, else the
    seconds until it would be (for Retry-After)."""
    return limiter().hit(scope, key, rate)


def wait(scope: str, key: str, rate: str | None) -> float:
    """0 when an event of ``key`` would be allowed now, else the seconds until it would."""
    return limiter().wait(scope, key, rate)


def clear(scope: str, key: str, rate: str) -> None:
    limiter().clear(scope, key, rate)


@dataclass(frozen=True)
class Limit:
    """One limit with its scope and rate fixed, for a server that is handed it (WHOIS per
    client address, EPP failed logins per client address)."""

    scope: str
    rate: str

    def hit(self, key: str) -> float:
        return hit(self.scope, key, self.rate)

    def wait(self, key: str) -> float:
        return wait(self.scope, key, self.rate)

    def clear(self, key: str) -> None:
        clear(self.scope, key, self.rate)
