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
    RESTORE = "restore", "Restore"


class LineState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    # A transfer the registry accepted, waiting for the losing registrar (or the registry,
    # after five days) to decide; the poll messages tell how it ended. Never resent.
    AWAITING_TRANSFER = "AWAITING", "Awaiting the transfer"
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


class DomainState(models.TextChoices):
    """Where a held domain stands in the registry's lifecycle, as its poll messages told us.
    (Expired is not stored: it is an active domain whose expiry has passed.)"""

    ACTIVE = "active", "Active"
    REDEMPTION = "redemption", "Redemption period"  # deleted; restorable for a fee
    PENDING_DELETE = "pendingDelete", "Pending delete"  # past redemption; purged soon


class DomainRequestKind(models.TextChoices):
    """Free requests a customer makes about a held domain, each one registry command."""

    REVEAL_AUTH_CODE = "reveal_auth_code", "Reveal the auth code"
    LOCK = "lock", "Lock transfers"
    UNLOCK = "unlock", "Unlock transfers"
    NAMESERVERS = "nameservers", "Change the nameservers"
    CONTACT = "contact", "Change the registrant contact"
    DELETE = "delete", "Delete the domain"


class DomainRequestState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    DONE = "DONE", "Done"
    FAILED = "FAILED", "Failed"


class RegistryMessageKind(models.TextChoices):
    """The kinds of the registry's poll messages the registrar acts on."""

    TRANSFER = "transfer", "Domain transfer"
    AUTO_RENEW = "autoRenew", "Auto-renewal"
    DELETED = "deleted", "Deletion"
    RESTORE = "restore", "Restore"


class TransferStatus(models.TextChoices):
    """trStatus values the registry's transfer messages carry (RFC 5730 section 2.9.3.4)."""

    PENDING = "pending"
    CLIENT_APPROVED = "clientApproved"
    SERVER_APPROVED = "serverApproved"
    CLIENT_REJECTED = "clientRejected"
    CLIENT_CANCELLED = "clientCancelled"
    SERVER_CANCELLED = "serverCancelled"


TRANSFER_APPROVED = frozenset({TransferStatus.CLIENT_APPROVED, TransferStatus.SERVER_APPROVED})
TRANSFER_REFUSED = frozenset(
    {TransferStatus.CLIENT_REJECTED, TransferStatus.CLIENT_CANCELLED, TransferStatus.SERVER_CANCELLED}
)


class OperationType(models.TextChoices):
    """What a customer's operation on a domain did, in Route 53 Domains' words (its
    OperationType): every order line and domain request is one, and so are the changes
    the registrar makes alone (auto-renew, privacy)."""

    REGISTER_DOMAIN = "REGISTER_DOMAIN"
    RENEW_DOMAIN = "RENEW_DOMAIN"
    TRANSFER_IN_DOMAIN = "TRANSFER_IN_DOMAIN"
    RESTORE_DOMAIN = "RESTORE_DOMAIN"
    DELETE_DOMAIN = "DELETE_DOMAIN"
    UPDATE_NAMESERVER = "UPDATE_NAMESERVER"
    UPDATE_DOMAIN_CONTACT = "UPDATE_DOMAIN_CONTACT"
    CHANGE_PRIVACY_PROTECTION = "CHANGE_PRIVACY_PROTECTION"
    DOMAIN_LOCK = "DOMAIN_LOCK"
    ENABLE_AUTORENEW = "ENABLE_AUTORENEW"
    DISABLE_AUTORENEW = "DISABLE_AUTORENEW"


class OperationStatus(models.TextChoices):
    """Where an operation stands (Route 53 Domains' OperationStatus)."""

    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    ERROR = "ERROR"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"


LINE_OPERATIONS: dict[str, OperationType] = {
    LineKind.REGISTER: OperationType.REGISTER_DOMAIN,
    LineKind.RENEW: OperationType.RENEW_DOMAIN,
    LineKind.TRANSFER: OperationType.TRANSFER_IN_DOMAIN,
    LineKind.RESTORE: OperationType.RESTORE_DOMAIN,
}
REQUEST_OPERATIONS: dict[str, OperationType] = {
    DomainRequestKind.LOCK: OperationType.DOMAIN_LOCK,
    DomainRequestKind.UNLOCK: OperationType.DOMAIN_LOCK,
    DomainRequestKind.NAMESERVERS: OperationType.UPDATE_NAMESERVER,
    DomainRequestKind.CONTACT: OperationType.UPDATE_DOMAIN_CONTACT,
    DomainRequestKind.DELETE: OperationType.DELETE_DOMAIN,
}
