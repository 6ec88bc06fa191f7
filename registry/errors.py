"""Errors raised by registry services.

Each error carries a stable machine-readable ``code`` (used by the REST API and by the
registrar pipeline) and the EPP result code of RFC 5730 section 3 that an EPP server
answers with. Raising one inside a service rolls back everything that service wrote.
"""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    code = "registry_error"
    epp_code = 2400
    message = "Command failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "epp_code": self.epp_code, "message": self.message}


class InvalidName(RegistryError):
    code = "invalid_name"
    epp_code = 2005


class UnknownTld(RegistryError):
    code = "unknown_tld"
    epp_code = 2306


class ParameterError(RegistryError):
    """A value outside what the registry's policy allows (period, nameserver count...)."""

    code = "parameter_policy"
    epp_code = 2306


class DomainUnavailable(RegistryError):
    code = "domain_unavailable"
    epp_code = 2302


class DomainReserved(RegistryError):
    code = "domain_reserved"
    epp_code = 2302


class ObjectExists(RegistryError):
    code = "object_exists"
    epp_code = 2302


class ObjectNotFound(RegistryError):
    code = "object_not_found"
    epp_code = 2303


class NotSponsor(RegistryError):
    code = "not_sponsor"
    epp_code = 2201


class StatusProhibits(RegistryError):
    code = "status_prohibits_operation"
    epp_code = 2304


class AssociationProhibits(RegistryError):
    code = "association_prohibits_operation"
    epp_code = 2305


class InsufficientFunds(RegistryError):
    code = "insufficient_funds"
    epp_code = 2104


class FeeMismatch(RegistryError):
    code = "fee_mismatch"
    epp_code = 2004


class ExpiryMismatch(RegistryError):
    code = "expiry_mismatch"
    epp_code = 2306


class TransactionIdReused(RegistryError):
    code = "transaction_id_reused"
    epp_code = 2306


class UnknownRegistrar(RegistryError):
    code = "unknown_registrar"
    epp_code = 2200


class InvalidAuthorization(RegistryError):
    """The auth info given does not match the object's (EPP 2202)."""

    code = "invalid_authorization"
    epp_code = 2202


class PendingTransfer(RegistryError):
    code = "pending_transfer"
    epp_code = 2300


class NotEligibleForTransfer(RegistryError):
    code = "not_eligible_for_transfer"
    epp_code = 2106
