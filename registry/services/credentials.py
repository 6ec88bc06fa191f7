"""Registrar credentials: EPP login and password changes."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from registry.errors import ParameterError
from registry.models import Registrar


def authenticate_epp(client_id: str, password: str) -> Registrar | None:
    """The active registrar with these EPP credentials, or None."""
    registrar = Registrar.objects.filter(client_id=client_id, is_active=True).first()
    if registrar is None:
        # Spend the same hashing time, so a wrong client id and a wrong password look alike.
        make_password(password)
        return None
    return registrar if registrar.check_epp_password(password) else None


def change_epp_password(registrar: Registrar, new_password: str) -> None:
    """Set a registrar's EPP password (RFC 5730 pwType: 6 to 16 characters)."""
    if not isinstance(new_password, str) or not 6 <= len(new_password) <= 16:
        raise ParameterError("an EPP password is 6 to 16 characters long")
    registrar.set_epp_password(new_password)
    registrar.save(update_fields=["epp_password"])
