"""Errors of the registry API as RFC 9457 problem details (application/problem+json).

Every error body has ``type`` (a URI under /api/registry/v1/problems/ that describes
it), ``title``, ``status``, ``detail`` and ``code``, a stable machine-readable name that
clients branch on. Registry rule errors keep the code their ``RegistryError`` carries, so
the REST API, EPP (by result code) and the in-house registrar report the same failure
alike; a failed asynchronous operation carries the same object in its ``error``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from registry.errors import RegistryError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEMS_PATH = "/api/registry/v1/problems/"

# code -> (HTTP status, title). Registry rule errors first, then the API's own.
CATALOG: dict[str, tuple[int, str]] = {
    "invalid_name": (400, "The name is not a valid domain or host name"),
    "unknown_tld": (422, "The registry does not run that TLD"),
    "parameter_policy": (422, "A value is outside the registry's policy"),
    "parameter_range": (422, "A value is out of range"),
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
    "validation_error": (400, "The request is not valid"),
    "not_authenticated": (401, "A registrar API token is needed"),
    "authentication_failed": (401, "The API token is not valid"),
    "permission_denied": (403, "Not allowed"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "not_acceptable": (406, "Cannot answer in the media type asked for"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "idempotency_key_reused": (422, "The Idempotency-Key was used for a different request"),
    "throttled": (429, "Too many requests"),
    "internal_error": (500, "The operation could not be carried out"),
}


def problem(code: str, detail: str, *, status_code: int | None = None, **extra) -> dict:
    """A problem object for ``code``; the status comes from the catalog unless given."""
    catalog_status, title = CATALOG.get(code, (status_code or 500, code.replace("_", " ").capitalize()))
    return {
        "type": f"{PROBLEMS_PATH}{code}",
        "title": title,
        "status": status_code or catalog_status,
        "detail": detail,
        "code": code,
        **extra,
    }


def of_registry_error(exc: RegistryError) -> dict:
    return problem(exc.code, exc.message, epp_code=exc.epp_code)


def problem_response(body: dict, headers: dict | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def handle(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler of the registry API views: every error as problem+json."""
    if isinstance(exc, RegistryError):
        return problem_response(of_registry_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)  # sets WWW-Authenticate, Retry-After...
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = problem("validation_error", "Some fields are not valid; see errors.", errors=exc.detail)
    else:  # every other error DRF answers is an APIException by now
        code = exc.default_code if exc.default_code in CATALOG else "validation_error"
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem(code, str(detail), status_code=response.status_code)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(exc.wait + 0.999)
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return problem_response(body, headers)
