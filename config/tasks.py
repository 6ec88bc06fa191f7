"""How the apps declare their Celery tasks.

A task that touches the database retries the errors that pass (the database went away, a
deadlock or serialization failure) with exponential backoff and jitter, and nothing else:
a rule error is recorded by the service and never retried. Every task is safe to run twice
(see each service), so a retry after a half-done attempt changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

RETRY_TRANSIENT: dict[str, Any] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 10,
}


def retrying_task(name: str, **options: Any) -> Any:
    """``shared_task`` named ``name`` that retries TRANSIENT_ERRORS; ``options`` add to or
    override the retry policy."""
    return shared_task(name=name, **(RETRY_TRANSIENT | options))
