"""A held domain's contacts as the registrar keeps them: by role (registrant, admin, tech,
billing), each the registry's contact fields plus what the registrar alone keeps (first
and last name, the contact type, extra parameters some TLDs want). The registry (a thin
one) keeps only the registrant; a role the domain has no contact for is the customer."""

from __future__ import annotations

from typing import Any

from registrar.models import Customer
from registry import services as registry
from registry.errors import ParameterError

ROLES = ("registrant", "admin", "tech", "billing")

# A contact's fields at the registry are registry.CONTACT_FIELDS; the registrar's copy may add these.
REGISTRAR_FIELDS = ("first_name", "last_name", "contact_type", "extra")


def registry_contact(handle: str, contact: dict[str, Any]) -> dict[str, Any]:
    """A contact as the registry keeps it, under ``handle``."""
    return {"handle": handle} | {key: contact.get(key, "") for key in registry.CONTACT_FIELDS}


def checked(contacts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Contacts by role, each checked by the registry's rules (ParameterError names the
    role and the first problem) and cleaned as the registry would keep it."""
    out = {}
    for role, contact in contacts.items():
        if role not in ROLES:
            raise ParameterError(f"{role!r} is not a contact role; the roles are {', '.join(ROLES)}")
        try:
            fields = registry.contact_fields({key: contact.get(key, "") for key in registry.CONTACT_FIELDS})
        except ParameterError as exc:
            raise ParameterError(f"{role} contact: {exc.message}") from None
        out[role] = fields | {key: contact[key] for key in REGISTRAR_FIELDS if contact.get(key)}
    return out


def of_domain(customer: Customer, kept: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every role's contact of a domain: the one kept for it, else the customer's details."""
    own = customer.registrant_contact()
    own.pop("handle")
    return {role: kept.get(role) or own for role in ROLES}
