"""A customer's operations on domains, as Route 53 Domains shows them (GetOperationDetail,
ListOperations): every order line and every domain request is one, recorded when it is
saved, and its status is read from that line or request, never kept twice. Changes the
registrar makes alone (auto-renew, privacy) are operations done at once."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import overload

from django.db.models import QuerySet

from registrar.choices import (
    LINE_OPERATIONS,
    REQUEST_OPERATIONS,
    DomainRequestState,
    LineState,
    OperationStatus,
    OperationType,
    OrderState,
)
from registrar.models import Customer, DomainOperation, DomainRequest, OrderLine


@dataclass(frozen=True)
class OperationView:
    """An operation as its owner sees it."""

    id: str
    kind: str
    domain: str
    status: str
    message: str
    submitted_at: datetime
    updated_at: datetime


def record_lines(customer: Customer, lines: Iterable[OrderLine], now: datetime) -> None:
    """One operation per order line just saved."""
    DomainOperation.objects.bulk_create(
        DomainOperation(
            customer=customer, domain=line.domain, kind=LINE_OPERATIONS[line.kind], line=line, submitted_at=now
        )
        for line in lines
    )


def record_request(customer: Customer, request: DomainRequest, now: datetime) -> DomainOperation | None:
    """The operation of a domain request just saved (reading the auth code is none)."""
    kind = REQUEST_OPERATIONS.get(request.kind)
    if kind is None:
        return None
    return DomainOperation.objects.create(
        customer=customer, domain=request.domain.name, kind=kind, request=request, submitted_at=now
    )


def record_done(customer: Customer, name: str, kind: OperationType, now: datetime) -> DomainOperation:
    """An operation the registrar completed alone, at once."""
    return DomainOperation.objects.create(
        customer=customer, domain=name, kind=kind, status=OperationStatus.SUCCESSFUL, submitted_at=now
    )


def _view(operation: DomainOperation) -> OperationView:
    status, message, updated = operation.status or OperationStatus.SUCCESSFUL, operation.message, None
    line, request = operation.line, operation.request
    if line is not None:
        status, message, updated = _line_status(line)
    elif request is not None:
        states: dict[str, str] = {
            DomainRequestState.PENDING: OperationStatus.IN_PROGRESS,
            DomainRequestState.DONE: OperationStatus.SUCCESSFUL,
        }
        status = states.get(request.state, OperationStatus.FAILED)
        message, updated = request.failure_reason, request.completed_at or request.sent_at
    return OperationView(
        id=str(operation.id),
        kind=operation.kind,
        domain=operation.domain,
        status=status,
        message=message,
        submitted_at=operation.submitted_at,
        updated_at=updated or operation.submitted_at,
    )


def _line_status(line: OrderLine) -> tuple[str, str, datetime | None]:
    if line.state == LineState.FAILED:
        return OperationStatus.FAILED, line.failure_reason, line.completed_at
    if line.state == LineState.SUCCESSFUL:
        return OperationStatus.SUCCESSFUL, "", line.completed_at
    if line.state == LineState.PENDING or line.order.state == OrderState.SUBMITTED:
        return OperationStatus.SUBMITTED, "", line.order.updated_at
    return OperationStatus.IN_PROGRESS, "", line.dispatched_at


def _operations(customer: Customer) -> QuerySet[DomainOperation]:
    return DomainOperation.objects.filter(customer=customer).select_related("line__order", "request")


def operation_detail(customer: Customer, operation_id: str) -> OperationView | None:
    """One of the customer's operations, or None (an id that is no UUID is none either)."""
    try:
        key = uuid.UUID(str(operation_id))
    except ValueError:
        return None
    operation = _operations(customer).filter(pk=key).first()
    return _view(operation) if operation is not None else None


def list_operations(
    customer: Customer,
    *,
    since: datetime | None = None,
    statuses: Collection[str] = (),
    kinds: Collection[str] = (),
    newest_first: bool = True,
) -> Sequence[OperationView]:
    """The customer's operations submitted since ``since``, of the ``statuses`` and ``kinds``
    asked (all when empty), by submission time (without a status, read as they are sliced)."""
    rows = _operations(customer)
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    if kinds:
        rows = rows.filter(kind__in=list(kinds))
    rows = rows.order_by(*(("-submitted_at", "-id") if newest_first else ("submitted_at", "id")))
    if not statuses:
        return _Views(rows)  # a page of it is read, not the whole history
    return [view for view in map(_view, rows) if view.status in statuses]


class _Views(Sequence[OperationView]):
    """Operations read a slice at a time from a query."""

    def __init__(self, rows: QuerySet[DomainOperation]) -> None:
        self.rows = rows

    @overload
    def __getitem__(self, index: int) -> OperationView: ...

    @overload
    def __getitem__(self, index: slice) -> list[OperationView]: ...

    def __getitem__(self, index: int | slice) -> OperationView | list[OperationView]:
        if isinstance(index, slice):
            return [_view(row) for row in self.rows[index]]
        return _view(self.rows[index])

    def __len__(self) -> int:
        return self.rows.count()
