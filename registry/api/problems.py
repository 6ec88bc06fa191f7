"""Errors of the registry API as RFC 9457 problem details (application/problem+json).

The shape and DRF's own errors are ``config.problems``'; this is the registry API's
catalog. Registry rule errors keep the code their ``RegistryError`` carries, so the REST
API, EPP (by result code) and the in-house registrar report the same failure alike; a
failed asynchronous operation carries the same object in its ``error``.
"""

from __future__ import annotations

from typing import Any

from config.problems import PROBLEM_CONTENT_TYPE, Catalog, Problem, problem_response
from registry.errors import RegistryError

__all__ = ["CATALOG", "PROBLEM_CONTENT_TYPE", "handle", "of_registry_error", "problem", "problem_response"]

PROBLEMS_PATH = "/api/registry/v1/problems/"

# code -> (HTTP status, title). Registry rule errors first, then the API's own.
CATALOG = Catalog(
    PROBLEMS_PATH,
    {
        "invalid_name": (400, "The name is not a valid domain or host name"),
        "unknown_tld": (422, "The registry does not run that TLD"),
        "parameter_policy": (422, "A value is outside the registry's policy"),
        "domain_unavailable": (409, "The domain is registered already"),
        "domain_reserved": (409, "The domain is reserved"),
        "object_exists": (409, "The object exists already"),
        "object_not_found": (404, "No such object"),
        "not_sponsor": (403, "The object belongs to another registrar"),
        "invalid_authorization": (403, "The auth info is wrong"),
        "status_prohibits_operation": (409, "A status of the object forbids this"),
        "association_prohibits_operation": (409, "Other objects still use this one"),
        "insufficient_funds": (402, "The registrar's balance is too low"),
        "fee_mismatch": (409, "The fee is not the one expected"),
        "expiry_mismatch": (409, "The current expiry date is not the one given"),
        "transaction_id_reused": (409, "The transaction id was used for another command"),
        "unknown_registrar": (403, "No such active registrar"),
        "pending_transfer": (409, "A transfer of the domain is pending"),
        "not_eligible_for_transfer": (409, "The domain cannot be transferred that way"),
        "registry_error": (500, "The registry could not carry out the command"),
        "not_authenticated": (401, "A registrar API token is needed"),
        "authentication_failed": (401, "The API token is not valid"),
        "idempotency_key_reused": (422, "The Idempotency-Key was used for a different request"),
    },
)


def problem(code: str, detail: str, *, status_code: int | None = None, **extra: Any) -> Problem:
    return CATALOG.problem(code, detail, status_code=status_code, **extra)


def of_registry_error(exc: RegistryError) -> Problem:
    return problem(exc.code, exc.message, epp_code=exc.epp_code)


# The DRF exception handler of the registry API views: every error as problem+json.
handle = CATALOG.handler(lambda exc: of_registry_error(exc) if isinstance(exc, RegistryError) else None)
