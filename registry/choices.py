"""Enumerations of the registry domain (EPP statuses, ledger kinds, operation kinds)."""

from django.db import models


class EppStatus(models.TextChoices):
    """Domain statuses of RFC 5731 section 2.3."""

    OK = "ok"
    INACTIVE = "inactive"
    CLIENT_DELETE_PROHIBITED = "clientDeleteProhibited"
    CLIENT_HOLD = "clientHold"
    CLIENT_RENEW_PROHIBITED = "clientRenewProhibited"
    CLIENT_TRANSFER_PROHIBITED = "clientTransferProhibited"
    CLIENT_UPDATE_PROHIBITED = "clientUpdateProhibited"
    SERVER_DELETE_PROHIBITED = "serverDeleteProhibited"
    SERVER_HOLD = "serverHold"
    SERVER_RENEW_PROHIBITED = "serverRenewProhibited"
    SERVER_TRANSFER_PROHIBITED = "serverTransferProhibited"
    SERVER_UPDATE_PROHIBITED = "serverUpdateProhibited"
    PENDING_CREATE = "pendingCreate"
    PENDING_DELETE = "pendingDelete"
    PENDING_RENEW = "pendingRenew"
    PENDING_TRANSFER = "pendingTransfer"
    PENDING_UPDATE = "pendingUpdate"


# Statuses a domain carries only by computation, never stored.
DERIVED_STATUSES = frozenset({EppStatus.OK, EppStatus.INACTIVE})

# Statuses a client (registrar) may set or clear itself.
CLIENT_STATUSES = frozenset(s for s in EppStatus if s.value.startswith("client"))

# Statuses only registry staff may set or clear (RFC 5731: server* statuses).
SERVER_STATUSES = frozenset(s for s in EppStatus if s.value.startswith("server"))

# Which statuses forbid which transform (RFC 5731: the command fails with 2304). While a
# transfer is pending no other transform may touch the domain (RFC 5731 section 2.3).
_PENDING = {EppStatus.PENDING_DELETE, EppStatus.PENDING_TRANSFER}
PROHIBITING = {
    "delete": frozenset({EppStatus.CLIENT_DELETE_PROHIBITED, EppStatus.SERVER_DELETE_PROHIBITED, *_PENDING}),
    "renew": frozenset({EppStatus.CLIENT_RENEW_PROHIBITED, EppStatus.SERVER_RENEW_PROHIBITED, *_PENDING}),
    "update": frozenset({EppStatus.CLIENT_UPDATE_PROHIBITED, EppStatus.SERVER_UPDATE_PROHIBITED, *_PENDING}),
    "transfer": frozenset({EppStatus.CLIENT_TRANSFER_PROHIBITED, EppStatus.SERVER_TRANSFER_PROHIBITED, *_PENDING}),
}


class LedgerKind(models.TextChoices):
    TOPUP = "topup", "Top-up"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"


class OperationKind(models.TextChoices):
    """Every transform the registry performs; each is recorded as one Operation."""

    DOMAIN_CREATE = "domain.create"
    DOMAIN_RENEW = "domain.renew"
    DOMAIN_UPDATE = "domain.update"
    DOMAIN_DELETE = "domain.delete"
    DOMAIN_TRANSFER_REQUEST = "domain.transfer.request"
    DOMAIN_TRANSFER_APPROVE = "domain.transfer.approve"
    DOMAIN_TRANSFER_REJECT = "domain.transfer.reject"
    DOMAIN_TRANSFER_CANCEL = "domain.transfer.cancel"
    DOMAIN_RESTORE = "domain.restore"
    DOMAIN_RESTORE_REPORT = "domain.restore.report"
    DOMAIN_AUTO_RENEW = "domain.autoRenew", "Domain auto-renewal (registry)"
    DOMAIN_DELETION_PHASE = "domain.rgp", "Domain deletion phase change (registry)"
    DOMAIN_PURGE = "domain.purge", "Domain purge (registry)"
    HOST_CREATE = "host.create"
    HOST_UPDATE = "host.update"
    HOST_DELETE = "host.delete"
    CONTACT_CREATE = "contact.create"
    CONTACT_UPDATE = "contact.update"
    CONTACT_DELETE = "contact.delete"
    DOMAIN_SERVER_STATUS = "domain.serverStatus", "Domain server status (registry staff)"
    BILLING_TOPUP = "billing.topup"


class FeeClass(models.TextChoices):
    """The price class of a name (EPP's <fee:class>, RFC 8748 section 3.7; the REST check's fee_class)."""

    STANDARD = "standard"
    PREMIUM = "premium"


class QueryKind(models.TextChoices):
    """The reads a registrar may send over the command queue (no Operation is recorded)."""

    DOMAIN_INFO = "domain.info"
    POLL_REQUEST = "poll.request"
    POLL_ACK = "poll.ack"


class NameList(models.TextChoices):
    """The per-TLD label lists an operator can import from CSV."""

    RESERVED = "reserved", "Reserved names (label, optional reason)"
    PREMIUM = "premium", "Premium names (label, annual fee in minor units)"


class CheckStatus(models.TextChoices):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    RESERVED = "reserved"
    PREMIUM = "premium"
    INVALID = "invalid"


class TransferStatus(models.TextChoices):
    """trStatus values of RFC 5730 section 2.9.3.4."""

    PENDING = "pending"
    CLIENT_APPROVED = "clientApproved"
    CLIENT_CANCELLED = "clientCancelled"
    CLIENT_REJECTED = "clientRejected"
    SERVER_APPROVED = "serverApproved"
    SERVER_CANCELLED = "serverCancelled"


class PollKind(models.TextChoices):
    """What a poll message tells a registrar about."""

    TRANSFER = "transfer", "Domain transfer"
    AUTO_RENEW = "autoRenew", "Auto-renewal"
    DELETED = "deleted", "Deletion"
    RESTORE = "restore", "Restore"
    SERVER_STATUS = "serverStatus", "Registry status change"


class RgpStatus(models.TextChoices):
    """Grace-period statuses of RFC 3915 (the rgp extension)."""

    ADD_PERIOD = "addPeriod"
    AUTO_RENEW_PERIOD = "autoRenewPeriod"
    RENEW_PERIOD = "renewPeriod"
    TRANSFER_PERIOD = "transferPeriod"
    REDEMPTION_PERIOD = "redemptionPeriod"
    PENDING_RESTORE = "pendingRestore"
    PENDING_DELETE = "pendingDelete"


# Grace periods in which a delete refunds what the command that opened them cost.
REFUND_GRACE = (
    RgpStatus.ADD_PERIOD,
    RgpStatus.AUTO_RENEW_PERIOD,
    RgpStatus.RENEW_PERIOD,
    RgpStatus.TRANSFER_PERIOD,
)
# The phases a deleted domain passes through before its name is free again.
DELETION_PHASES = (RgpStatus.REDEMPTION_PERIOD, RgpStatus.PENDING_RESTORE, RgpStatus.PENDING_DELETE)
# Phases in which the domain is out of its TLD zone (it resolves no more).
UNPUBLISHED_PHASES = (RgpStatus.REDEMPTION_PERIOD, RgpStatus.PENDING_DELETE)


class ApiOperationState(models.TextChoices):
    """States of an asynchronous REST transform (as Route 53 Domains reports them)."""

    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"  # the registry refused it (a rule, funds, a taken name)
    ERROR = "ERROR"  # it could not be carried out (an internal error)
