"""The order pipeline after checkout: the charge's retries, dispatch to the registry,
settling lines and orders from the registry's replies, and the recovery sweep.

The pipeline, each step safe to run twice:

1. ``place_order`` (web request), in one transaction: saves the order, charges the
   emulated card and, when the charge is approved, marks the order and its lines
   IN_PROGRESS (through PAID; ``paid_at`` records it). After commit it sends each line's
   command to the registry queue. A declined card fails the order at once. A transient
   processor error leaves the order SUBMITTED and queues ``process_order``.
2. ``process_order`` (registrar queue) retries the charge with backoff; once captured
   the order is PAID, and ``dispatch_order`` sends the lines to the registry.
3. The registry runs each command and sends its reply to ``registry_result`` (registrar
   queue), which settles the line (refunding a failed one) and, when every line is
   settled, the order.

Work that stops moving (a worker killed between steps, a lost message) is found by
``recover_stuck_work``, which Celery beat runs every few seconds: it requeues orders
that sit SUBMITTED or PAID and resends the commands of lines that have waited too long
for their reply. Resending is safe because the registry acts once per ``cl_trid``.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F

from config import clock
from config.faults import pause_point
from registrar import notify, payments
from registrar.choices import (
    FINAL_LINE_STATES,
    DomainRequestState,
    DomainState,
    LineKind,
    LineState,
    OrderState,
    PaymentState,
)
from registrar.models import Customer, CustomerDomain, DomainRequest, Order, OrderLine, Payment, Refund
from registrar.services.charging import LINE_FIELDS, ORDER_FIELDS, mark_dispatched, settle_charge
from registrar.services.commands import PROCESS_ORDER_TASK, registry_command, send, send_commands
from registrar.services.domain_requests import request_command
from registrar.services.errors import TransientPaymentError
from resolver import rental

log = logging.getLogger(__name__)


def process_order(order_id: int) -> None:
    """Retry the charge of a SUBMITTED order, then dispatch it once it is PAID."""
    now = clock.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("card").filter(pk=order_id).first()
        if order is None:
            return
        declined_now = False
        if order.state == OrderState.SUBMITTED:
            payment = Payment.objects.select_for_update().get(order=order)
            lines = list(order.lines.all())
            settle_charge(order, lines, payment, now)
            pause_point("registrar.in_payment")
            payment.save(update_fields=payments.CHARGE_FIELDS)
            order.save(update_fields=ORDER_FIELDS)
            OrderLine.objects.bulk_update(lines, LINE_FIELDS)
            declined_now = order.state == OrderState.FAILED
    if order.state == OrderState.SUBMITTED:  # the processor asked for another try
        raise TransientPaymentError(f"order {order_id}: card processor error, will retry")
    if declined_now and order.automatic:
        tell_auto_renew_failed(order)
    pause_point("registrar.after_payment")
    dispatch_order(order_id)


def dispatch_order(order_id: int) -> None:
    """Mark a paid order's pending lines IN_PROGRESS and send their commands."""
    now = clock.now()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk=order_id, state=OrderState.PAID)
            .first()
        )
        if order is None:
            return
        lines = list(OrderLine.objects.filter(order=order, state=LineState.PENDING))
        mark_dispatched(order, lines, now)
        OrderLine.objects.bulk_update(lines, LINE_FIELDS)
        order.save(update_fields=ORDER_FIELDS)
        for line in lines:
            line.order = order  # registry_command reads the customer through it
        transaction.on_commit(partial(send, [registry_command(line) for line in lines]))


