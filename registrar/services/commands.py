"""The registry commands that carry out order lines, and sending them to the registry
queue. Each command carries the line's ``cl_trid``, so the registry acts on it once
however often it is sent."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings

from registrar.choices import LineKind
from registrar.models import CustomerDomain, OrderLine
from registrar.services.contacts import registry_contact
from registry.choices import OperationKind

REGISTRY_COMMAND_TASK = "registry.tasks.execute_command"
RESULT_TASK = "registrar.tasks.registry_result"
PROCESS_ORDER_TASK = "registrar.tasks.process_order"


def send(commands: list[dict[str, Any]]) -> None:
    for command in commands:
        current_app.send_task(REGISTRY_COMMAND_TASK, args=[command])


def send_commands(line_ids: list[int]) -> None:
    lines = OrderLine.objects.filter(pk__in=line_ids).select_related("order__customer")
    send([registry_command(line) for line in lines])


def registry_command(line: OrderLine) -> dict[str, Any]:
    """The registry-queue command that carries out ``line``."""
    reply_to = {"task": RESULT_TASK, "queue": "registrar", "args": [line.order_id, line.pk]}
    if line.kind == LineKind.RENEW:
        assert line.current_expiry is not None  # place_renewal gives every renewal line one
        return {
            "op": OperationKind.DOMAIN_RENEW,
            "registrar": settings.REGISTRAR_CLIENT_ID,
            "cl_trid": line.cl_trid,
            "params": {
                "name": line.domain,
                "years": line.years,
                "current_expiry": line.current_expiry.isoformat(),
                "expected_fee": line.registry_fee,
            },
            "reply_to": reply_to,
        }
    if line.kind == LineKind.RESTORE:
        return {
            "op": OperationKind.DOMAIN_RESTORE,
            "registrar": settings.REGISTRAR_CLIENT_ID,
            "cl_trid": line.cl_trid,
            "params": {"name": line.domain, "expected_fee": line.registry_fee, "report": _restore_report(line)},
            "reply_to": reply_to,
        }
    if line.kind == LineKind.TRANSFER:
        return {
            "op": OperationKind.DOMAIN_TRANSFER_REQUEST,
            "registrar": settings.REGISTRAR_CLIENT_ID,
            "cl_trid": line.cl_trid,
            "params": {
                "name": line.domain,
                "auth_info": line.auth_info,
                "years": line.years,
                "expected_fee": line.registry_fee,
            },
            "reply_to": reply_to,
        }
    return {
        "op": OperationKind.DOMAIN_CREATE,
        "registrar": settings.REGISTRAR_CLIENT_ID,
        "cl_trid": line.cl_trid,
        "params": {
            "name": line.domain,
            "years": line.years,
            "nameservers": line.nameservers,
            "expected_fee": line.registry_fee,
            "registrant": registrant_of(line),
        },
        "reply_to": reply_to,
    }


def registrant_of(line: OrderLine) -> dict[str, Any]:
    """The registrant a registration sends: the contact given with the order (its own
    contact object at the registry), else the customer's."""
    given = line.contacts.get("registrant")
    if given:
        return registry_contact(f"nsm-l{line.pk}", given)
    return line.order.customer.registrant_contact()


RESTORE_STATEMENTS = [
    "This registrar has not restored the domain name in order to assume the rights to use or sell it "
    "for itself or for any third party.",
    "The information in this report is true to the best of this registrar's knowledge, and this registrar "
    "acknowledges that intentionally supplying false information in this report shall constitute an "
    "incident of abuse.",
]


def _restore_report(line: OrderLine) -> dict[str, Any]:
    """The RGP restore report (RFC 3915) sent with a restore: the same on every resend of
    the line's command, since the registry acts once per transaction id and its data."""
    customer = line.order.customer
    domain = CustomerDomain.objects.filter(name=line.domain, released_at=None).first()
    deleted_at = domain.redemption_at if domain and domain.redemption_at else line.order.created_at
    whois = f"{line.domain}: registrant {customer.registry_handle} ({customer.name})"
    return {
        "pre_data": whois,
        "post_data": whois,
        "deleted_at": deleted_at.isoformat(),
        "restored_at": line.order.created_at.isoformat(),
        "reason": f"The registrant paid to restore the domain (order {line.order_id}).",
        "statements": RESTORE_STATEMENTS,
    }
