"""Zone changes announced through Redis reach run_dns processes that NOTIFY does not (those
of other hosts)."""

import threading
import uuid

import pytest

from resolver import services, zonestore


def test_without_redis_nothing_is_announced_or_watched(settings):
    settings.REDIS_URL = None
    assert zonestore.watch(lambda zone: None) is None
    services.announce("com.")  # no Redis to tell, and no error


def test_an_announced_change_reaches_every_watcher(settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    settings.REDIS_KEY_PREFIX = f"announce-{uuid.uuid4().hex[:8]}:"
    heard: list[str] = []
    arrived = threading.Event()

    def on_change(zone: str) -> None:
        heard.append(zone)
        arrived.set()

    assert zonestore.watch(on_change) is not None
    for _ in range(50):  # the watcher subscribes in its own thread: announce until it hears
        services.announce("com.")
        if arrived.wait(0.1):
            break
    assert heard and set(heard) == {"com."}
