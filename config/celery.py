"""The one Celery application; queues and routes are in settings (``CELERY_*``)."""

import os
import signal
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("namesmith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _leave_sigterm_to_the_main_process(**kwargs: Any) -> None:
    # Procfile runners (honcho) and service managers stop a process by signalling its whole
    # process group. Pool children ignore SIGTERM so that the worker's main process runs
    # its warm shutdown (finish the running tasks, then stop the pool) instead of the
    # children dying in the middle of a task. SIGKILL still stops everything at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs: Any) -> None:
    # Keep database connections across tasks as Django keeps them across requests: drop
    # only broken ones and those older than CONN_MAX_AGE. (Celery's own Django fixup would
    # close the connection after every task; CELERY_DB_REUSE_MAX in settings turns that off.)
    from django.db import close_old_connections

    close_old_connections()
