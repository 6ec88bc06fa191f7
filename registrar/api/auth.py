"""Token authentication for the customer API that loads the customer with the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class CustomerTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>``, reading the token, its user and the user's
    customer profile in one query: every customer endpoint needs all three."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        token = Token.objects.select_related("user__customer").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
