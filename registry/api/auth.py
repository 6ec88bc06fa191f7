"""Who is calling the registry API: a registrar, by one of its API tokens.

``Authorization: Bearer nsm_<prefix>_<secret>`` (or ``Token ...``). Tokens are made in
the admin (only a digest is stored). The request's ``user`` is a ``RegistrarPrincipal``
and ``auth`` the token row; every view reads the registrar from there and never from
the request body, so no call can act as another registrar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from config import clock, ratelimit
from registry.models import Registrar, RegistrarToken

# last_used_at is refreshed at most this often, so reads don't each write a row.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class RegistrarPrincipal:
    registrar: Registrar

    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return self.registrar.client_id


class RegistrarTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("the Authorization header is 'Bearer <token>'")
        row = RegistrarToken.find(header[1])
        if row is None:
            raise exceptions.AuthenticationFailed("unknown, revoked or malformed API token")
        now = clock.now()
        RegistrarToken.objects.filter(pk=row.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lt=now - TOUCH_EVERY)
        ).update(last_used_at=now)
        return RegistrarPrincipal(row.registrar), row

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="registry"'


class IsRegistrar(permissions.BasePermission):
    message = "this API is for registrars: send 'Authorization: Bearer <registrar API token>'"

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, RegistrarPrincipal)


class PerTokenThrottle(throttling.BaseThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["registry-api"] requests per token, counted
    by the shared limiter (``config.ratelimit``); over it DRF answers 429 with Retry-After."""

    scope = "registry-api"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, RegistrarToken):
            return True
        # Read at request time, so a changed setting counts.
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        self.retry_after = ratelimit.hit(self.scope, request.auth.prefix, rate) or None
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


class RegistrarTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token: HTTP bearer."""

    target_class = RegistrarTokenAuthentication
    name = "registrarToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "A registrar API token, nsm_<prefix>_<secret>."}
