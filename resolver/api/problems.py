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


def of_rental_error(exc: rental.RentalError) -> Problem:
    extra = {"index": exc.index} if isinstance(exc, rental.ChangeRejected) else {}
    return CUSTOMER_API.problem(exc.code, exc.message, status_code=exc.status, **extra)


# The DRF exception handler of the rental API views: every error as problem+json.
handler = CUSTOMER_API.handler(lambda exc: of_rental_error(exc) if isinstance(exc, rental.RentalError) else None)
