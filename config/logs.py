"""Log lines: which process wrote them, and one correlation id per piece of work.

Plain lines are the default; ``LOG_FORMAT=json`` writes one JSON object per line
(python-json-logger) for a log shipper. Every line names the process that wrote it
(``NAMESMITH_PROCESS``: ``web``, ``worker.2``, ``dns``, ...).

The correlation id follows one piece of work across processes: a web request takes the
client's ``X-Request-Id`` (when it is a sane token) or makes one, and answers with it;
every Celery task sent while handling it carries it in a message header, and the worker
that runs the task logs under it and passes it on to the tasks that task sends, so an
order's request, its registry command, the result and the zone publication share one id.
Work that starts on its own (a beat sweep) gets a fresh id per task.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings import this module; Django's HTTP classes load later
    from django.http import HttpRequest, HttpResponse

HEADER = "namesmith_correlation_id"  # Celery message header
REQUEST_HEADER = "X-Request-Id"
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def current() -> str | None:
    return correlation_id.get()


def begin(value: str | None) -> contextvars.Token[str | None]:
    """Make ``value`` (or a fresh id when it is missing or malformed) the current id;
    returns the token that ``end`` takes."""
    return correlation_id.set(value if value and _TOKEN.match(value) else new_id())


def end(token: contextvars.Token[str | None]) -> None:
    correlation_id.reset(token)


def _guess_process_name(argv: list[str]) -> str:
    """A name for a process started without ``NAMESMITH_PROCESS`` (by hand, by a test):
    ``web`` for gunicorn, ``worker`` or ``beat`` for Celery, else manage.py's command."""
    program = os.path.basename(argv[0]) if argv else ""
    if program == "__main__.py":  # python -m package
        program = os.path.basename(os.path.dirname(argv[0]))
    words = [os.path.basename(a) for a in argv[1:]]
    if "gunicorn" in (program, *words[:2]):
        return "web"
    for kind in ("worker", "beat"):
        if kind in words and ("celery" in program or "celery" in words[:2]):
            return kind
    if program == "manage.py" and words:
        return words[0]
    return program.removesuffix(".py") or "python"


class ContextFilter(logging.Filter):
    """Adds ``process_name`` and ``correlation_id`` (and ``cid``, " [id]" or "", for the
    plain format) to every record."""

    def __init__(self) -> None:
        super().__init__()
        self.process_name = os.environ.get("NAMESMITH_PROCESS") or _guess_process_name(sys.argv)

    def filter(self, record: logging.LogRecord) -> bool:
        cid = correlation_id.get()
        record.process_name = self.process_name
        record.correlation_id = cid
        record.cid = f" [{cid}]" if cid else ""
        return True


PLAIN_FORMAT = "%(asctime)s %(process_name)s %(levelname)s %(name)s: %(message)s%(cid)s"
JSON_FIELDS = "%(asctime)s %(process_name)s %(levelname)s %(name)s %(message)s %(correlation_id)s"


def logging_config(*, json_lines: bool, level: str, quiet: dict[str, str]) -> dict[str, Any]:
    """The LOGGING setting: every line through one handler on stderr with the context
    filter; ``quiet`` maps noisy loggers to their level."""
    formatter: dict[str, Any]
    if json_lines:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process_name": "process"},
        }
    else:
        formatter = {"format": PLAIN_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.logs.ContextFilter"}},
        "formatters": {"line": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {name: {"level": value} for name, value in quiet.items()},
    }


class CorrelationMiddleware:
    """Gives each web request its correlation id and answers with it in ``X-Request-Id``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = begin(request.headers.get(REQUEST_HEADER))
        try:
            response = self.get_response(request)
            response[REQUEST_HEADER] = correlation_id.get() or ""
            return response
        finally:
            end(token)
