"""Helpers for the thread pools the TCP servers (EPP, WHOIS) answer on."""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Callable


def on_every_thread(
    executor: concurrent.futures.ThreadPoolExecutor, threads: int, work: Callable[[], None], timeout: float = 10
) -> None:
    """Run ``work`` once on each of the pool's ``threads`` threads, such as closing the
    database connections each thread holds before the server stops. Every call waits at
    a barrier until all have started, so no thread takes two."""
    barrier = threading.Barrier(threads)

    def once() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=timeout / 2)
        work()

    concurrent.futures.wait([executor.submit(once) for _ in range(threads)], timeout=timeout)
