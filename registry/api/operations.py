"""Asynchronous transforms of the registry API, in the style of Route 53 Domains.

``submit`` records an ApiOperation and queues a Celery task; the client gets the id at
once and reads ``GET operations/{id}``. ``execute`` (the task) claims the operation with a
conditional update, runs its command from the registry's catalogue (``registry.commands``,
the same the command queue runs) with a client transaction id derived from the operation
id, and records the outcome. Because the service is idempotent on that
id, a task that runs twice (a worker killed after the commit, a re-sent message) changes
nothing twice. An operation whose message was lost is sent again by ``resend_stuck``.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import current_app
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from kombu.exceptions import KombuError

from config import clock
from registry import commands, services
from registry.api.problems import of_registry_error, problem
from registry.choices import ApiOperationState, OperationKind
from registry.errors import RegistryError
from registry.models import ApiOperation, Registrar

log = logging.getLogger(__name__)

FINAL_STATES = (ApiOperationState.SUCCESSFUL, ApiOperationState.FAILED, ApiOperationState.ERROR)
TASK = "registry.tasks.run_api_operation"
MAX_WAIT_SECONDS = 10.0


class IdempotencyKeyReused(Exception):
    """The key was sent before with a different request."""


def _object_name(params: dict) -> str:
    return str(params.get("name") or params.get("id") or "")[:253]


def submit(
    registrar: Registrar, kind: OperationKind, params: dict, idempotency_key: str | None = None
) -> tuple[ApiOperation, bool]:
    """Record the operation and queue it after commit; (operation, created). With a key
    sent before, the first operation comes back and nothing new is queued."""
    fingerprint = services.fingerprint(kind, params)
    operation = ApiOperation(
        registrar=registrar,
        kind=kind,
        object_name=_object_name(params),
        params=params,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        submitted_at=clock.now(),
    )
    try:
        with transaction.atomic():
            operation.save()
            transaction.on_commit(lambda: _send(str(operation.pk)))
    except IntegrityError:
        if idempotency_key is None:
            raise
        first = ApiOperation.objects.get(registrar=registrar, idempotency_key=idempotency_key)
        if first.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency_key!r} was used for {first.kind} {first.object_name}"
            ) from None
        return first, False
    return operation, True


def _send(operation_id: str) -> None:
    try:
        current_app.send_task(TASK, args=[operation_id])
    except (KombuError, OSError) as exc:  # the operation is saved; resend_stuck sends it later
        log.warning("could not queue API operation %s: %r", operation_id, exc)


def _finish(operation_id, state: ApiOperationState, *, result: dict | None = None, error: dict | None = None) -> None:
    ApiOperation.objects.filter(pk=operation_id, state=ApiOperationState.IN_PROGRESS).update(
        state=state, result=result, error=error, finished_at=clock.now()
    )


def execute(operation_id: str) -> None:
    """Carry out one operation (the Celery task's body); a final one is left alone."""
    claimed = ApiOperation.objects.filter(
        pk=operation_id, state__in=[ApiOperationState.SUBMITTED, ApiOperationState.IN_PROGRESS]
    ).update(state=ApiOperationState.IN_PROGRESS, started_at=Coalesce("started_at", clock.now()))
    if not claimed:
        return
    operation = ApiOperation.objects.select_related("registrar").get(pk=operation_id)
    command = commands.CATALOGUE[operation.kind]
    try:
        outcome = command.run(operation.registrar, dict(operation.params), f"api-{operation.pk}")
    except RegistryError as exc:
        _finish(operation.pk, ApiOperationState.FAILED, error=of_registry_error(exc))
        return
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries, and the service's clTRID keeps it single
    except Exception as exc:
        # A bug, not a rule: record it for the client and keep the traceback in the log.
        log.exception("API operation %s (%s) failed", operation.pk, operation.kind)
        _finish(operation.pk, ApiOperationState.ERROR, error=problem("internal_error", f"{type(exc).__name__}"))
        return
    _finish(operation.pk, ApiOperationState.SUCCESSFUL, result=outcome.data | {"sv_trid": outcome.sv_trid})


def wait_for(operation: ApiOperation, seconds: float) -> ApiOperation:
    """Re-read the operation until it is final or ``seconds`` pass (Prefer: wait=N)."""
    deadline = time.monotonic() + min(seconds, MAX_WAIT_SECONDS)
    while operation.state not in FINAL_STATES and time.monotonic() < deadline:
        time.sleep(0.05)
        operation.refresh_from_db()
    return operation


def resend_stuck(older_than: float) -> int:
    """Queue again the operations not final ``older_than`` seconds after submission."""
    cutoff = clock.now() - timedelta(seconds=older_than)
    stuck = ApiOperation.objects.filter(
        Q(state=ApiOperationState.SUBMITTED) | Q(state=ApiOperationState.IN_PROGRESS), submitted_at__lt=cutoff
    ).values_list("pk", flat=True)
    count = 0
    for pk in stuck[:500]:
        _send(str(pk))
        count += 1
    return count
