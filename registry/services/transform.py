"""The transform runner: one transaction per command, idempotent on the client transaction id.

Every transform runs through ``run_transform``: it records the Operation first, so a
concurrent request with the same clTRID waits for this one and replays its response, and
when the body raises a ``RegistryError`` nothing it did is kept.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from config import clock
from config.faults import pause_point
from registry import lookups
from registry.choices import OperationKind
from registry.errors import ParameterError, TransactionIdReused, UnknownRegistrar
from registry.models import Operation, Registrar
from registry.services.results import OperationResult


def get_registrar(client_id: str) -> Registrar:
    registrar = lookups.active_registrar(client_id)
    if registrar is None:
        raise UnknownRegistrar(f"no active registrar with client id {client_id!r}")
    return registrar


def _new_sv_trid() -> str:
    return f"NSM-{secrets.token_hex(10)}"


def fingerprint(kind: str, params: dict[str, Any]) -> str:
    blob = json.dumps({"kind": kind, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


Data = dict[str, Any]  # a response's data: JSON types only
Body = Callable[[Operation, datetime], Data]


def run_transform(
    registrar: Registrar,
    kind: OperationKind,
    cl_trid: str | None,
    params: dict[str, Any],
    body: Body,
) -> OperationResult:
    """Run ``body`` once per (registrar, cl_trid) inside one transaction.

    The Operation row is inserted first: a concurrent request with the same clTRID
    blocks on the unique index until this one commits, then finds the row and replays
    its response. When ``body`` raises, the Operation goes too and a retry runs afresh.
    """
    if cl_trid is not None and not (1 <= len(cl_trid) <= 64):
        raise ParameterError("a client transaction id is 1 to 64 characters long")
    digest = fingerprint(kind, params)
    now = clock.now()
    operation = Operation(
        registrar=registrar,
        kind=kind,
        cl_trid=cl_trid,
        sv_trid=_new_sv_trid(),
        fingerprint=digest,
        object_name=str(params.get("name", ""))[:253],
        created_at=now,
    )
    try:
        with transaction.atomic():
            try:
                # No savepoint: a clash spoils the whole transaction, which is given up.
                with transaction.atomic(savepoint=False):
                    operation.save()
            except IntegrityError:
                if cl_trid is None:  # not a replay: nothing else may collide
                    raise
                raise SeenBefore from None
            data = body(operation, now)
            operation.response = data
            operation.save(update_fields=["response"])
            pause_point(f"registry.before_commit.{kind.value}")
    except SeenBefore:
        previous = Operation.objects.get(registrar=registrar, cl_trid=cl_trid)
        return _replay(previous, kind, digest)
    return OperationResult(kind=kind.value, sv_trid=operation.sv_trid, cl_trid=cl_trid, data=data)


class SeenBefore(Exception):
    """The clTRID is taken: the transform ran before (or is the wrong command)."""


def _replay(previous: Operation, kind: OperationKind, digest: str) -> OperationResult:
    if previous.kind != kind or previous.fingerprint != digest:
        raise TransactionIdReused(
            f"client transaction id {previous.cl_trid!r} was already used for a different command "
            f"({previous.kind} {previous.object_name})"
        )
    return OperationResult(
        kind=previous.kind, sv_trid=previous.sv_trid, cl_trid=previous.cl_trid, data=previous.response, replayed=True
    )
