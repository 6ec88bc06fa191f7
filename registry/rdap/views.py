"""RDAP over HTTP (RFC 7480, queries of RFC 9082): thin views over ``queries`` and ``render``.

Every answer, errors included, is ``application/rdap+json`` with
``Access-Control-Allow-Origin: *``, so browser clients on any origin can read it. Each
client address may make ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["rdap"]`` requests
(read per request, counted by the shared limiter ``config.ratelimit``); beyond that the answer is 429 with
Retry-After. RDAP is anonymous: credentials are ignored and everyone sees the same data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from config import clock, ratelimit
from registry.errors import InvalidName, ObjectNotFound
from registry.models import Registrar
from registry.rdap import queries, render

ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def _rdap_response(body: dict, status: int = 200) -> HttpResponse:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(content, status=status, content_type=render.MEDIA_TYPE)


def _error(status: int, title: str, description: str) -> HttpResponse:
    return _rdap_response(render.error(status, title, description), status)


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def _client_address(request: HttpRequest) -> str:
    # Only the socket's peer: the web server faces clients directly, and a forwarded-for
    # header is whatever the client chose to write, so counting by it would be no limit.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _rate() -> str | None:
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get("rdap")


View = Callable[..., dict]


def rdap_view(view: View) -> Callable[..., HttpResponse]:
    """Wrap a view returning an RDAP body: methods, CORS, the rate limit, and errors as
    RDAP error objects (400 for a malformed query, 404 for nothing found)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
        if request.method == "OPTIONS":  # CORS preflight: not counted against the rate
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "Accept"
            response["Access-Control-Max-Age"] = "86400"
            return _cors(response)
        if request.method not in ("GET", "HEAD"):
            response = _error(405, "Method Not Allowed", f"RDAP answers {ALLOWED_METHODS}, not {request.method}.")
            response["Allow"] = ALLOWED_METHODS
            return _cors(response)
        wait = ratelimit.hit("rdap", _client_address(request), _rate())
        if wait:
            retry_after = math.ceil(wait)
            response = _error(429, "Too Many Requests", f"Query rate exceeded; try again in {retry_after} seconds.")
            response["Retry-After"] = str(retry_after)
            return _cors(response)
        try:
            response = _rdap_response(view(request, *args, **kwargs))
        except InvalidName as exc:
            response = _error(400, "Bad Request", exc.message)
        except ObjectNotFound as exc:
            response = _error(404, "Not Found", exc.message)
        return _cors(response)

    # CSRF only guards unsafe methods, which get 405 here; without the exemption they would
    # get Django's HTML 403 instead of an RDAP error.
    return csrf_exempt(wrapper)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("rdap:base"))


@rdap_view
def domain(request: HttpRequest, name: str) -> dict:
    """GET /rdap/domain/<name>"""
    row = queries.find_domain(name)
    body = render.domain(row, _base(request), clock.now(), port43=settings.NETWORK_PLAN.whois.address)
    return render.response(body, request.build_absolute_uri(), _base(request), status_codes=True)


@rdap_view
def nameserver(request: HttpRequest, name: str) -> dict:
    """GET /rdap/nameserver/<name>"""
    body = render.nameserver(queries.find_host(name), _base(request), full=True)
    return render.response(body, request.build_absolute_uri(), _base(request))


@rdap_view
def entity(request: HttpRequest, handle: str) -> dict:
    """GET /rdap/entity/<handle>: a registrar (IANA id or client id) or a contact (handle)."""
    found = queries.find_entity(handle)
    base = _base(request)
    if isinstance(found, Registrar):
        body = render.registrar_entity(found, base)
    else:
        body = render.contact_entity(found, base)
        body["redacted"] = render.redactions("$", handle_shown=True)
    return render.response(body, request.build_absolute_uri(), base)


@rdap_view
def domain_search(request: HttpRequest) -> dict:
    """GET /rdap/domains?name=exa*.com"""
    pattern = request.GET.get("name")
    if not pattern:
        raise InvalidName("a domain search needs name=, like /rdap/domains?name=exa*.com")
    found = queries.search_domains(pattern)
    return render.domain_search(
        found.domains, found.truncated, request.build_absolute_uri(), _base(request), clock.now()
    )


@rdap_view
def help_view(request: HttpRequest) -> dict:
    """GET /rdap/help"""
    return render.response(render.help_body(), request.build_absolute_uri(), _base(request))


@rdap_view
def unknown(request: HttpRequest, rest: str = "") -> dict:
    """Any other path under /rdap/: not a query this server answers."""
    raise ObjectNotFound(f"/rdap/{rest} is not a query this server answers; see /rdap/help")
