"""The peer for bench/orders.py: a bare Celery relay with the order pipeline's shape.

Three hops (like registrar -> registry -> registrar) through the same broker and the same
worker pool settings as Namesmith, doing no database work; the last hop records when the
relay finished. Whatever throughput this reaches is the ceiling Celery itself sets for a
pipeline of this shape on this machine.
"""

import os
import time

import redis
from celery import Celery

app = Celery("relay", broker=os.environ["REDIS_URL"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_transport_options={"global_keyprefix": os.environ.get("REDIS_KEY_PREFIX", "")},
    task_routes={
        "relay.first": {"queue": "relay-a"},
        "relay.second": {"queue": "relay-b"},
        "relay.third": {"queue": "relay-a"},
    },
)
_results = None


def results() -> redis.Redis:
    global _results
    if _results is None:
        _results = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _results


@app.task(name="relay.first")
def first(key: str, n: int) -> None:
    second.delay(key, n)


@app.task(name="relay.second")
def second(key: str, n: int) -> None:
    third.delay(key, n)


@app.task(name="relay.third")
def third(key: str, n: int) -> None:
    results().hset(key, str(n), repr(time.time()))
