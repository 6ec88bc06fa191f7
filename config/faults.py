"""Named pause points for crash tests.

With ``NAMESMITH_PAUSE_AT=<point>:<marker file>`` set in a worker's environment, the
code path that calls ``pause_point(<point>)`` writes the marker file and then sleeps,
so a test can kill the worker at exactly that place. Unset, the call does nothing.
"""

import time
from pathlib import Path

from django.conf import settings


def pause_point(name: str) -> None:
    if not settings.PAUSE_AT:
        return
    point, _, marker = settings.PAUSE_AT.partition(":")
    if point != name:
        return
    Path(marker).write_text(name)
    time.sleep(3600)
