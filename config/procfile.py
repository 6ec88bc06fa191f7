"""``python -m config.procfile start``: honcho, with time for a clean stop and as many
Celery worker processes as ``WORKER_CONCURRENCY`` asks for.

honcho sends SIGTERM on Ctrl-C and SIGKILLs whatever is still running five seconds
later. A Celery worker's warm shutdown (finish the running task, disconnect) can take
longer than that, so processes get ``STOP_TIMEOUT`` seconds.

Each worker process runs Celery's solo pool: it takes a task from the broker and runs it
itself. A prefork pool adds a parent process that reads every message and hands it to a
child over a pipe; on the bare Celery relay of bench/peer_relay.py, two solo processes
moved about twice as many tasks a second as a prefork pool of two. honcho names them
``worker.1``, ``worker.2``, …, which the Procfile uses for their Celery node names.
"""

import sys

import honcho.manager
from honcho.command import main

from config.env import env_int

STOP_TIMEOUT = 30


def with_worker_processes(argv: list[str]) -> list[str]:
    """``argv`` with ``--concurrency worker=N`` added to ``start`` (N from
    ``WORKER_CONCURRENCY``, default 2), unless the command line sets the concurrency."""
    if "start" not in argv or any(a in ("-c", "--concurrency") or a.startswith("--concurrency=") for a in argv):
        return argv
    count = env_int("WORKER_CONCURRENCY", 2, minimum=1, maximum=64)
    at = argv.index("start") + 1
    return [*argv[:at], "--concurrency", f"worker={count}", *argv[at:]]


if __name__ == "__main__":
    honcho.manager.KILL_WAIT = STOP_TIMEOUT
    sys.exit(main(with_worker_processes(sys.argv[1:])))