def apply_registry_result(order_id: int, line_id: int, reply: dict[str, Any]) -> None:
    """Settle a line from the registry's reply; a second reply for it changes nothing."""
    pause_point("registrar.before_result")
    now = clock.now()
    with transaction.atomic():
        # Lock the order before the line, in the same order as every other writer. The
        # customer's user comes along for a hosted zone (it owns it), without a lock.
        order = (
            Order.objects.select_for_update(of=("self",)).select_related("customer__user").filter(pk=order_id).first()
        )
        line = OrderLine.objects.select_for_update().filter(pk=line_id, order_id=order_id).first()
        if order is None or line is None or line.state in FINAL_LINE_STATES:
            return
        if line.state == LineState.AWAITING_TRANSFER:
            return  # the request was accepted already; the poll messages tell the rest
        if reply.get("ok") and line.kind == LineKind.TRANSFER:
            # Accepted, not done: the losing registrar (or, after five days, the registry)
            # decides, and the poll messages tell which way.
            line.state, line.registry_sv_trid = LineState.AWAITING_TRANSFER, reply.get("sv_trid", "")
            line.save(update_fields=["state", "registry_sv_trid"])
            return
        if reply.get("ok"):
            data = reply.get("data", {})
            line.state = LineState.SUCCESSFUL
            line.expires_at = datetime.fromisoformat(data["expires_at"]) if data.get("expires_at") else None
            line.registry_sv_trid = reply.get("sv_trid", "")
            line.completed_at = now
            line.save(update_fields=["state", "expires_at", "registry_sv_trid", "completed_at"])
            held = CustomerDomain.objects.filter(name=line.domain, released_at=None)
            if line.kind == LineKind.RENEW:
                held.update(expires_at=line.expires_at)
                if order.automatic:
                    transaction.on_commit(partial(notify.auto_renewed, order, line.unicode_domain, line.expires_at))
            elif line.kind == LineKind.RESTORE:
                restored = {"state": DomainState.ACTIVE, "redemption_at": None}
                held.update(**restored, **({"expires_at": line.expires_at} if line.expires_at else {}))
            else:
                _record_holding(order, line, now)
        else:
            error = reply.get("error") or {}
            code, reason = error.get("code", "registry_error"), error.get("message", "the registry refused")
            _fail_line(order, line, code, reason, now)
        _finish_if_settled(order, now)


def settle_transfer(line_id: int, approved: bool, expires_at: datetime | None, reason: str) -> bool:
    """Settle a transfer-in line as the registry's poll message reports: approved, the
    name is the customer's; rejected or cancelled, the line is refunded. Returns whether
    the line changed (a line settled already is left alone)."""
    now = clock.now()
    with transaction.atomic():
        line = OrderLine.objects.filter(pk=line_id).select_related("order").first()
        if line is None:
            return False
        order = Order.objects.select_for_update().get(pk=line.order_id)
        line = OrderLine.objects.select_for_update().get(pk=line_id)
        if line.state not in (LineState.IN_PROGRESS, LineState.AWAITING_TRANSFER):
            return False
        line.auth_info = ""  # settled: the command is never resent, and the code is spent
        OrderLine.objects.filter(pk=line.pk).update(auth_info="")
        if approved:
            line.state, line.expires_at, line.completed_at = LineState.SUCCESSFUL, expires_at, now
            line.save(update_fields=["state", "expires_at", "completed_at"])
            _record_holding(order, line, now)
            if line.nameservers or line.contacts.get("registrant"):
                transaction.on_commit(partial(_settle_in, order.customer, line))
        else:
            _fail_line(order, line, "transfer_refused", reason, now)
        _finish_if_settled(order, now)
    return True


def _settle_in(customer: Customer, line: OrderLine) -> None:
    """What a transfer asked for beyond the transfer, once the name is ours: its registrant
    at the registry (the losing registrar's contact stays until then) and its delegation,
    each an operation of its own."""
    from registrar.services import management

    registrant = line.contacts.get("registrant")
    try:
        if registrant:
            management.update_contacts(customer, line.domain, {"registrant": registrant})
        if line.nameservers:
            management.update_nameservers(customer, line.domain, line.nameservers)
    except management.DomainError as exc:
        log.warning("transfer of %s: not all it asked for is done: %s", line.domain, exc.message)


def tell_auto_renew_failed(order: Order) -> None:
    """Email the customer that an auto-renewal order could not be paid."""
    line = order.lines.first()
    domain = CustomerDomain.objects.filter(name=line.domain, released_at=None).first() if line else None
    if domain is not None:
        notify.auto_renew_failed(domain, order.failure_reason or "the card was declined")


def _record_holding(order: Order, line: OrderLine, now: datetime) -> None:
    # The registry says this line now holds the name: an older holding of it has ended.
    assert line.expires_at is not None  # the registry's reply (or poll message) gave the expiry
    CustomerDomain.objects.filter(name=line.domain, released_at=None).exclude(order_line=line).update(released_at=now)
    CustomerDomain.objects.create(
        order_line=line,
        customer_id=order.customer_id,
        name=line.domain,
        unicode_name=line.unicode_domain,
        expires_at=line.expires_at,
        auto_renew=line.auto_renew,
        contacts=line.contacts,
        privacy=line.privacy,
        created_at=now,
    )
    if line.our_nameservers and not line.hosted_zone:
        _make_hosted_zone(order, line)
    if line.hosted_zone and line.first_address:
        _point_at_first_address(order, line, line.first_address)


