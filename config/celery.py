"""The one Celery application; queues and routes are in settings (``CELERY_*``).

Besides the app, the worker-side plumbing every task shares: logging through the
project's configuration, the correlation id carried from the sender to the task (see
config.logs), per-task metrics, and database connections kept across tasks.
"""

import logging
import logging.config
import os
import signal
import time
from typing import Any

from celery import Celery
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_ready,
)
from prometheus_client import Counter, Histogram

from config import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("namesmith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)

TASKS = Counter("namesmith_celery_tasks", "Tasks this worker process ran, by task and outcome.", ["task", "state"])
TASK_SECONDS = Histogram(
    "namesmith_celery_task_seconds",
    "Time this worker process took to run a task, by task.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
_running: dict[str, tuple[Any, float]] = {}  # task id -> (correlation token, start)


@setup_logging.connect
def _use_the_project_logging(**kwargs: Any) -> None:
    # Connected, so Celery leaves the root logger alone: worker and beat lines come out in
    # the same format (plain or JSON) as every other process's.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@worker_ready.connect
def _serve_metrics(**kwargs: Any) -> None:
    from config import metrics

    metrics.serve(os.environ.get("NAMESMITH_PROCESS") or "worker")


@worker_process_init.connect
def _leave_sigterm_to_the_main_process(**kwargs: Any) -> None:
    # Service managers stop a process by signalling its whole process group. Pool children
    # ignore SIGTERM so that the worker's main process runs its warm shutdown (finish the
    # running tasks, then stop the pool) instead of the children dying in the middle of a
    # task. SIGKILL still stops everything at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@before_task_publish.connect
def _carry_the_correlation_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    cid = logs.current()
    if cid and headers is not None:
        headers.setdefault(logs.HEADER, cid)


@task_prerun.connect
def _task_starts(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    sent = getattr(request, logs.HEADER, None) or (getattr(request, "headers", None) or {}).get(logs.HEADER)
    _running[task_id] = (logs.begin(sent), time.perf_counter())
    _close_old_connections()


@task_postrun.connect
def _task_ends(task_id: str = "", task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    _close_old_connections()
    token, started = _running.pop(task_id, (None, None))
    name = getattr(task, "name", "?")
    if started is not None:
        seconds = time.perf_counter() - started
        TASKS.labels(name, state or "UNKNOWN").inc()
        TASK_SECONDS.labels(name).observe(seconds)
        log.info("task %s %s in %.0f ms", name, (state or "ended").lower(), seconds * 1000)
    if token is not None:
        logs.end(token)


def _close_old_connections() -> None:
    # Keep database connections across tasks as Django keeps them across requests: drop
    # only broken ones and those older than CONN_MAX_AGE. (Celery's own Django fixup would
    # close the connection after every task; CELERY_DB_REUSE_MAX in settings turns that off.)
    from django.db import close_old_connections

    close_old_connections()
