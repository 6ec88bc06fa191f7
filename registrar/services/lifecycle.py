"""The registrar's side of the domain lifecycle, as sweeps of the emulator clock.

- **Renewal reminders**: an email REGISTRAR_REMINDER_DAYS (30, 7, 1) days before a held
  domain expires, each once per domain and expiry.
- **Auto-renew**: REGISTRAR_AUTO_RENEW_DAYS (7) days before expiry, a domain whose owner
  keeps auto-renew on is renewed for a year with the card last used for it, through the
  usual order pipeline; once per domain and expiry. A declined card is emailed about and
  nothing else happens: the registry auto-renews the domain at expiry.
- **Registry poll**: the registry tells the registrar what it did on its own (auto-renewals,
  transfers, deletions, restores) through poll messages. The sweep starts a chain of
  ``poll.request`` / ``poll.ack`` commands over the registry queue; each reply carries one
  message, applied once (keyed on its id) before it is acknowledged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Expression, F, Min, OuterRef, Q, QuerySet

from config import clock
from registrar import notify
from registrar.choices import (
    FINAL_ORDER_STATES,
    TRANSFER_APPROVED,
    TRANSFER_REFUSED,
    DomainState,
    LineKind,
    LineState,
    OrderState,
    PaymentState,
    RegistryMessageKind,
    TransferStatus,
)
from registrar.models import (
    CustomerDomain,
    Order,
    OrderLine,
    Payment,
    PaymentCard,
    RegistryMessage,
    RegistryPoll,
    RenewalReminder,
)
from registrar.services.checkout import place_renewal
from registrar.services.commands import REGISTRY_COMMAND_TASK
from registrar.services.errors import CheckoutError
from registrar.services.pipeline import settle_transfer
from registry import services as registry
from registry.choices import QueryKind
from registry.errors import RegistryError

log = logging.getLogger(__name__)

POLL_RESULT_TASK = "registrar.tasks.poll_result"


def _held(state: DomainState = DomainState.ACTIVE) -> QuerySet[CustomerDomain]:
    return CustomerDomain.objects.filter(released_at=None, state=state)


def card_for(domain: CustomerDomain) -> PaymentCard | None:
    """The card to renew ``domain`` with: the one last charged for it, else the one the
    customer last paid with."""
    paid = Payment.objects.filter(order__customer_id=domain.customer_id, state=PaymentState.CAPTURED)
    payment = (
        paid.filter(order__lines__domain=domain.name).order_by("-captured_at", "-pk").first()
        or paid.order_by("-captured_at", "-pk").first()
    )
    return PaymentCard.objects.get(pk=payment.order.card_id) if payment else None


# --- renewal reminders ---------------------------------------------------------------------------


def _not_reminded(days: int) -> Expression:
    sent = RenewalReminder.objects.filter(domain=OuterRef("pk"), expires_at=OuterRef("expires_at"), days_before=days)
    return ~Exists(sent)


def reminders_next_due() -> datetime | None:
    now = clock.now()
    moments = []
    for days in sorted(settings.REGISTRAR_REMINDER_DAYS, reverse=True):
        first = _held().filter(_not_reminded(days), expires_at__gt=now).aggregate(first=Min("expires_at"))["first"]
        if first is not None:
            moments.append(first - timedelta(days=days))
    return min(moments, default=None)


def send_reminders() -> int:
    """Email the reminders due now; returns how many reminders were recorded. When several
    are due at once (the clock jumped), only the closest is emailed."""
    now = clock.now()
    lead_times = sorted(settings.REGISTRAR_REMINDER_DAYS, reverse=True)
    recorded = 0
    candidates = _held().filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=lead_times[0]))
    for domain in candidates.select_related("customer"):
        due = [days for days in lead_times if domain.expires_at - timedelta(days=days) <= now]
        closest, emailed = min(due), False
        for days in due:
            try:
                with transaction.atomic():
                    RenewalReminder.objects.create(
                        domain=domain,
                        expires_at=domain.expires_at,
                        days_before=days,
                        emailed=days == closest,
                        created_at=now,
                    )
            except IntegrityError:  # recorded already, by an earlier or a concurrent sweep
                continue
            recorded += 1
            emailed |= days == closest
        if emailed:
            card = card_for(domain)
            notify.renewal_reminder(domain, now, str(card) if card else None)
    return recorded


# --- auto-renew ------------------------------------------------------------------------------------


def _auto_renewable(now: datetime) -> QuerySet[CustomerDomain]:
    untried = Q(auto_renew_tried_for__isnull=True) | ~Q(auto_renew_tried_for=F("expires_at"))
    return _held().filter(untried, auto_renew=True, expires_at__gt=now)


def auto_renew_next_due() -> datetime | None:
    first = _auto_renewable(clock.now()).aggregate(first=Min("expires_at"))["first"]
    return first - timedelta(days=settings.REGISTRAR_AUTO_RENEW_DAYS) if first else None


def auto_renew_due() -> int:
    """Place the auto-renewal orders due now; returns how many domains were tried."""
    now = clock.now()
    due = _auto_renewable(now).filter(expires_at__lte=now + timedelta(days=settings.REGISTRAR_AUTO_RENEW_DAYS))
    return sum(auto_renew(domain_id) for domain_id in due.values_list("pk", flat=True))


def auto_renew(domain_id: int) -> bool:
    """Renew one domain for a year with its stored card, once for its current expiry;
    returns whether this call tried (False when another sweep did, or it no longer applies)."""
    problem = ""
    with transaction.atomic():
        # The row lock makes a concurrent sweep wait here, then see the domain tried.
        domain = (
            CustomerDomain.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk=domain_id, released_at=None, state=DomainState.ACTIVE, auto_renew=True)
            .first()
        )
        if domain is None or domain.auto_renew_tried_for == domain.expires_at:
            return False
        CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew_tried_for=domain.expires_at)
        card = card_for(domain)
        if card is None:
            problem = "we have no card of yours on file"
        else:
            try:
                order, created = place_renewal(
                    domain.customer,
                    domain.name,
                    1,
                    card,
                    idempotency_key=f"auto-renew-{domain.pk}-{domain.expires_at:%Y%m%dT%H%M%S}",
                    automatic=True,
                )
            except CheckoutError as exc:
                problem = "; ".join(exc.errors.values())
            else:
                if created and order.state == OrderState.FAILED:
                    problem = order.failure_reason
    if problem:
        notify.auto_renew_failed(domain, problem)
    return True


def auto_renew_busy() -> bool:
    return Order.objects.filter(automatic=True).exclude(state__in=FINAL_ORDER_STATES).exists()


# --- the registry's poll messages ------------------------------------------------------------------


def _stuck_cutoff() -> datetime:
    return clock.now() - timedelta(seconds=settings.PIPELINE_STUCK_AFTER)


def start_poll() -> int:
    """Start a chain of poll commands when messages wait and no chain is under way;
    returns how many messages wait for it."""
    try:
        us = registry.get_registrar(settings.REGISTRAR_CLIENT_ID)
        waiting, _ = registry.poll_request(us)
    except RegistryError:  # no in-house registrar (yet)
        return 0
    if not waiting:
        return 0
    now = clock.now()
    RegistryPoll.objects.get_or_create(pk=1)
    idle = Q(running_since=None) | Q(heartbeat_at__lt=_stuck_cutoff())
    if not RegistryPoll.objects.filter(idle, pk=1).update(running_since=now, heartbeat_at=now):
        return 0
    transaction.on_commit(partial(_send_poll, QueryKind.POLL_REQUEST, {}))
    return waiting


def poll_busy() -> bool:
    return RegistryPoll.objects.filter(pk=1, running_since__isnull=False, heartbeat_at__gte=_stuck_cutoff()).exists()


def _send_poll(op: str, params: dict[str, Any]) -> None:
    command = {
        "op": op,
        "registrar": settings.REGISTRAR_CLIENT_ID,
        "cl_trid": f"nsm-{op.replace('.', '-')}-{secrets.token_hex(6)}",
        "params": params,
        "reply_to": {"task": POLL_RESULT_TASK, "queue": "registrar", "args": []},
    }
    current_app.send_task(REGISTRY_COMMAND_TASK, args=[command])


def apply_poll_reply(reply: dict[str, Any]) -> None:
    """One step of the chain: apply the message the reply carries and acknowledge it
    (the ack's reply brings the next), or end the chain when none is left."""
    message = (reply.get("data") or {}).get("message") if reply.get("ok") else None
    if message is None:
        if not reply.get("ok"):
            log.warning("registry poll failed: %s", (reply.get("error") or {}).get("message"))
        RegistryPoll.objects.filter(pk=1).update(running_since=None)
        return
    apply_message(message)
    RegistryPoll.objects.filter(pk=1).update(heartbeat_at=clock.now())
    transaction.on_commit(partial(_send_poll, QueryKind.POLL_ACK, {"id": message["id"]}))


@dataclass(frozen=True)
class _Message:
    id: int
    kind: str
    name: str
    data: dict[str, Any]
    sent_at: datetime


def apply_message(message: dict[str, Any]) -> bool:
    """Bring the customers' domains in line with one poll message; returns False when the
    message was applied before."""
    data = message.get("data") or {}
    item = _Message(
        id=int(message["id"]),
        kind=message.get("kind", ""),
        name=data.get("name") or message.get("object_name", ""),
        data=data,
        sent_at=datetime.fromisoformat(message["created_at"]),
    )
    now = clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                RegistryMessage.objects.create(
                    message_id=item.id,
                    kind=item.kind,
                    object_name=item.name,
                    data=data,
                    sent_at=item.sent_at,
                    applied_at=now,
                )
        except IntegrityError:
            return False
        handler = _HANDLERS.get(item.kind)
        if handler is not None:
            handler(item, now)
    return True


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _auto_renewed(item: _Message, now: datetime) -> None:
    expires_at = _moment(item.data.get("expires_at"))
    if expires_at is not None:
        _held().filter(name=item.name, expires_at__lt=expires_at).update(expires_at=expires_at)


def _transferred(item: _Message, now: datetime) -> None:
    status, us = item.data.get("status"), settings.REGISTRAR_CLIENT_ID
    if item.data.get("losing") == us:
        held = CustomerDomain.objects.filter(name=item.name, released_at=None)
        if status in TRANSFER_APPROVED:
            held.update(released_at=now)
        elif status == TransferStatus.PENDING:
            for domain in held.select_related("customer"):
                tell = partial(notify.transfer_requested, domain, item.data.get("gaining", ""), item.data.get("act_by"))
                transaction.on_commit(tell)
    elif item.data.get("gaining") == us and (status in TRANSFER_APPROVED or status in TRANSFER_REFUSED):
        # One transfer of a name is pending at a time and messages come in order, so the
        # oldest unsettled transfer line of the name is the one this message settles.
        line = (
            OrderLine.objects.filter(
                kind=LineKind.TRANSFER,
                domain=item.name,
                state__in=[LineState.IN_PROGRESS, LineState.AWAITING_TRANSFER],
            )
            .order_by("pk")
            .first()
        )
        if line is None:
            return
        word = {TransferStatus.CLIENT_REJECTED: "rejected by the current registrar"}.get(status, "cancelled")
        settle_transfer(
            line.pk, status in TRANSFER_APPROVED, _moment(item.data.get("expires_at")), f"the transfer was {word}"
        )


# The registry's RGP phases (RFC 3915) as the state of a held domain; no phase is active.
_PHASE_STATES = {
    "": DomainState.ACTIVE,
    "pendingRestore": DomainState.ACTIVE,  # back in the zone while the restore report is due
    "redemptionPeriod": DomainState.REDEMPTION,
    "pendingDelete": DomainState.PENDING_DELETE,
}


def _phase_changes(item: _Message) -> dict[str, Any]:
    state = _PHASE_STATES.get(item.data.get("rgp_status") or "")
    if state is None:
        return {}
    changes: dict[str, Any] = {"state": state}
    if state == DomainState.REDEMPTION:
        changes["redemption_at"] = item.sent_at
    elif state == DomainState.ACTIVE:
        changes["redemption_at"] = None
    if item.data.get("expires_at"):  # a delete in a grace period takes back the year it refunds
        changes["expires_at"] = _moment(item.data["expires_at"])
    return changes


def _deleted(item: _Message, now: datetime) -> None:
    held = CustomerDomain.objects.filter(name=item.name, released_at=None)
    if item.data.get("purged_at"):
        held.update(released_at=now)
    elif item.data.get("rgp_status"):
        held.update(**_phase_changes(item))


def _restore_settled(item: _Message, now: datetime) -> None:
    """A restore that ended other than by our command's reply (no report in time: back in
    redemption), or completed."""
    changes = _phase_changes(item)
    if changes:
        CustomerDomain.objects.filter(name=item.name, released_at=None).update(**changes)


_HANDLERS: dict[str, Callable[[_Message, datetime], None]] = {
    RegistryMessageKind.AUTO_RENEW: _auto_renewed,
    RegistryMessageKind.TRANSFER: _transferred,
    RegistryMessageKind.DELETED: _deleted,
    RegistryMessageKind.RESTORE: _restore_settled,
}


# --- registration with the clock -------------------------------------------------------------------


def register_sweeps() -> None:
    clock.register(clock.Sweep(name="registrar.reminders", next_due=reminders_next_due, run=send_reminders))
    clock.register(
        clock.Sweep(name="registrar.auto_renew", next_due=auto_renew_next_due, run=auto_renew_due, busy=auto_renew_busy)
    )
    # Poll messages appear when registry work runs at a due moment; every step of the
    # clock runs every sweep, so this one needs no moment of its own.
    clock.register(clock.Sweep(name="registrar.registry_poll", next_due=lambda: None, run=start_poll, busy=poll_busy))
