"""Errors of the rental service's customer API as problem details (application/problem+json)
of the customer API's catalog, ``config.problems.CUSTOMER_API``.

A ``rental.RentalError`` (a health check's error is one) keeps the ``code``, HTTP
``status`` and message it carries, so the API reports a refusal as the shop and the AWS
facade do; a refused change batch adds ``index``, the change at fault. DRF's own errors
(validation, authentication, 404) are the catalog's.
"""

from __future__ import annotations

from config.problems import CUSTOMER_API, Problem
from resolver import rental

# The title of each code the rental service (and its health checks) gives its refusals.
TITLES = {
    "invalid_request": "The request is not valid",
    "invalid_name": "The name is not a valid domain name for a hosted zone",
    "conflict": "The request conflicts with what exists",
    "invalid_change_batch": "The change batch cannot be applied",
    "caller_reference_used": "The caller reference was used for another zone",
    "reserved_name": "The name is reserved for the emulator's own use",
    "conflicting_domain": "Another hosted zone of the name uses those nameservers",
    "limit_exceeded": "A quota of the account is reached",
    "no_delegation_set": "No such reusable delegation set",
    "hosted_zone_not_empty": "The hosted zone still has record sets",
    "invalid_health_check": "The health check is not valid",
    "health_check_in_use": "Record sets or checks still use the health check",
    "health_check_exists": "The caller reference made a different health check",
    "health_check_version": "The health check has changed since that version",
    "no_health_check": "No such health check",
}


def of_rental_error(exc: rental.RentalError) -> Problem:
    extra = {"index": exc.index} if isinstance(exc, rental.ChangeRejected) else {}
    return CUSTOMER_API.problem(exc.code, exc.message, status_code=exc.status, title=TITLES.get(exc.code), **extra)


# The DRF exception handler of the rental API views: every error as problem+json.
handler = CUSTOMER_API.handler(lambda exc: of_rental_error(exc) if isinstance(exc, rental.RentalError) else None)
