"""``python -m config.procfile start``: honcho, with time for a clean stop.

honcho sends SIGTERM on Ctrl-C and SIGKILLs whatever is still running five seconds
later. A Celery worker's warm shutdown (finish the running tasks, close the pool,
disconnect) can take longer than that, so processes get ``STOP_TIMEOUT`` seconds.
"""

import sys

import honcho.manager
from honcho.command import main

STOP_TIMEOUT = 30

if __name__ == "__main__":
    honcho.manager.KILL_WAIT = STOP_TIMEOUT
    sys.exit(main())
