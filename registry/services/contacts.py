"""Contact objects (RFC 5733): create, update, check, info and delete, and the rules of
their fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from registry.choices import OperationKind
from registry.errors import AssociationProhibits, NotSponsor, ObjectExists, ObjectNotFound, ParameterError
from registry.models import Contact, Operation, Registrar
from registry.services import disclosure
from registry.services.results import ContactInfo, ObjectCheck, OperationResult
from registry.services.transform import run_transform
from registry.services.validation import MAX_CHECK_NAMES

_VOICE = re.compile(r"^\+\d{1,3}\.\d{1,14}(x\d+)?$")

CONTACT_FIELDS = (
    "name",
    "organization",
    "street",
    "city",
    "state",
    "postal_code",
    "country_code",
    "voice",
    "fax",
    "email",
)


def contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A contact's fields, cleaned and checked; ParameterError names the first problem."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ParameterError(f"unknown contact fields: {', '.join(sorted(unknown))}")
    fields = {key: str(data.get(key) or "").strip() for key in CONTACT_FIELDS}
    for required in ("name", "city", "country_code", "email"):
        if not fields[required]:
            raise ParameterError(f"contact {required.replace('_', ' ')} is required")
    fields["country_code"] = fields["country_code"].upper()
    if not re.fullmatch(r"[A-Z]{2}", fields["country_code"]):
        raise ParameterError(f"contact country code {fields['country_code']!r} is not two letters (ISO 3166)")
    if "@" not in fields["email"]:
        raise ParameterError(f"contact email {fields['email']!r} is not an address")
    for phone in ("voice", "fax"):
        if fields[phone] and not _VOICE.match(fields[phone]):
            raise ParameterError(f"contact {phone} {fields[phone]!r} is not in the form +CC.NUMBER")
    if fields["street"].count("\n") > 2:
        raise ParameterError("a contact has at most three street lines")
    return fields


def contact_differs(contact: Contact, data: dict[str, Any]) -> bool:
    """Whether saving ``data`` would change ``contact`` (invalid data counts as a change)."""
    try:
        fields = contact_fields(data)
    except ParameterError:
        return True
    return any(getattr(contact, key) != value for key, value in fields.items())


def _live_contact(handle: str, *, lock: bool = False) -> Contact:
    rows = Contact.objects.filter(handle=handle, deleted_at=None)
    contact = (rows.select_for_update() if lock else rows).select_related("registrar").first()
    if contact is None:
        raise ObjectNotFound(f"contact {handle} does not exist")
    return contact


def own_contact(registrar: Registrar, handle: str) -> Contact:
    contact = _live_contact(handle)
    if contact.registrar_id != registrar.pk:
        raise NotSponsor(f"contact {handle} is sponsored by another registrar")
    return contact


def _contact_handle(handle: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,15}", handle or ""):
        raise ParameterError(f"contact id {handle!r} must be 3-16 letters, digits, '.', '_' or '-'")
    return handle


def create_contact(
    registrar: Registrar, handle: str, data: dict[str, Any], *, cl_trid: str | None = None
) -> OperationResult:
    """Create the contact object ``handle`` sponsored by ``registrar``."""
    handle, fields = _contact_handle(handle), contact_fields(data)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        contact = Contact(handle=handle, registrar=registrar, created_at=now, updated_at=now, **fields)
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            raise ObjectExists(f"contact {handle} already exists") from None
        return {"handle": handle}

    return run_transform(registrar, OperationKind.CONTACT_CREATE, cl_trid, {"name": handle, **fields}, body)


def update_contact(
    registrar: Registrar, handle: str, data: dict[str, Any], *, partial: bool = False, cl_trid: str | None = None
) -> OperationResult:
    """Replace the details of contact ``handle``, or with ``partial`` only the fields
    ``data`` names (as EPP's contact update does), merged under the row lock so a
    concurrent update is not lost. Only its sponsor may."""
    handle = _contact_handle(handle)
    if partial:
        unknown = set(data) - set(CONTACT_FIELDS)
        if unknown:
            raise ParameterError(f"unknown contact fields: {', '.join(sorted(unknown))}")
        params = {"name": handle, "partial": dict(data)}
    else:
        params = {"name": handle, **contact_fields(data)}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        contact = _live_contact(handle, lock=True)
        if contact.registrar_id != registrar.pk:
            raise NotSponsor(f"contact {handle} is sponsored by another registrar")
        current = {key: getattr(contact, key) for key in CONTACT_FIELDS}
        fields = contact_fields(current | data) if partial else contact_fields(data)
        changed = [key for key, value in fields.items() if getattr(contact, key) != value]
        for key in changed:
            setattr(contact, key, fields[key])
        contact.updated_at = now
        contact.save(update_fields=[*changed, "updated_at"])
        return {"handle": handle, "changed": changed}

    return run_transform(registrar, OperationKind.CONTACT_UPDATE, cl_trid, params, body)


def check_contacts(handles: Iterable[str]) -> list[ObjectCheck]:
    """Whether each contact id could be created (at most 50 per call)."""
    handles = [str(h) for h in handles]
    if len(handles) > MAX_CHECK_NAMES:
        raise ParameterError(f"at most {MAX_CHECK_NAMES} ids per check; {len(handles)} given")
    taken = set(Contact.objects.filter(handle__in=handles, deleted_at=None).values_list("handle", flat=True))
    results = []
    for handle in handles:
        try:
            _contact_handle(handle)
        except ParameterError as exc:
            results.append(ObjectCheck(handle, False, exc.message))
            continue
        results.append(ObjectCheck(handle, handle not in taken, "in use" if handle in taken else ""))
    return results


def info_contact(handle: str, *, registrar: Registrar | None = None, auth_info: str | None = None) -> ContactInfo:
    """A contact's details, for its sponsor or one who gives its auth info; contacts are
    personal data, so anyone else is refused (NotSponsor)."""
    contact = _live_contact(_contact_handle(handle))
    seen_by = disclosure.viewer(
        registrar, (contact.registrar_id,), contact.auth_info, auth_info, f"contact {contact.handle}"
    )
    if not seen_by.sees_secrets:
        raise NotSponsor(f"contact {contact.handle} is sponsored by another registrar")
    linked = contact.domains.filter(deleted_at=None).exists()
    return ContactInfo(
        handle=contact.handle,
        roid=contact.roid,
        registrar=contact.registrar.client_id,
        statuses=["linked"] if linked else ["ok"],
        data={key: getattr(contact, key) for key in CONTACT_FIELDS},
        auth_info=contact.auth_info,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def delete_contact(registrar: Registrar, handle: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a contact no live domain names; only its sponsor may. The row stays for the
    history of the domains that named it, and the handle becomes free."""
    handle = _contact_handle(handle)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        contact = _live_contact(handle, lock=True)
        if contact.registrar_id != registrar.pk:
            raise NotSponsor(f"contact {handle} is sponsored by another registrar")
        users = list(contact.domains.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if users:
            raise AssociationProhibits(f"contact {handle} is the registrant of {', '.join(users)}")
        contact.deleted_at = contact.updated_at = now
        contact.save(update_fields=["deleted_at", "updated_at"])
        return {"handle": handle, "deleted_at": now.isoformat()}

    return run_transform(registrar, OperationKind.CONTACT_DELETE, cl_trid, {"name": handle}, body)
