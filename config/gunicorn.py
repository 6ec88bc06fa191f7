"""gunicorn's configuration for the web process (``gunicorn -c config/gunicorn.py``; a
path, not ``python:config.gunicorn``, so that nothing of the project is imported before
the first lines below run).

Threaded workers (gthread): ``WEB_WORKERS`` processes of ``WEB_THREADS`` threads each, so
a request that waits (a partner's ``Prefer: wait=10``, a slow client) holds one thread and
never the shop, RDAP or ``/healthz``. The worker processes share their Prometheus metrics
through files in ``VAR_DIR/metrics-web`` (prometheus_client's multiprocess mode), emptied
when gunicorn starts; ``/metrics`` adds them up. Log lines use the project's logging
configuration (plain or JSON, ``LOG_FORMAT``).
"""

import os
import shutil
from pathlib import Path

# Before anything imports prometheus_client (the project's modules do), which picks its
# multiprocess mode from this variable once.
_metrics_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var") / "metrics-web"
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402

from config.env import env_int  # noqa: E402

_host = f"[{settings.WEB_HOST}]" if ":" in settings.WEB_HOST else settings.WEB_HOST
bind = [f"{_host}:{settings.WEB_PORT}"]
worker_class = "gthread"
workers = env_int("WEB_WORKERS", 2, minimum=1, maximum=64)
threads = env_int("WEB_THREADS", 8, minimum=1, maximum=256)
graceful_timeout = 5
# gunicorn's control socket defaults to one path under $HOME, which two emulators (or a
# test run beside one) would fight over; nothing here uses it.
control_socket_disable = True
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        **settings.LOGGING.get("loggers", {}),
        "gunicorn.error": {"level": "INFO", "propagate": True},
        "gunicorn.access": {"level": "INFO", "propagate": True},
    },
}


def child_exit(server, worker) -> None:  # gunicorn's hook: forget a dead worker's live gauges
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker) -> None:
    # A worker dies with its master (Linux's parent-death signal): when the master is
    # killed outright, a supervisor starts a new one at once, and orphans still holding the
    # listening socket would keep it from binding and drop the requests they accepted.
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != server.pid:  # the master died before that took effect
        os._exit(1)
