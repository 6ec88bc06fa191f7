"""The registry's command catalogue: every command a client can send by name, with the
decoder of its parameters and the service it calls.

Two adapters use it: the Celery command queue (``execute`` below; the in-house registrar
never touches registry tables, it sends commands) and the REST API's asynchronous
operations (``registry.api.operations``). A transform is keyed by its ``OperationKind``,
a read by its ``QueryKind``; both adapters name a command the same way. The in-house
registrar sends, for example::

    {"op": "domain.create", "registrar": "namesmith", "cl_trid": "order-7-line-9",
     "params": {"name": "example.com", "years": 1, "nameservers": [], "expected_fee": 1044,
                "registrant": {"handle": "nsm-c12", "name": "...", ...}},
     "reply_to": {"task": "registrar.tasks.registry_result", "queue": "registrar", "args": [9]}}

``execute`` runs it and returns the reply that goes back to ``reply_to``:
``{"ok": true, "op", "cl_trid", "sv_trid", "replayed", "data"}`` or
``{"ok": false, "op", "cl_trid", "error": {"code", "epp_code", "message"}}``. Running a
command twice returns the same reply (the services are idempotent on ``cl_trid``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from registry import services
from registry.choices import OperationKind, QueryKind, RgpStatus
from registry.errors import ObjectExists, ObjectNotFound, ParameterError, RegistryError
from registry.models import Contact, Registrar

Params = dict[str, Any]
Call = Callable[[Registrar, Params, str], services.OperationResult]


def _date(value: object, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"{name} must be a date like 2027-01-31") from None


def _message_id(value: object, name: str) -> int:
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not (text.isascii() and text.isdigit()):
        raise ParameterError(f"{name} must be a message id")
    return int(value)


@dataclass(frozen=True)
class Decoder:
    """How a command's parameters become its service's keyword arguments: the ones it
    needs, the ones it may have, wire names the service spells differently, values to
    convert, and (``rest``) an argument that takes every other parameter as one object."""

    required: tuple[str, ...] = ("name",)
    optional: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)
    convert: Mapping[str, Callable[[object, str], object]] = field(default_factory=dict)
    rest: str | None = None

    def decode(self, params: Params) -> Params:
        missing = [key for key in self.required if key not in params]
        if missing:
            raise ParameterError(f"missing parameter {missing[0]!r}")
        known = {*self.required, *self.optional}
        others = {key: value for key, value in params.items() if key not in known}
        if others and self.rest is None:
            raise ParameterError(f"unknown parameter {sorted(others)[0]!r}")
        arguments: Params = {}
        for key in known & params.keys():
            value = params[key]
            if key in self.convert:
                value = self.convert[key](value, key)
            arguments[self.rename.get(key, key)] = value
        if self.rest is not None:
            arguments[self.rest] = others
        return arguments


@dataclass(frozen=True)
class Command:
    """One entry of the catalogue: ``decoder`` checks the parameters, ``call`` runs the
    service with the client transaction id."""

    decoder: Decoder
    call: Call

    def run(self, registrar: Registrar, params: Params, cl_trid: str) -> services.OperationResult:
        return self.call(registrar, self.decoder.decode(params), cl_trid)


def _service(function: Callable[..., services.OperationResult]) -> Call:
    """A call that hands the decoded parameters to ``function`` as keyword arguments."""
    return lambda registrar, arguments, cl_trid: function(registrar, **arguments, cl_trid=cl_trid)


# --- the queue's own steps --------------------------------------------------------------------


def _ensure_contact(registrar: Registrar, data: dict) -> str:
    """Create or refresh the registrant contact a command carries; unchanged, no write."""
    if not isinstance(data, dict) or not data.get("handle"):
        raise ParameterError("registrant is a contact handle, or an object with its handle and details")
    handle = data["handle"]
    fields = {key: value for key, value in data.items() if key != "handle"}
    contact = Contact.objects.filter(handle=handle, deleted_at=None).first()
    if contact is None:
        try:
            services.create_contact(registrar, handle, fields)
            return handle
        except ObjectExists:  # created meanwhile by a concurrent command
            contact = Contact.objects.get(handle=handle, deleted_at=None)
    if contact.registrar_id != registrar.pk or services.contact_differs(contact, fields):
        services.update_contact(registrar, handle, fields)
    return handle


def _with_registrant_saved(registrar: Registrar, arguments: Params) -> Params:
    # A registrant given with its details (the in-house registrar's commands) is saved on
    # its own: it stands as an object even when the command fails, and a retry finds it.
    registrant = arguments.get("registrant")
    if registrant is not None and not isinstance(registrant, str):
        arguments = arguments | {"registrant": _ensure_contact(registrar, registrant)}
    return arguments


def _create_domain(registrar: Registrar, arguments: Params, cl_trid: str) -> services.OperationResult:
    return services.create_domain(registrar, **_with_registrant_saved(registrar, arguments), cl_trid=cl_trid)


def _update_domain(registrar: Registrar, arguments: Params, cl_trid: str) -> services.OperationResult:
    """A domain update; ``hosts`` (the in-house registrar's nameserver changes with glue:
    ``[{"name", "addresses"}]``) are created or given those addresses first, each step on a
    transaction id of its own, so a resent command repeats none of them."""
    hosts = arguments.pop("hosts", None) or []
    for i, host in enumerate(hosts):
        _ensure_host(registrar, host, f"{cl_trid}-host-{i}")
    arguments = _with_registrant_saved(registrar, arguments)
    if hosts and not any(value for key, value in arguments.items() if key != "name"):
        data = {"name": arguments["name"], "changed": ["hosts"]}
        return services.OperationResult(kind=OperationKind.DOMAIN_UPDATE, sv_trid="", cl_trid=cl_trid, data=data)
    return services.update_domain(registrar, **arguments, cl_trid=cl_trid)


def _ensure_host(registrar: Registrar, host: object, cl_trid: str) -> None:
    """A host with exactly the given glue addresses (made if missing)."""
    if not isinstance(host, dict) or not isinstance(host.get("name"), str):
        raise ParameterError("hosts are objects with a name and their addresses")
    name, wanted = host["name"], services.glue_addresses(host.get("addresses") or [])
    try:
        current = services.info_host(name).addresses
    except ObjectNotFound:
        services.create_host(registrar, name, wanted, cl_trid=cl_trid)
        return
    add, remove = sorted(set(wanted) - set(current)), sorted(set(current) - set(wanted))
    if add or remove:
        services.update_host(registrar, name, add_addresses=add, remove_addresses=remove, cl_trid=cl_trid)


def _restore_domain(registrar: Registrar, arguments: Params, cl_trid: str) -> services.OperationResult:
    """RGP restore request, and its report when the command carries one (a TLD with a
    pending-restore period waits for it). Each step is idempotent on its own cl_trid, so a
    resent command replays the request and completes the report."""
    report = arguments.pop("report", None)
    result = services.restore_domain(registrar, **arguments, cl_trid=cl_trid)
    if report is None or result.data.get("rgp_status") != RgpStatus.PENDING_RESTORE:
        return result
    reported = services.report_restore(registrar, arguments["name"], report, cl_trid=f"{cl_trid}-report")
    return services.OperationResult(
        kind=result.kind,
        sv_trid=result.sv_trid,
        cl_trid=cl_trid,
        data=result.data | reported.data | {"report_due": None},
        replayed=result.replayed,
    )


def _domain_info(registrar: Registrar, arguments: Params, cl_trid: str) -> services.OperationResult:
    """A read: the sponsor's view of its domain, auth info included."""
    info = services.info_domain(arguments["name"], registrar=registrar)
    data = {
        "name": info.name,
        "statuses": info.statuses,
        "expires_at": info.expires_at.isoformat(),
        "auth_info": info.auth_info,
    }
    return services.OperationResult(kind=QueryKind.DOMAIN_INFO, sv_trid="", cl_trid=cl_trid, data=data)


