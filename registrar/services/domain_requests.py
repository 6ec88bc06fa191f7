"""Free requests about a held domain: its auth code, and locking or unlocking its
transfers. Each is a registry command sent after commit whose reply settles the request."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from config import clock
from registrar.choices import DomainRequestKind, DomainRequestState, DomainState
from registrar.models import Customer, CustomerDomain, DomainRequest
from registrar.services.commands import send
from registrar.services.errors import CheckoutError
from registry.choices import EppStatus, OperationKind, QueryKind

REQUEST_RESULT_TASK = "registrar.tasks.request_result"


def request_domain_change(customer: Customer, name: str, kind: DomainRequestKind) -> DomainRequest:
    """Ask the registry, for the owner of a held domain, for its auth code or to lock or
    unlock its transfers; the command goes after commit and its reply settles the request."""
    domain = CustomerDomain.objects.filter(
        customer=customer, name=name, released_at=None, state=DomainState.ACTIVE
    ).first()
    if domain is None:
        raise CheckoutError({"domain": f"you hold no active domain {name}"})
    with transaction.atomic():
        now = clock.now()
        request = DomainRequest.objects.create(domain=domain, kind=kind, created_at=now, sent_at=now)
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
    else:
        params["remove_statuses"] = [EppStatus.CLIENT_TRANSFER_PROHIBITED.value]
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
            auth_info = (reply.get("data") or {}).get("auth_info")
            if request.kind == DomainRequestKind.REVEAL_AUTH_CODE and auth_info:
                CustomerDomain.objects.filter(pk=request.domain_id).update(auth_code=auth_info, auth_code_at=now)
        else:
            request.state = DomainRequestState.FAILED
            request.failure_reason = (reply.get("error") or {}).get("message", "the registry refused")
        request.save(update_fields=["state", "completed_at", "failure_reason"])
