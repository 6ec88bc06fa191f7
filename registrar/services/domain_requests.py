"""Free requests about a held domain: its auth code, locking or unlocking its transfers,
its nameservers, its registrant, deleting it. Each is a registry command sent after commit
whose reply settles the request, and (but for the auth code) an operation of the owner's."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from config import clock
from registrar.choices import DomainRequestKind, DomainRequestState, DomainState
from registrar.models import Customer, CustomerDomain, DomainRequest
from registrar.services.commands import send
from registrar.services.errors import CheckoutError
from registrar.services.operations import record_request
from registry.choices import EppStatus, OperationKind, QueryKind

REQUEST_RESULT_TASK = "registrar.tasks.request_result"


def request_domain_change(
    customer: Customer, name: str, kind: DomainRequestKind, data: dict[str, Any] | None = None
) -> DomainRequest:
    """Ask the registry, for the owner of a held domain, for its auth code, to lock or
    unlock its transfers, to change its nameservers or registrant (``data``: what
    ``request_command`` sends) or to delete it; the command goes after commit and its
    reply settles the request."""
    domain = CustomerDomain.objects.filter(
        customer=customer, name=name, released_at=None, state=DomainState.ACTIVE
    ).first()
    if domain is None:
        raise CheckoutError({"domain": f"you hold no active domain {name}"})
    with transaction.atomic():
        now = clock.now()
        request = DomainRequest.objects.create(domain=domain, kind=kind, data=data or {}, created_at=now, sent_at=now)
        record_request(customer, request, now)
        command = request_command(request)
        transaction.on_commit(partial(send, [command]))
    return request


def request_command(request: DomainRequest) -> dict[str, Any]:
    params: dict[str, Any] = {"name": request.domain.name}
    op: str = OperationKind.DOMAIN_UPDATE
    if request.kind == DomainRequestKind.REVEAL_AUTH_CODE:
        op = QueryKind.DOMAIN_INFO
    elif request.kind == DomainRequestKind.LOCK:
        params["add_statuses"] = [EppStatus.CLIENT_TRANSFER_PROHIBITED.value]
    elif request.kind == DomainRequestKind.UNLOCK:
        params["remove_statuses"] = [EppStatus.CLIENT_TRANSFER_PROHIBITED.value]
    elif request.kind == DomainRequestKind.NAMESERVERS:
        params["add_nameservers"] = request.data.get("add", [])
        params["remove_nameservers"] = request.data.get("remove", [])
        if request.data.get("hosts"):
            params["hosts"] = request.data["hosts"]
    elif request.kind == DomainRequestKind.CONTACT:
        params["registrant"] = request.data["registrant"]
    else:
        op = OperationKind.DOMAIN_DELETE
    return {
        "op": op,
        "registrar": settings.REGISTRAR_CLIENT_ID,
        "cl_trid": request.cl_trid,
        "params": params,
        "reply_to": {"task": REQUEST_RESULT_TASK, "queue": "registrar", "args": [request.pk]},
    }


def apply_request_result(request_id: int, reply: dict[str, Any]) -> None:
    """Settle a request from the registry's reply; a second reply changes nothing."""
    now = clock.now()
    with transaction.atomic():
        request = (
            DomainRequest.objects.select_for_update(of=("self",))
            .select_related("domain")
            .filter(pk=request_id, state=DomainRequestState.PENDING)
            .first()
        )
        if request is None:
            return
        request.completed_at = now
        if reply.get("ok"):
            request.state = DomainRequestState.DONE
            data = reply.get("data") or {}
            held = CustomerDomain.objects.filter(pk=request.domain_id)
            if request.kind == DomainRequestKind.REVEAL_AUTH_CODE and data.get("auth_info"):
                held.update(auth_code=data["auth_info"], auth_code_at=now)
            elif request.kind == DomainRequestKind.CONTACT:
                domain = request.domain
                domain.contacts = domain.contacts | {"registrant": request.data["detail"]}
                domain.save(update_fields=["contacts"])
            elif request.kind == DomainRequestKind.DELETE:
                _deleted(held, data, now)
        else:
            request.state = DomainRequestState.FAILED
            request.failure_reason = (reply.get("error") or {}).get("message", "the registry refused")
        request.save(update_fields=["state", "completed_at", "failure_reason"])


def _deleted(held: QuerySet[CustomerDomain], data: dict[str, Any], now: datetime) -> None:
    """The registry deleted a held domain: gone at once (in its add grace period), or in
    its redemption period, restorable."""
    if data.get("pending"):
        held.update(state=DomainState.REDEMPTION, redemption_at=now)
    else:
        held.update(released_at=now)
