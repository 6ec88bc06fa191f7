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

# Which statuses forbid which transform (RFC 5731: the command fails with 2304).
PROHIBITING = {
    "delete": frozenset(
        {EppStatus.CLIENT_DELETE_PROHIBITED, EppStatus.SERVER_DELETE_PROHIBITED, EppStatus.PENDING_DELETE}
    ),
    "renew": frozenset(
        {EppStatus.CLIENT_RENEW_PROHIBITED, EppStatus.SERVER_RENEW_PROHIBITED, EppStatus.PENDING_DELETE}
    ),
    "update": frozenset(
        {EppStatus.CLIENT_UPDATE_PROHIBITED, EppStatus.SERVER_UPDATE_PROHIBITED, EppStatus.PENDING_DELETE}
    ),
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
    HOST_CREATE = "host.create"
    CONTACT_CREATE = "contact.create"
    CONTACT_UPDATE = "contact.update"
    DOMAIN_SERVER_STATUS = "domain.serverStatus", "Domain server status (registry staff)"
    BILLING_TOPUP = "billing.topup"


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
