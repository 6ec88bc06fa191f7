"""The one rate limiter (config.ratelimit) on both its storages: the SQLite file of the
embedded default and Redis. Counting is atomic across processes, a window ends, and runs
sharing one Redis never see each other's counters."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from limits.storage import RedisStorage

from config import ratelimit
from config.env import env_str

PROCESSES = 4
HITS = 120  # per process: 480 in all, against a limit of 300
RATE = "300/minute"


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path):
    """A storage URI and a key prefix of this test's own."""
    if request.param == "sqlite":
        yield f"{ratelimit.SQLITE_SCHEME}://{tmp_path / 'ratelimit.sqlite3'}", ""
        return
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    prefix = f"{env_str('REDIS_KEY_PREFIX', '')}{uuid.uuid4().hex[:8]}:"
    yield settings.REDIS_URL, prefix
    ratelimit.Limiter(settings.REDIS_URL, key_prefix=prefix).storage.reset()


def hammer(uri: str, key_prefix: str, start, allowed) -> None:
    """One process: HITS hits on one key, as soon as every process is ready."""
    try:
        limiter = ratelimit.Limiter(uri, key_prefix=key_prefix)
        start.wait(30)
        allowed.put(sum(1 for _ in range(HITS) if limiter.hit("test", "client", RATE) == 0))
    except BaseException as exc:  # the test shows it at once rather than waiting for a count
        allowed.put(repr(exc))
        raise


def test_processes_hitting_one_key_at_once_get_exactly_the_limit_between_them(backend):
    uri, prefix = backend
    context = multiprocessing.get_context("spawn")  # nothing of this process's connections or threads
    start, allowed = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=hammer, args=(uri, prefix, start, allowed)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        counts = [allowed.get(timeout=60) for _ in processes]
    finally:
        for process in processes:
            process.join(30)
    assert all(isinstance(count, int) for count in counts), counts
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    assert sum(counts) == 300
    assert ratelimit.Limiter(uri, key_prefix=prefix).wait("test", "client", RATE) > 0


def test_a_window_that_has_passed_allows_again(backend):
    limiter = ratelimit.Limiter(backend[0], key_prefix=backend[1])
    assert [limiter.hit("test", "client", "2/second") for _ in range(2)] == [0.0, 0.0]
    wait = limiter.hit("test", "client", "2/second")
    assert 0 < wait <= 1
    assert limiter.hit("test", "other", "2/second") == 0.0  # per key
    time.sleep(wait + 0.02)
    assert limiter.hit("test", "client", "2/second") == 0.0


def test_wait_counts_nothing_and_clear_forgets(backend):
    limiter = ratelimit.Limiter(backend[0], key_prefix=backend[1])
    assert limiter.wait("test", "client", "1/hour") == 0.0
    assert limiter.wait("test", "client", "1/hour") == 0.0
    assert limiter.hit("test", "client", "1/hour") == 0.0
    assert 3590 < limiter.wait("test", "client", "1/hour") <= 3600
    assert limiter.hit("test", "client", "1/minute") == 0.0  # another rate, another counter
    limiter.clear("test", "client", "1/hour")
    assert limiter.hit("test", "client", "1/hour") == 0.0
    assert limiter.hit("test", "client", None) == limiter.hit("test", "client", "") == 0.0  # no rate, no limit


def test_runs_sharing_one_redis_count_apart():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    run = f"{env_str('REDIS_KEY_PREFIX', '')}{uuid.uuid4().hex[:8]}"
    ours, theirs = (ratelimit.Limiter(settings.REDIS_URL, key_prefix=f"{run}-{n}:") for n in (1, 2))
    try:
        assert ours.hit("test", "client", "1/minute") == 0.0
        assert theirs.hit("test", "client", "1/minute") == 0.0
        assert ours.hit("test", "client", "1/minute") > 0
    finally:
        ours.storage.reset()
        theirs.storage.reset()


def test_the_limiter_counts_in_redis_under_the_run_prefix_or_in_var_dir():
    storage = ratelimit.limiter().storage
    if settings.REDIS_URL:
        assert isinstance(storage, RedisStorage)
        assert storage.key_prefix == f"{env_str('REDIS_KEY_PREFIX', '')}ratelimit"
        assert env_str("REDIS_KEY_PREFIX", "").startswith("namesmith-test-")
    else:
        assert isinstance(storage, ratelimit.SQLiteStorage)
        assert storage.path == settings.VAR_DIR / "ratelimit.sqlite3"


def test_rates_read_as_drf_wrote_them():
    assert ratelimit.parse_rate("20/second").get_expiry() == 1
    assert (ratelimit.parse_rate("5/hour").amount, ratelimit.parse_rate("5/hour").get_expiry()) == (5, 3600)
    assert ratelimit.parse_rate(ratelimit.per(5, 299.5)).get_expiry() == 300
    for bad in ("fast", "0/second"):
        with pytest.raises(ImproperlyConfigured, match="is not like"):
            ratelimit.parse_rate(bad)
