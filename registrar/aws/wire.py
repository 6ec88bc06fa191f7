"""How Route 53 Domains writes what the registrar keeps: contacts as its ContactDetail,
prices in currency units, page markers, and the registrar's refusals as its errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.db.models import QuerySet

from config.aws.dispatch import Call, Handler
from config.aws.errors import AwsError
from registrar.models import Customer
from registrar.services import management

T = TypeVar("T")

ERRORS = {
    "invalid": "InvalidInput",
    "unsupported_tld": "UnsupportedTLD",
    "duplicate": "DuplicateRequest",
    "tld_rules": "TLDRulesViolation",
    "not_found": "InvalidInput",
    "limit": "DomainLimitExceeded",
}

# ContactDetail's roles as the registrar names them, and the privacy flags of each.
ROLES = {"RegistrantContact": "registrant", "AdminContact": "admin", "TechContact": "tech", "BillingContact": "billing"}
PRIVACY = {
    "RegistrantPrivacy": "registrant",
    "AdminPrivacy": "admin",
    "TechPrivacy": "tech",
    "BillingPrivacy": "billing",
}
PROTECT = {f"PrivacyProtect{key}": role for key, role in ROLES.items()}
# Fields Route 53 requires of every contact it is given.
REQUIRED = ("FirstName", "LastName", "ContactType", "AddressLine1", "City", "CountryCode", "PhoneNumber", "Email")


def translated(handler: Callable[[Call], dict[str, Any]]) -> Handler:
    """A handler whose DomainError refusals become Route 53 Domains' errors."""

    @wraps(handler)
    def run(call: Call) -> dict[str, Any]:
        try:
            return handler(call)
        except management.DomainError as exc:
            raise AwsError(ERRORS[exc.kind], exc.message) from None

    return run


def customer(call: Call) -> Customer:
    found = Customer.objects.filter(user=call.account).first()
    if found is None:
        raise AwsError("InvalidInput", "This account has no customer profile: sign up in the shop first")
    return found


def contact_in(detail: dict[str, Any], where: str) -> dict[str, Any]:
    """A ContactDetail as the registrar keeps a contact."""
    missing = [field for field in REQUIRED if not str(detail.get(field) or "").strip()]
    if missing:
        raise AwsError("InvalidInput", f"{where}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required")
    first, last = detail["FirstName"].strip(), detail["LastName"].strip()
    street = "\n".join(line for line in (detail.get("AddressLine1"), detail.get("AddressLine2")) if line)
    contact = {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "contact_type": detail["ContactType"],
        "organization": detail.get("OrganizationName", ""),
        "street": street,
        "city": detail["City"],
        "state": detail.get("State", ""),
        "postal_code": detail.get("ZipCode", ""),
        "country_code": detail["CountryCode"],
        "voice": detail["PhoneNumber"],
        "fax": detail.get("Fax", ""),
        "email": detail["Email"],
    }
    if detail.get("ExtraParams"):
        contact["extra"] = [{"name": p["Name"], "value": p["Value"]} for p in detail["ExtraParams"]]
    return contact


def contacts_in(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {role: contact_in(params[key], key) for key, role in ROLES.items() if params.get(key)}


def contact_out(contact: dict[str, Any]) -> dict[str, Any]:
    """A contact the registrar keeps as a ContactDetail."""
    first, last = contact.get("first_name"), contact.get("last_name")
    if not first and not last:
        first, _, last = str(contact.get("name", "")).partition(" ")
    lines = str(contact.get("street", "")).split("\n")
    detail = {
        "FirstName": first,
        "LastName": last,
        "ContactType": contact.get("contact_type") or ("COMPANY" if contact.get("organization") else "PERSON"),
        "OrganizationName": contact.get("organization"),
        "AddressLine1": lines[0],
        "AddressLine2": "\n".join(lines[1:]),
        "City": contact.get("city"),
        "State": contact.get("state"),
        "CountryCode": contact.get("country_code"),
        "ZipCode": contact.get("postal_code"),
        "PhoneNumber": contact.get("voice"),
        "Email": contact.get("email"),
        "Fax": contact.get("fax"),
        "ExtraParams": [{"Name": p["name"], "Value": p["value"]} for p in contact.get("extra", [])] or None,
    }
    return {key: value for key, value in detail.items() if value}


def privacy_in(params: dict[str, Any], names: dict[str, str]) -> dict[str, bool]:
    return {role: bool(params[key]) for key, role in names.items() if key in params}


def money(minor_units: int) -> float:
    return minor_units / 100


def page(
    items: Sequence[T] | QuerySet[Any, T], marker: str | None, max_items: int | None, default: int
) -> tuple[list[T], str | None]:
    """One page of ``items`` (a list, or a query: only the page is read) from ``marker`` (an
    offset this API handed out) and the next marker."""
    try:
        start = int(marker) if marker else 0
    except ValueError:
        raise AwsError("InvalidInput", f"The marker {marker!r} is not one this API gave") from None
    if start < 0:
        raise AwsError("InvalidInput", f"The marker {marker!r} is not one this API gave")
    size = max_items or default
    chunk = list(items[start : start + size + 1])  # one more than the page says whether another follows
    return chunk[:size], (str(start + size) if len(chunk) > size else None)
