"""Errors of the emulator's JSON APIs as RFC 9457 problem details (application/problem+json).

Every error body has ``type`` (a URI under the API's problems path that describes it),
``title``, ``status``, ``detail`` and ``code``, a stable machine-readable name that clients
branch on. Each API has a ``Catalog`` of its codes; ``Catalog.handler`` makes the DRF
exception handler of its views, which renders DRF's own errors (validation, authentication,
throttling, ...) the same way for every API and leaves the API's rule errors to a
``translate`` function of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"

# What DRF itself answers, by its exception's default_code: the same in every API.
GENERIC: dict[str, tuple[int, str]] = {
    "validation_error": (400, "The request is not valid"),
    "not_authenticated": (401, "Authentication is needed"),
    "authentication_failed": (401, "The credentials are not valid"),
    "permission_denied": (403, "Not allowed"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "not_acceptable": (406, "Cannot answer in the media type asked for"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "throttled": (429, "Too many requests"),
    "internal_error": (500, "The operation could not be carried out"),
}

Problem = dict[str, Any]
Translate = Callable[[Exception], Problem | None]


@dataclass(frozen=True)
class Catalog:
    """The problem codes of one API, each with its HTTP status and title; ``path`` is where
    their ``type`` URIs live."""

    path: str
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", GENERIC | self.codes)

    def problem(
        self, code: str, detail: str, *, status_code: int | None = None, title: str | None = None, **extra: Any
    ) -> Problem:
        """A problem object for ``code``; the status and title come from the catalog unless given."""
        catalog_status, catalog_title = self.codes.get(code, (status_code or 500, code.replace("_", " ").capitalize()))
        return {
            "type": f"{self.path}{code}",
            "title": title or catalog_title,
            "status": status_code or catalog_status,
            "detail": detail,
            "code": code,
            **extra,
        }

    def handler(self, translate: Translate) -> Callable[[Exception, dict], Response | None]:
        """The DRF exception handler of this API: ``translate`` turns the API's own errors
        into problems (None for anything else), DRF's errors are rendered here. The
        browsable API's pages show the same problem as HTML, with their own media type."""

        def handle(exc: Exception, context: dict) -> Response | None:
            response = _problem_or_none(exc, context)
            renderer = getattr(context.get("request"), "accepted_renderer", None)
            if response is not None and renderer is not None and "json" not in renderer.media_type:
                response.content_type = None  # the renderer's own (text/html)
            return response

        def _problem_or_none(exc: Exception, context: dict) -> Response | None:
            body = translate(exc)
            if body is not None:
                return problem_response(body)
            if isinstance(exc, Http404):
                exc = exceptions.NotFound()
            elif isinstance(exc, DjangoPermissionDenied):
                exc = exceptions.PermissionDenied()
            response = exception_handler(exc, context)  # sets WWW-Authenticate, Retry-After...
            if response is None or not isinstance(exc, exceptions.APIException):
                return None
            if isinstance(exc, exceptions.ValidationError):
                body = self.problem("validation_error", "Some fields are not valid; see errors.", errors=exc.detail)
            else:
                code = exc.default_code if exc.default_code in self.codes else "validation_error"
                detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
                body = self.problem(code, str(detail), status_code=response.status_code)
                if isinstance(exc, exceptions.Throttled):
                    wait: float | None = exc.wait  # type: ignore[attr-defined]  # set by Throttled.__init__; the stubs omit it
                    if wait is not None:
                        body["retry_after"] = int(wait + 0.999)
            headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
            return problem_response(body, headers)

        return handle


# API path prefix -> its catalog, so a path under an API that no route matches is a
# problem of that API too (``config.views.not_found``). Apps mount theirs at start.
_MOUNTED: dict[str, Catalog] = {}


def mount(prefix: str, catalog: Catalog) -> None:
    _MOUNTED[prefix] = catalog


def catalog_for(path: str) -> Catalog | None:
    """The catalog of the API ``path`` is under (the longest prefix), if any."""
    prefixes = [p for p in _MOUNTED if path.startswith(p)]
    return _MOUNTED[max(prefixes, key=len)] if prefixes else None


def problem_response(body: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# The customer API (/api/v1/: the registrar's orders and checks, the rental service's
# hosted zones and health checks) shares one catalog; each app's views translate their
# own rule errors into it (``registrar.api``, ``resolver.api``).
CUSTOMER_API = Catalog("/api/v1/problems/", {"not_authenticated": (401, "Log in or send a customer API token")})
