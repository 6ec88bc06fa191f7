"""The registrar's prepaid account: balance moves and the append-only ledger.

Money is integers (minor units); a balance never goes below zero, and every entry names
the operation that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from config.money import format_money
from registry.choices import LedgerKind, OperationKind
from registry.errors import InsufficientFunds, ParameterError
from registry.models import LedgerEntry, Operation, Registrar
from registry.services.results import OperationResult
from registry.services.transform import run_transform


def _move_balance(registrar: Registrar, delta: int) -> int | None:
    """Add ``delta`` (negative for a charge) unless the balance would go below zero.

    Returns the new balance, or None when the funds are short. One statement, so two
    concurrent charges can never both spend the same money.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Registrar._meta.db_table} SET balance = balance + %s "
            "WHERE id = %s AND balance + %s >= 0 RETURNING balance",
            [delta, registrar.pk, delta],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def ledger(
    registrar: Registrar, kind: LedgerKind, delta: int, operation: Operation, description: str, now: datetime
) -> int:
    """Move the balance by ``delta`` and write the ledger entry; returns the new balance."""
    balance_after = _move_balance(registrar, delta)
    if balance_after is None:
        balance = Registrar.objects.values_list("balance", flat=True).get(pk=registrar.pk)
        raise InsufficientFunds(
            f"{description} costs {format_money(-delta)} but the balance of registrar "
            f"{registrar.client_id} is {format_money(balance)}"
        )
    LedgerEntry.objects.create(
        registrar=registrar,
        kind=kind,
        amount=delta,
        balance_after=balance_after,
        operation=operation,
        object_name=operation.object_name,
        description=description,
        created_at=now,
    )
    return balance_after


def debit(registrar: Registrar, amount: int, operation: Operation, description: str, now: datetime) -> None:
    """Charge ``amount`` or raise InsufficientFunds; the balance never goes below zero."""
    if amount:
        ledger(registrar, LedgerKind.CHARGE, -amount, operation, description, now)


def top_up(registrar: Registrar, amount: int, *, cl_trid: str | None = None, description: str = "") -> OperationResult:
    """Add prepaid funds to a registrar's account."""
    if not isinstance(amount, int) or amount <= 0:
        raise ParameterError("a top-up is a positive amount in minor units")

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        balance = ledger(registrar, LedgerKind.TOPUP, amount, operation, description or "Top-up", now)
        return {"amount": amount, "balance": balance}

    return run_transform(registrar, OperationKind.BILLING_TOPUP, cl_trid, {"amount": amount}, body)
