"""Errors of the registrar's customer API views (checks and orders) as problem details
(application/problem+json).

The shape, the customer API's catalog (shared with the rental service's views) and DRF's
own errors are ``config.problems``'; this translates the registrar's errors: a refused
checkout is a validation error with its field map under ``errors``, a registry rule error
keeps its code and message.
"""

from __future__ import annotations

from config.problems import CUSTOMER_API, Problem
from registrar.services import CheckoutError
from registry.errors import RegistryError

__all__ = ["handler", "translate"]


def translate(exc: Exception) -> Problem | None:
    """The problem of a registrar error; None for anything else (DRF's errors included)."""
    if isinstance(exc, CheckoutError):
        errors = {field: [reason] for field, reason in exc.errors.items()}
        return CUSTOMER_API.problem("validation_error", str(exc), errors=errors)
    if isinstance(exc, RegistryError):
        # The customer API's catalog has no registry codes: the request asked for something
        # the registry refuses, as a bad request has always been answered here.
        return CUSTOMER_API.problem(exc.code, exc.message, status_code=400)
    return None


# The DRF exception handler of the registrar's API views: every error as problem+json.
handler = CUSTOMER_API.handler(translate)
