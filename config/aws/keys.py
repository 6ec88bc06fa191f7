"""Access keys of the accounts: making, listing, switching off and removing them, and finding
the account a signed request acts for."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from config import clock
from config.aws.errors import AwsError
from config.aws.models import AccessKey

KEYS_PER_ACCOUNT = 2  # as IAM's AccessKeysPerUser quota
# The demo customer's pair (README, ``manage.py endpoints``), made by ``seed_demo``.
DEMO_ACCESS_KEY_ID = "AKIANAMESMITHDEMO001"
DEMO_SECRET_ACCESS_KEY = "namesmith/demo+secret+access+key/2026+00"
REGION = "us-east-1"  # the region Route 53's clients sign for
_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class KeyLimitReached(ValueError):
    pass


def create_access_key(user: Any, *, access_key_id: str = "", secret_access_key: str = "") -> AccessKey:
    """A new active key for ``user``: AWS's forms (``AKIA`` and 16 characters; a
    40-character secret) unless both are given (the demo customer's fixed pair)."""
    with transaction.atomic():
        # Lock the account's row so two requests cannot both make the third key.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if AccessKey.objects.filter(user=user).count() >= KEYS_PER_ACCOUNT:
            raise KeyLimitReached(f"an account has at most {KEYS_PER_ACCOUNT} access keys: delete one first")
        return AccessKey.objects.create(
            user=user,
            access_key_id=access_key_id or "AKIA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16)),
            secret_access_key=secret_access_key or "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40)),
            created_at=clock.now(),
        )


def set_active(user: Any, access_key_id: str, active: bool) -> bool:
    """Switch one of the account's keys on or off; whether it was found."""
    return bool(AccessKey.objects.filter(user=user, access_key_id=access_key_id).update(active=active))


def delete_access_key(user: Any, access_key_id: str) -> bool:
    deleted, _ = AccessKey.objects.filter(user=user, access_key_id=access_key_id).delete()
    return bool(deleted)


def key_for(access_key_id: str) -> AccessKey:
    """The active key a request names, with its account; AWS's error otherwise."""
    key = AccessKey.objects.select_related("user").filter(access_key_id=access_key_id).first()
    if key is None or not key.active or not key.user.is_active:
        raise AwsError("InvalidClientTokenId", "The security token included in the request is invalid.")
    return key
