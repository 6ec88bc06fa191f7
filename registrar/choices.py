"""Enumerations of the retail registrar (order, line and payment states)."""

from django.db import models


class OrderState(models.TextChoices):
    SUBMITTED = "SUBMITTED", "Submitted"
    PAID = "PAID", "Paid"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    SUCCESSFUL = "SUCCESSFUL", "Successful"
    PARTIAL = "PARTIAL", "Partly successful"  # some lines failed and were refunded
    FAILED = "FAILED", "Failed"


FINAL_ORDER_STATES = frozenset({OrderState.SUCCESSFUL, OrderState.PARTIAL, OrderState.FAILED})


class LineKind(models.TextChoices):
    REGISTER = "register", "Register"
    RENEW = "renew", "Renew"
    TRANSFER = "transfer", "Transfer in"


class LineState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    SUCCESSFUL = "SUCCESSFUL", "Successful"
    FAILED = "FAILED", "Failed"


FINAL_LINE_STATES = frozenset({LineState.SUCCESSFUL, LineState.FAILED})


class PaymentState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    CAPTURED = "CAPTURED", "Captured"
    DECLINED = "DECLINED", "Declined"
    FAILED = "FAILED", "Failed"  # transient errors that never cleared


class CardBehaviour(models.TextChoices):
    """How an emulated test card answers a charge."""

    APPROVE = "approve", "Approved"
    DECLINE = "decline", "Declined"
    TRANSIENT = "transient", "Fails once, then approved"