def _make_hosted_zone(order: Order, line: OrderLine) -> None:
    """The hosted zone on the delegation set the registry now delegates the domain to."""
    try:
        zone, _, _ = rental.create_hosted_zone(
            order.customer.user,
            line.domain,
            caller_reference=line.zone_reference,
            nameservers=line.nameservers,
        )
    except rental.RentalError as exc:  # another zone of the name took one of its servers since checkout
        log.warning("order %s: no hosted zone for %s: %s", order.pk, line.domain, exc.message)
        return
    line.hosted_zone = zone.pk
    OrderLine.objects.filter(pk=line.pk).update(hosted_zone=zone.pk)


def _point_at_first_address(order: Order, line: OrderLine, address: str) -> None:
    """The checkout's first record: the apex and www answer with the address given."""
    rtype = "AAAA" if ipaddress.ip_address(address).version == 6 else "A"
    changes = [
        {"action": "UPSERT", "record_set": {"name": name, "type": rtype, "ttl": 300, "values": [address]}}
        for name in (line.domain, f"www.{line.domain}")
    ]
    try:
        rental.change_record_sets(order.customer.user, line.hosted_zone, changes, comment=f"order {order.pk}")
    except rental.RentalError as exc:  # the zone went away since checkout; the domain is registered all the same
        log.warning("order %s: first record for %s not set: %s", order.pk, line.domain, exc.message)


def _fail_line(order: Order, line: OrderLine, code: str, reason: str, now: datetime) -> None:
    line.state = LineState.FAILED
    line.failure_code = code
    line.failure_reason = reason
    line.completed_at = now
    line.save(update_fields=["state", "failure_code", "failure_reason", "completed_at"])
    payment = Payment.objects.select_for_update().get(order=order)
    if payment.state == PaymentState.CAPTURED and line.price > 0:
        Refund.objects.create(
            payment=payment,
            line=line,
            amount=line.price,
            reason=f"{line.unicode_domain}: {reason}",
            reference=payments.new_refund_reference(),
            created_at=now,
        )
        Payment.objects.filter(pk=payment.pk).update(refunded=F("refunded") + line.price)


def _finish_if_settled(order: Order, now: datetime) -> None:
    states = list(OrderLine.objects.filter(order=order).values_list("state", "unicode_domain", "failure_reason"))
    if any(state not in FINAL_LINE_STATES for state, _, _ in states):
        return
    failed = [(name, reason) for state, name, reason in states if state == LineState.FAILED]
    order.updated_at = order.completed_at = now
    if not failed:
        order.state = OrderState.SUCCESSFUL
    else:
        order.state = OrderState.FAILED if len(failed) == len(states) else OrderState.PARTIAL
        order.failure_reason = "refunded " + "; ".join(f"{name}: {why}" for name, why in failed)
    order.save(update_fields=ORDER_FIELDS)


def recover_stuck_work() -> dict[str, int]:
    """Requeue orders and resend the commands of lines and domain requests that have made
    no progress for ``PIPELINE_STUCK_AFTER`` seconds. Safe to run at any time, in any
    number: the registry answers a resent command as it answered the first."""
    now = clock.now()
    cutoff = now - timedelta(seconds=settings.PIPELINE_STUCK_AFTER)
    with transaction.atomic():
        # Claim each item by moving its timestamp, so concurrent sweeps never both resend it
        # and the next sweep gives this attempt time to run.
        orders = [
            order_id
            for order_id in Order.objects.filter(
                state__in=[OrderState.SUBMITTED, OrderState.PAID], updated_at__lt=cutoff
            ).values_list("pk", flat=True)[:500]
            if Order.objects.filter(pk=order_id, updated_at__lt=cutoff).update(updated_at=now)
        ]
        lines = [
            line_id
            for line_id in OrderLine.objects.filter(state=LineState.IN_PROGRESS, dispatched_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:500]
            if OrderLine.objects.filter(pk=line_id, state=LineState.IN_PROGRESS, dispatched_at__lt=cutoff).update(
                dispatched_at=now, dispatch_count=F("dispatch_count") + 1
            )
        ]
        requests = [
            request
            for request in DomainRequest.objects.filter(
                state=DomainRequestState.PENDING, sent_at__lt=cutoff
            ).select_related("domain")[:500]
            if DomainRequest.objects.filter(pk=request.pk, sent_at__lt=cutoff).update(sent_at=now)
        ]
        for order_id in orders:
            transaction.on_commit(partial(current_app.send_task, PROCESS_ORDER_TASK, args=[order_id]))
        if lines:
            transaction.on_commit(partial(send_commands, lines))
        if requests:
            transaction.on_commit(partial(send, [request_command(request) for request in requests]))
    if orders or lines or requests:
        log.warning(
            "pipeline sweep: requeued %d orders, resent %d registry commands of lines and %d of domain requests",
            len(orders),
            len(lines),
            len(requests),
        )
    return {"orders": len(orders), "lines": len(lines), "requests": len(requests)}
