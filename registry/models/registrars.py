"""Accredited registrars: credentials and API tokens, their prepaid account's append-only
ledger, the operations they ran, their poll queue and their REST API operations.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any, NoReturn

from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from registry.choices import ApiOperationState, LedgerKind, OperationKind, PollKind

client_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{2,15}$", "3-16 characters: lower-case letters, digits and hyphens."
)


class Registrar(models.Model):
    """A registrar accredited at this registry, with its prepaid account.

    Every fee the registry charges is debited from ``balance``, which can never go
    negative; each change of it is one LedgerEntry, so the balance always equals the sum
    of the registrar's ledger. The EPP password and API tokens are stored hashed.
    """

    client_id = models.CharField(
        max_length=16, unique=True, validators=[client_id_validator], help_text="EPP login id."
    )
    name = models.CharField(max_length=200)
    iana_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    url = models.URLField(blank=True)
    epp_password = models.CharField(max_length=128, help_text="Hashed; set with set_epp_password().")
    balance = models.BigIntegerField(default=0, help_text="Prepaid funds in minor units.")
    is_active = models.BooleanField(default=True)
    is_internal = models.BooleanField(default=False, help_text="The registrar run by this emulator's own web shop.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client_id"]
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="registrar_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def set_epp_password(self, raw: str) -> None:
        self.epp_password = make_password(raw)

    def check_epp_password(self, raw: str) -> bool:
        return check_password(raw, self.epp_password)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RegistrarToken(models.Model):
    """An API token of a registrar. Only a digest is stored; the token is shown once.

    Tokens look like ``nsm_<prefix>_<secret>``; the prefix finds the row, the digest of
    the whole token proves it.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registrar", "created_at"]

    def __str__(self) -> str:
        return f"nsm_{self.prefix}_… ({self.label})"

    def set_token(self, token: str | None = None) -> str:
        """Give the row a token (random unless given) and return its plain text, which
        is not kept: only the prefix and the digest are."""
        if token is None:
            token = f"nsm_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}"
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "nsm" or not parts[1] or not parts[2]:
            raise ValueError("a registrar token looks like nsm_<prefix>_<secret>")
        self.prefix, self.digest = parts[1], _token_digest(token)
        return token

    @classmethod
    def issue(cls, registrar: Registrar, label: str, token: str | None = None) -> tuple[RegistrarToken, str]:
        """Create a token (random unless given) and return it with its plain text."""
        row = cls(registrar=registrar, label=label)
        token = row.set_token(token)
        row.save()
        return row, token

    @classmethod
    def find(cls, token: str) -> RegistrarToken | None:
        """The live token row of an active registrar that ``token`` proves, or None."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "nsm":
            return None
        row = cls.objects.select_related("registrar").filter(prefix=parts[1], revoked_at=None).first()
        if row is None or not secrets.compare_digest(row.digest, _token_digest(token)):
            return None
        return row if row.registrar.is_active else None

    @classmethod
    def authenticate(cls, token: str) -> Registrar | None:
        row = cls.find(token)
        return row.registrar if row else None


class Operation(models.Model):
    """One transform the registry performed, as a client asked for it.

    The client transaction id (EPP clTRID) makes transforms idempotent: a second request
    with the same id from the same registrar gets ``response`` back instead of running
    again. ``sv_trid`` is the registry's own unique id for the transaction. Ledger entries
    and history rows point here, so every charge names the command that caused it.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(max_length=32, choices=OperationKind.choices)
    cl_trid = models.CharField(max_length=64, null=True, blank=True)
    sv_trid = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64, help_text="Digest of the request parameters.")
    object_name = models.CharField(max_length=253, blank=True)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registrar", "cl_trid"], condition=Q(cl_trid__isnull=False), name="operation_cltrid_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} ({self.sv_trid})"


class AppendOnlyQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("ledger entries are append-only")

    def delete(self) -> NoReturn:
        raise TypeError("ledger entries are append-only")


class LedgerEntry(models.Model):
    """One movement of a registrar's prepaid funds: a top-up, a charge or a refund.

    Append-only: rows are never changed or deleted. Charges are negative, top-ups and
    refunds positive; ``balance_after`` is the registrar's balance right after the entry.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    amount = models.BigIntegerField(help_text="Minor units; negative for charges.")
    balance_after = models.BigIntegerField()
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="ledger_entries")
    object_name = models.CharField(max_length=253, blank=True)
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["registrar", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=LedgerKind.CHARGE) & Q(amount__lt=0))
                | (Q(kind__in=[LedgerKind.TOPUP, LedgerKind.REFUND]) & Q(amount__gt=0)),
                name="ledger_amount_sign_matches_kind",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.registrar.client_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("ledger entries are append-only")


class PollMessage(models.Model):
    """A message the registry queued for a registrar (RFC 5730 poll): a transfer asked
    for, approved or rejected, an auto-renewal, a change by registry staff. The registrar
    reads the oldest unacknowledged one and acknowledges it to see the next."""

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="poll_messages")
    kind = models.CharField(max_length=16, choices=PollKind.choices)
    object_name = models.CharField(max_length=253, blank=True)
    message = models.CharField(max_length=255)
    data = models.JSONField(default=dict, help_text="What the message is about, by field (trStatus, dates...).")
    created_at = models.DateTimeField()
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registrar", "id"]
        indexes = [models.Index(fields=["registrar", "acked_at", "id"], name="poll_queue")]

    def __str__(self) -> str:
        return f"{self.registrar.client_id}: {self.message}"


class ApiOperation(models.Model):
    """A transform asked for through the REST API and carried out by a Celery task, as
    Route 53 Domains does: the client gets the id at once and reads the state until it is
    final. ``idempotency_key`` (the Idempotency-Key header) makes a resent request return
    the first operation; the task runs the service with a client transaction id derived
    from the id, so a task run twice changes nothing twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="api_operations")
    kind = models.CharField(max_length=32, choices=OperationKind.choices)
    object_name = models.CharField(max_length=253, blank=True)
    params = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Digest of kind and params, to spot a reused key.")
    state = models.CharField(max_length=16, choices=ApiOperationState.choices, default=ApiOperationState.SUBMITTED)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True, help_text="code, title and detail when FAILED or ERROR.")
    submitted_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registrar", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="api_operation_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} ({self.state})"