def _poll_reply(registrar: Registrar, cl_trid: str) -> services.OperationResult:
    count, item = services.poll_request(registrar)
    message = None if item is None else asdict(item) | {"created_at": item.created_at.isoformat()}
    return services.OperationResult(
        kind=QueryKind.POLL_REQUEST, sv_trid="", cl_trid=cl_trid, data={"count": count, "message": message}
    )


def _poll_ack(registrar: Registrar, arguments: Params, cl_trid: str) -> services.OperationResult:
    """Dequeue message ``id`` and answer with the next one, saving the caller a round trip."""
    with contextlib.suppress(ObjectNotFound):  # acknowledged already: this command was delivered twice
        services.poll_ack(registrar, arguments["message_id"])
    return _poll_reply(registrar, cl_trid)


NAME = Decoder()
DOMAIN_UPDATE = (
    "add_nameservers",
    "remove_nameservers",
    "add_statuses",
    "remove_statuses",
    "registrant",
    "auth_info",
    "add_ds",
    "remove_ds",
    "remove_all_ds",
    "hosts",
)

CATALOGUE: dict[str, Command] = {
    OperationKind.DOMAIN_CREATE: Command(
        Decoder(optional=("years", "nameservers", "registrant", "auth_info", "ds", "expected_fee")), _create_domain
    ),
    OperationKind.DOMAIN_RENEW: Command(
        Decoder(("name", "current_expiry"), ("years", "expected_fee"), convert={"current_expiry": _date}),
        _service(services.renew_domain),
    ),
    OperationKind.DOMAIN_UPDATE: Command(Decoder(optional=DOMAIN_UPDATE), _update_domain),
    OperationKind.DOMAIN_DELETE: Command(NAME, _service(services.delete_domain)),
    OperationKind.DOMAIN_TRANSFER_REQUEST: Command(
        Decoder(("name", "auth_info"), ("years", "expected_fee")), _service(services.request_transfer)
    ),
    OperationKind.DOMAIN_TRANSFER_APPROVE: Command(NAME, _service(services.approve_transfer)),
    OperationKind.DOMAIN_TRANSFER_REJECT: Command(NAME, _service(services.reject_transfer)),
    OperationKind.DOMAIN_TRANSFER_CANCEL: Command(NAME, _service(services.cancel_transfer)),
    OperationKind.DOMAIN_RESTORE: Command(Decoder(optional=("expected_fee", "report")), _restore_domain),
    OperationKind.DOMAIN_RESTORE_REPORT: Command(Decoder(rest="report"), _service(services.report_restore)),
    OperationKind.HOST_CREATE: Command(Decoder(optional=("addresses",)), _service(services.create_host)),
    OperationKind.HOST_UPDATE: Command(
        Decoder(optional=("add_addresses", "remove_addresses", "new_name")), _service(services.update_host)
    ),
    OperationKind.HOST_DELETE: Command(NAME, _service(services.delete_host)),
    OperationKind.CONTACT_CREATE: Command(
        Decoder(("id",), rename={"id": "handle"}, rest="data"), _service(services.create_contact)
    ),
    OperationKind.CONTACT_UPDATE: Command(
        Decoder(("id",), rename={"id": "handle"}, rest="data"), _service(services.update_contact)
    ),
    OperationKind.CONTACT_DELETE: Command(Decoder(("id",), rename={"id": "handle"}), _service(services.delete_contact)),
    QueryKind.DOMAIN_INFO: Command(NAME, _domain_info),
    QueryKind.POLL_REQUEST: Command(Decoder(()), lambda registrar, _, cl_trid: _poll_reply(registrar, cl_trid)),
    QueryKind.POLL_ACK: Command(Decoder(("id",), rename={"id": "message_id"}, convert={"id": _message_id}), _poll_ack),
}


def execute(command: object) -> dict:
    """Run one command from the queue; registry errors become a failed reply, never an exception."""
    op = command.get("op") if isinstance(command, dict) else None
    cl_trid = command.get("cl_trid") if isinstance(command, dict) else None
    reply = {"op": op, "cl_trid": cl_trid}
    try:
        entry = CATALOGUE.get(op) if isinstance(op, str) else None
        if entry is None or not isinstance(command, dict):
            raise ParameterError(f"unknown command {op!r}")
        if not cl_trid:
            raise ParameterError("commands over the queue need a cl_trid, so a retry cannot act twice")
        params = command.get("params")
        if not isinstance(params, dict):
            raise ParameterError("params must be an object")
        registrar = services.get_registrar(command.get("registrar") or "")
        result = entry.run(registrar, dict(params), cl_trid)
    except RegistryError as exc:
        return reply | {"ok": False, "error": exc.as_dict()}
    return reply | {"ok": True, "sv_trid": result.sv_trid, "replayed": result.replayed, "data": result.data}
