"""Commands that reach the registry over its Celery queue.

The in-house registrar never touches registry tables; it sends a command like::

    {"op": "domain.create", "registrar": "namesmith", "cl_trid": "order-7-line-9",
     "params": {"name": "example.com", "years": 1, "nameservers": [], "expected_fee": 1044,
                "registrant": {"handle": "nsm-c12", "name": "...", ...}},
     "reply_to": {"task": "registrar.tasks.registry_result", "queue": "registrar", "args": [9]}}

``execute`` runs it through ``registry.services`` and returns the reply that goes back
to ``reply_to``: ``{"ok": true, "op", "cl_trid", "sv_trid", "replayed", "data"}`` or
``{"ok": false, "op", "cl_trid", "error": {"code", "epp_code", "message"}}``. Running a
command twice returns the same reply (the services are idempotent on ``cl_trid``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date

from registry import services
from registry.choices import RgpStatus
from registry.errors import ObjectExists, ObjectNotFound, ParameterError, RegistryError
from registry.models import Contact, Registrar


def _ensure_contact(registrar: Registrar, data: dict) -> str:
    """Create or refresh the registrant contact a command carries; unchanged, no write."""
    handle = data.get("handle")
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


def _domain_create(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    # The contact is saved on its own: it stands as an object of its own even when the
    # create fails, and a retry finds it in place.
    registrant = params.get("registrant")
    handle = _ensure_contact(registrar, registrant) if registrant else None
    return services.create_domain(
        registrar,
        params["name"],
        years=params.get("years", 1),
        nameservers=params.get("nameservers", []),
        registrant=handle,
        cl_trid=cl_trid,
        expected_fee=params.get("expected_fee"),
    )


def _domain_renew(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    try:
        current_expiry = date.fromisoformat(params["current_expiry"])
    except (TypeError, ValueError):
        raise ParameterError("current_expiry must be a date like 2027-01-31") from None
    return services.renew_domain(
        registrar,
        params["name"],
        current_expiry=current_expiry,
        years=params.get("years", 1),
        cl_trid=cl_trid,
        expected_fee=params.get("expected_fee"),
    )


def _domain_update_nameservers(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    return services.update_nameservers(registrar, params["name"], params["nameservers"], cl_trid=cl_trid)


def _domain_delete(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    return services.delete_domain(registrar, params["name"], cl_trid=cl_trid)


def _domain_update(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    # Only the client statuses and the auth info: nameservers have their own command.
    return services.update_domain(
        registrar,
        params["name"],
        add_statuses=params.get("add_statuses", ()),
        remove_statuses=params.get("remove_statuses", ()),
        auth_info=params.get("auth_info"),
        cl_trid=cl_trid,
    )


def _domain_info(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    """A read: the sponsor's view of its domain, auth info included."""
    info = services.info_domain(params["name"], registrar=registrar)
    data = {
        "name": info.name,
        "statuses": info.statuses,
        "expires_at": info.expires_at.isoformat(),
        "auth_info": info.auth_info,
    }
    return services.OperationResult(kind="domain.info", sv_trid="", cl_trid=cl_trid, data=data)


def _domain_restore(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    """RGP restore request, and its report when the command carries one (a TLD with a
    pending-restore period waits for it). Each step is idempotent on its own cl_trid, so a
    resent command replays the request and completes the report."""
    result = services.restore_domain(
        registrar, params["name"], cl_trid=cl_trid, expected_fee=params.get("expected_fee")
    )
    report = params.get("report")
    if report is None or result.data.get("rgp_status") != RgpStatus.PENDING_RESTORE:
        return result
    reported = services.report_restore(registrar, params["name"], report, cl_trid=f"{cl_trid}-report")
    return services.OperationResult(
        kind=result.kind,
        sv_trid=result.sv_trid,
        cl_trid=cl_trid,
        data=result.data | reported.data | {"report_due": None},
        replayed=result.replayed,
    )


def _domain_transfer_request(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    return services.request_transfer(
        registrar,
        params["name"],
        auth_info=params["auth_info"],
        years=params.get("years", 1),
        cl_trid=cl_trid,
        expected_fee=params.get("expected_fee"),
    )


def _poll_reply(cl_trid: str, count: int, item: services.PollItem | None) -> services.OperationResult:
    message = None if item is None else asdict(item) | {"created_at": item.created_at.isoformat()}
    return services.OperationResult(kind="poll", sv_trid="", cl_trid=cl_trid, data={"count": count, "message": message})


def _poll_request(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    """A read: how many messages wait, and the oldest."""
    return _poll_reply(cl_trid, *services.poll_request(registrar))


def _poll_ack(registrar: Registrar, cl_trid: str, params: dict) -> services.OperationResult:
    """Dequeue message ``id`` and answer with the next one, saving the caller a round trip."""
    try:
        services.poll_ack(registrar, int(params["id"]))
    except ObjectNotFound:
        pass  # acknowledged already: this command was delivered twice
    except (TypeError, ValueError):
        raise ParameterError("id must be a message id") from None
    return _poll_reply(cl_trid, *services.poll_request(registrar))


HANDLERS: dict[str, Callable[[Registrar, str, dict], services.OperationResult]] = {
    "domain.create": _domain_create,
    "domain.renew": _domain_renew,
    "domain.update_nameservers": _domain_update_nameservers,
    "domain.delete": _domain_delete,
    "domain.update": _domain_update,
    "domain.info": _domain_info,
    "domain.restore": _domain_restore,
    "domain.transfer_request": _domain_transfer_request,
    "poll.request": _poll_request,
    "poll.ack": _poll_ack,
}


def execute(command: dict) -> dict:
    """Run one command; registry errors become a failed reply, never an exception."""
    op = command.get("op") if isinstance(command, dict) else None
    cl_trid = command.get("cl_trid") if isinstance(command, dict) else None
    reply = {"op": op, "cl_trid": cl_trid}
    try:
        handler = HANDLERS.get(op)
        if handler is None:
            raise ParameterError(f"unknown command {op!r}")
        if not cl_trid:
            raise ParameterError("commands over the queue need a cl_trid, so a retry cannot act twice")
        params = command.get("params")
        if not isinstance(params, dict):
            raise ParameterError("params must be an object")
        registrar = services.get_registrar(command.get("registrar") or "")
        try:
            result = handler(registrar, cl_trid, params)
        except KeyError as exc:
            raise ParameterError(f"missing parameter {exc.args[0]!r}") from None
    except RegistryError as exc:
        return reply | {"ok": False, "error": exc.as_dict()}
    return reply | {"ok": True, "sv_trid": result.sv_trid, "replayed": result.replayed, "data": result.data}
