"""The one Celery application; queues and routes are in settings (``CELERY_*``)."""

import os
import signal

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("namesmith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _leave_sigterm_to_the_main_process(**kwargs) -> None:
    # Procfile runners (honcho) and service managers stop a process by signalling its whole
    # process group. Pool children ignore SIGTERM so that the worker's main process runs
    # its warm shutdown (finish the running tasks, then stop the pool) instead of the
    # children dying in the middle of a task. SIGKILL still stops everything at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
