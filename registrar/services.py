"""Registrar services: quoting, checkout, and the order pipeline.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import idna
from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from config import clock
from config.faults import pause_point
from registrar import notify, payments
from registrar.choices import (
    FINAL_LINE_STATES,
    DomainRequestKind,
    DomainRequestState,
    DomainState,
    LineKind,
    LineState,
    OrderState,
    PaymentState,
)
from registrar.models import (
    Customer,
    CustomerDomain,
    DomainRequest,
    Order,
    OrderLine,
    Payment,
    PaymentCard,
    Refund,
)
from registry import services as registry
from registry.choices import EppStatus
from registry.errors import ParameterError, RegistryError
from registry.models import MAX_PERIOD_YEARS, Tld
from resolver import rental

log = logging.getLogger(__name__)

MAX_LINES = 20
REGISTRY_COMMAND_TASK = "registry.tasks.execute_command"
RESULT_TASK = "registrar.tasks.registry_result"
PROCESS_ORDER_TASK = "registrar.tasks.process_order"


class CheckoutError(Exception):
    """A checkout that cannot be accepted; ``errors`` maps a field path to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TransientPaymentError(Exception):
    """The card processor failed in a way worth retrying."""


@dataclass(frozen=True)
class Quote:
    """A name as the shop offers it: registry availability plus the retail price."""

    check: registry.NameCheck
    price_per_year: int | None

    def price(self, years: int) -> int:
        assert self.price_per_year is not None
        return self.price_per_year * years


def quote(names: list[str]) -> list[Quote]:
    margin = settings.REGISTRAR_MARGIN_PER_YEAR
    return [
        Quote(check=c, price_per_year=(c.create_fee + margin) if c.registrable else None) for c in registry.check(names)
    ]


@dataclass(frozen=True)
class Search:
    """What the shop's search shows for what a visitor typed: the name itself when it names
    a TLD, the same label under every TLD, and a few close variants."""

    query: str
    exact: Quote | None
    across: list[Quote]
    variants: list[Quote]


VARIANT_FORMS = ("get{}", "my{}", "{}hq", "{}-online", "the{}")


def search(query: str) -> Search:
    """Availability and prices for ``query`` ("example", "example.com", "bücher.kr")."""
    text = query.strip().rstrip(".")
    if not text:
        raise ParameterError("type a name to look for, such as example or example.com")
    tlds = list(Tld.objects.order_by("name").values_list("name", flat=True))
    label, _, tld = text.rpartition(".")
    if not label or tld.lower() not in tlds and _ascii_tld(tld) not in tlds:
        label, tld = text, ""  # no TLD we run: look for the whole text under each of them
    tld = _ascii_tld(tld) if tld else ""
    exact_name = f"{label}.{tld}" if tld else None
    across = [f"{label}.{t}" for t in tlds if t != tld]
    first_tld = tld or (tlds[0] if tlds else "")
    variants = [f"{form.format(label)}.{first_tld}" for form in VARIANT_FORMS] if "." not in label else []
    names = ([exact_name] if exact_name else []) + across + variants
    quotes = quote(names[: registry.MAX_CHECK_NAMES])
    exact = quotes.pop(0) if exact_name else None
    return Search(
        query=text,
        exact=exact,
        across=quotes[: len(across)],
        variants=[q for q in quotes[len(across) :] if q.check.registrable],
    )


def _ascii_tld(tld: str) -> str:
    try:
        return idna.encode(tld, uts46=True).decode("ascii")
    except idna.IDNAError:
        return tld.lower()


# --- checkout ---------------------------------------------------------------------------------


def place_order(
    customer: Customer, lines: list[dict], card: dict, *, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """Validate and save an order; returns (order, created).

    ``lines`` are ``{"domain", "years", "nameservers", "first_address"}`` (the last, with
    our nameservers only, points the apex and www at an address); ``card`` is ``{"number",
    "exp_month", "exp_year", "cvc"}``. The card is charged in the same transaction
    that saves the order; the registry commands go out once it commits (a card that
    fails transiently leaves the order to the worker's retries). With an
    ``idempotency_key`` already used by this customer, the first order is returned and
    nothing new is created.
    """
    if idempotency_key:
        existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False

    errors: dict[str, str] = {}
    if not lines:
        raise CheckoutError({"lines": "an order needs at least one domain"})
    if len(lines) > MAX_LINES:
        raise CheckoutError({"lines": f"at most {MAX_LINES} domains per order"})
    try:
        quotes = quote([line.get("domain", "") for line in lines])
    except RegistryError as exc:
        raise CheckoutError({"lines": exc.message}) from None

    prepared: list[dict] = []
    seen: set[str] = set()
    for i, (line, q) in enumerate(zip(lines, quotes, strict=True)):
        path = f"lines[{i}]"
        check = q.check
        if not check.registrable:
            errors[f"{path}.domain"] = f"{check.unicode or check.name}: {check.status.value}" + (
                f" ({check.reason})" if check.reason else ""
            )
            continue
        if check.ascii in seen:
            errors[f"{path}.domain"] = f"{check.unicode} is in the order twice"
            continue
        seen.add(check.ascii)
        years = line.get("years", 1)
        if not isinstance(years, int) or isinstance(years, bool) or not check.min_years <= years <= check.max_years:
            errors[f"{path}.years"] = f"{check.unicode} registers for {check.min_years} to {check.max_years} years"
            continue
        try:
            nameservers = registry.validate_nameservers(line.get("nameservers") or [])
        except RegistryError as exc:
            errors[f"{path}.nameservers"] = exc.message
            continue
        hosted_zone, ours = "", not nameservers
        first_address = line.get("first_address") or None
        if first_address is not None:
            try:
                first_address = str(ipaddress.ip_address(str(first_address).strip()))
            except ValueError:
                errors[f"{path}.first_address"] = f"{first_address!r} is not an IPv4 or IPv6 address"
                continue
            if not ours:
                errors[f"{path}.first_address"] = "a first record needs our nameservers: yours hold your records"
                continue
        if ours:  # our nameservers: the customer's zone of that name, or a delegation set for a new one
            try:
                hosted_zone, nameservers = rental.registration_nameservers(customer.user, check.ascii)
            except rental.RentalError as exc:
                errors[f"{path}.nameservers"] = exc.message
                continue
        prepared.append(
            {
                "kind": LineKind.REGISTER,
                "domain": check.ascii,
                "unicode_domain": check.unicode,
                "years": years,
                "nameservers": nameservers,
                "our_nameservers": ours,
                "hosted_zone": hosted_zone,
                "first_address": first_address,
                "registry_fee": check.create_fee * years,
                "price": q.price(years),
            }
        )
    if errors:
        raise CheckoutError(errors)
    return _charge_and_save(customer, prepared, card, idempotency_key)


def renewal_price(name: str) -> int:
    """The retail price of one more year of ``name``: the registry's renew fee plus the margin."""
    return registry.annual_fee(name, "renew") + settings.REGISTRAR_MARGIN_PER_YEAR


def place_renewal(
    customer: Customer,
    name: str,
    years: object,
    card: dict | PaymentCard,
    *,
    idempotency_key: str | None = None,
    automatic: bool = False,
) -> tuple[Order, bool]:
    """An order renewing a domain the customer holds by ``years``; charged like a checkout
    (``card`` is the details typed in, or a stored card of the customer's). The registry
    is told the expiry date it extends, so a resent command cannot renew twice."""
    if idempotency_key:
        existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    domain = CustomerDomain.objects.filter(customer=customer, name=name, released_at=None).first()
    if domain is None:
        raise CheckoutError({"domain": f"you hold no domain {name}"})
    if domain.state != DomainState.ACTIVE:
        raise CheckoutError({"domain": f"{domain.unicode_name} is in its redemption period: restore it instead"})
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_PERIOD_YEARS:
        raise CheckoutError({"years": f"renew for 1 to {MAX_PERIOD_YEARS} years"})
    try:
        fee = registry.annual_fee(domain.name, "renew")
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    line = {
        "kind": LineKind.RENEW,
        "domain": domain.name,
        "unicode_domain": domain.unicode_name,
        "years": years,
        "current_expiry": domain.expires_at.date(),
        "registry_fee": fee * years,
        "price": (fee + settings.REGISTRAR_MARGIN_PER_YEAR) * years,
    }
    return _charge_and_save(customer, [line], card, idempotency_key, automatic=automatic)


@dataclass(frozen=True)
class Standing:
    """Where a held domain stands, as its owner's pages show it."""

    state: str  # a DomainState, or "expired" for an active domain past its expiry
    label: str
    restore_price: int | None = None  # what a restore costs the customer, while it can be restored


def holds_any(user, names: Sequence[str]) -> bool:
    """Whether the customer account ``user`` holds any of ``names`` (ASCII) with us now."""
    return CustomerDomain.objects.filter(customer__user=user, released_at=None, name__in=list(names)).exists()


def standing(domain: CustomerDomain, info: registry.DomainInfo | None) -> Standing:
    """The domain's lifecycle state: the registry's RGP phase when it has the domain, else
    what its poll messages told us; a restorable domain comes with its restore price."""
    state = domain.state
    phases = set(getattr(info, "rgp_statuses", None) or ())
    if "redemptionPeriod" in phases:
        state = DomainState.REDEMPTION
    elif "pendingDelete" in phases:
        state = DomainState.PENDING_DELETE
    if state == DomainState.REDEMPTION:
        try:
            price = restore_price(domain)[1]
        except RegistryError:
            price = None
        return Standing(state, DomainState.REDEMPTION.label, price)
    if state == DomainState.PENDING_DELETE:
        return Standing(state, "Pending delete: it can no longer be restored")
    if domain.expires_at <= clock.now():
        return Standing("expired", "Expired")
    return Standing(state, DomainState.ACTIVE.label)


def restore_price(domain: CustomerDomain) -> tuple[int, int]:
    """(registry fee, retail price) of restoring ``domain`` from redemption: the registry's
    restore fee, plus a year's renewal for each year it has been expired, each with our
    margin. The expiry is the registry's (a delete in the auto-renew grace takes back the
    auto-renewed year)."""
    try:
        expires_at = registry.info_domain(domain.name).expires_at
    except RegistryError:
        expires_at = domain.expires_at
    now, years = clock.now(), 0
    while registry.add_years(expires_at, years) <= now:
        years += 1
    fee = registry.annual_fee(domain.name, "restore") + registry.annual_fee(domain.name, "renew") * years
    return fee, fee + settings.REGISTRAR_MARGIN_PER_YEAR * (1 + years)


def place_restore(
    customer: Customer, name: str, card: dict | PaymentCard, *, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """An order restoring a held domain the registry has in its redemption period."""
    if idempotency_key:
        existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    domain = CustomerDomain.objects.filter(customer=customer, name=name, released_at=None).first()
    if domain is None:
        raise CheckoutError({"domain": f"you hold no domain {name}"})
    try:
        info = registry.info_domain(domain.name)
    except RegistryError:
        info = None
    if standing(domain, info).state != DomainState.REDEMPTION:
        raise CheckoutError({"domain": f"{domain.unicode_name} is not in its redemption period"})
    try:
        fee, price = restore_price(domain)
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    line = {
        "kind": LineKind.RESTORE,
        "domain": domain.name,
        "unicode_domain": domain.unicode_name,
        "years": 1,
        "registry_fee": fee,
        "price": price,
    }
    return _charge_and_save(customer, [line], card, idempotency_key)


def place_transfer(
    customer: Customer, name: str, auth_code: str, card: dict | PaymentCard, *, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """An order transferring a registered name to us with its auth code; the transfer adds
    a year. The line settles when the registry reports the transfer approved (the name is
    then the customer's) or rejected or cancelled (the line is refunded)."""
    if idempotency_key:
        existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    auth_code = (auth_code or "").strip()
    if not 6 <= len(auth_code) <= 64:
        raise CheckoutError({"auth_code": "the auth code is 6 to 64 characters long"})
    try:
        [check] = registry.check([name])
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    if check.ascii is None:
        raise CheckoutError({"domain": f"{name}: {check.reason or check.status.value}"})
    if check.registrable:
        raise CheckoutError({"domain": f"{check.unicode} is not registered: register it instead"})
    if CustomerDomain.objects.filter(name=check.ascii, released_at=None).exists():
        raise CheckoutError({"domain": f"{check.unicode} is with us already"})
    try:
        fee = registry.annual_fee(check.ascii, "transfer")
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    line = {
        "kind": LineKind.TRANSFER,
        "domain": check.ascii,
        "unicode_domain": check.unicode,
        "years": 1,
        "auth_info": auth_code,
        "registry_fee": fee,
        "price": fee + settings.REGISTRAR_MARGIN_PER_YEAR,
    }
    return _charge_and_save(customer, [line], card, idempotency_key)


def _card_to_charge(customer: Customer, card: dict | PaymentCard, now: datetime) -> PaymentCard:
    """The stored card to charge: the one given (it must be the customer's and unexpired),
    or a new token for the details typed in."""
    if isinstance(card, PaymentCard):
        if card.customer_id != customer.pk:
            raise CheckoutError({"card": "that card belongs to someone else"})
        if card.expired(now.date()):
            raise CheckoutError({"card": f"the card {card} expired in {card.exp_month:02d}/{card.exp_year}"})
        return card
    try:
        return payments.tokenize(
            customer, card.get("number", ""), card.get("exp_month"), card.get("exp_year"), card.get("cvc", ""), now
        )
    except payments.CardError as exc:
        raise CheckoutError({"card": str(exc)}) from None


def _charge_and_save(
    customer: Customer,
    prepared: list[dict],
    card: dict | PaymentCard,
    idempotency_key: str | None,
    *,
    automatic: bool = False,
) -> tuple[Order, bool]:
    """Save an order of checked lines, charging the card in the same transaction; the
    registry commands go out after commit."""
    now = clock.now()
    try:
        with transaction.atomic():
            paid_with = _card_to_charge(customer, card, now)
            total = sum(p["price"] for p in prepared)
            order = Order(
                customer=customer,
                card=paid_with,
                total=total,
                currency=settings.REGISTRY_CURRENCY,
                idempotency_key=idempotency_key or None,
                automatic=automatic,
                created_at=now,
                updated_at=now,
            )
            order_lines = [OrderLine(order=order, **p) for p in prepared]
            # The emulated card processor answers at once, so the first charge attempt
            # happens here; everything is decided before the rows are written.
            payment = Payment(order=order, amount=total, created_at=now)
            _settle_charge(order, order_lines, payment, now)
            if order.state == OrderState.PAID:
                _mark_dispatched(order, order_lines, now)
            order.save()
            OrderLine.objects.bulk_create(order_lines)
            payment.save()
            if order.state == OrderState.IN_PROGRESS:
                commands = [registry_command(line) for line in order_lines]
                transaction.on_commit(partial(_send, commands))
            elif order.state == OrderState.SUBMITTED:
                transaction.on_commit(partial(current_app.send_task, PROCESS_ORDER_TASK, args=[order.pk]))
    except IntegrityError:
        # The same idempotency key was used by a concurrent request that won.
        existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return order, True


# --- the pipeline -----------------------------------------------------------------------------


def _settle_charge(order: Order, lines: list[OrderLine], payment: Payment, now: datetime) -> None:
    """Charge the card once and move the order (and, when declined, its lines) to what
    the outcome means: PAID, FAILED, or still SUBMITTED for a retry. In memory only."""
    outcome = payments.charge(payment, order.card, now, settings.PAYMENT_MAX_ATTEMPTS)
    order.updated_at = now
    if outcome is payments.ChargeOutcome.APPROVED:
        order.state, order.paid_at = OrderState.PAID, now
    elif outcome is payments.ChargeOutcome.DECLINED:
        order.state, order.completed_at, order.failure_reason = OrderState.FAILED, now, payment.failure_reason
        for line in lines:
            line.state, line.completed_at = LineState.FAILED, now
            line.failure_code, line.failure_reason = "payment_failed", payment.failure_reason


def _mark_dispatched(order: Order, lines: list[OrderLine], now: datetime) -> None:
    """A paid order and its pending lines go IN_PROGRESS; in memory only."""
    order.state, order.updated_at = OrderState.IN_PROGRESS, now
    for line in lines:
        line.state, line.dispatched_at, line.dispatch_count = LineState.IN_PROGRESS, now, line.dispatch_count + 1


_ORDER_FIELDS = ["state", "updated_at", "paid_at", "completed_at", "failure_reason"]
_LINE_FIELDS = ["state", "dispatched_at", "dispatch_count", "completed_at", "failure_code", "failure_reason"]


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
            _settle_charge(order, lines, payment, now)
            pause_point("registrar.in_payment")
            payment.save(update_fields=payments.CHARGE_FIELDS)
            order.save(update_fields=_ORDER_FIELDS)
            OrderLine.objects.bulk_update(lines, _LINE_FIELDS)
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
        _mark_dispatched(order, lines, now)
        OrderLine.objects.bulk_update(lines, _LINE_FIELDS)
        order.save(update_fields=_ORDER_FIELDS)
        for line in lines:
            line.order = order  # registry_command reads the customer through it
        transaction.on_commit(partial(_send, [registry_command(line) for line in lines]))


def _send(commands: list[dict]) -> None:
    for command in commands:
        current_app.send_task(REGISTRY_COMMAND_TASK, args=[command])


def _send_commands(line_ids: list[int]) -> None:
    lines = OrderLine.objects.filter(pk__in=line_ids).select_related("order__customer")
    _send([registry_command(line) for line in lines])


def registry_command(line: OrderLine) -> dict:
    """The registry-queue command that carries out ``line``."""
    reply_to = {"task": RESULT_TASK, "queue": "registrar", "args": [line.order_id, line.pk]}
    if line.kind == LineKind.RENEW:
        return {
            "op": "domain.renew",
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
            "op": "domain.restore",
            "registrar": settings.REGISTRAR_CLIENT_ID,
            "cl_trid": line.cl_trid,
            "params": {"name": line.domain, "expected_fee": line.registry_fee, "report": _restore_report(line)},
            "reply_to": reply_to,
        }
    if line.kind == LineKind.TRANSFER:
        return {
            "op": "domain.transfer.request",
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
        "op": "domain.create",
        "registrar": settings.REGISTRAR_CLIENT_ID,
        "cl_trid": line.cl_trid,
        "params": {
            "name": line.domain,
            "years": line.years,
            "nameservers": line.nameservers,
            "expected_fee": line.registry_fee,
            "registrant": line.order.customer.registrant_contact(),
        },
        "reply_to": reply_to,
    }


RESTORE_STATEMENTS = [
    "This registrar has not restored the domain name in order to assume the rights to use or sell it "
    "for itself or for any third party.",
    "The information in this report is true to the best of this registrar's knowledge, and this registrar "
    "acknowledges that intentionally supplying false information in this report shall constitute an "
    "incident of abuse.",
]


def _restore_report(line: OrderLine) -> dict:
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


def apply_registry_result(order_id: int, line_id: int, reply: dict) -> None:
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
        else:
            _fail_line(order, line, "transfer_refused", reason, now)
        _finish_if_settled(order, now)
    return True


def tell_auto_renew_failed(order: Order) -> None:
    """Email the customer that an auto-renewal order could not be paid."""
    line = order.lines.first()
    domain = CustomerDomain.objects.filter(name=line.domain, released_at=None).first() if line else None
    if domain is not None:
        notify.auto_renew_failed(domain, order.failure_reason or "the card was declined")


def _record_holding(order: Order, line: OrderLine, now: datetime) -> None:
    # The registry says this line now holds the name: an older holding of it has ended.
    CustomerDomain.objects.filter(name=line.domain, released_at=None).exclude(order_line=line).update(released_at=now)
    CustomerDomain.objects.create(
        order_line=line,
        customer_id=order.customer_id,
        name=line.domain,
        unicode_name=line.unicode_domain,
        expires_at=line.expires_at,
        created_at=now,
    )
    if line.our_nameservers and not line.hosted_zone:
        _make_hosted_zone(order, line)
    if line.hosted_zone and line.first_address:
        _point_at_first_address(order, line)


def _make_hosted_zone(order: Order, line: OrderLine) -> None:
    """The hosted zone on the delegation set the registry now delegates the domain to."""
    try:
        zone, _, _ = rental.create_hosted_zone(
            order.customer.user,
            line.domain,
            caller_reference=line.zone_reference,
            for_registration=True,
            nameservers=line.nameservers,
        )
    except rental.RentalError as exc:  # another account's zone took the name since checkout
        log.warning("order %s: no hosted zone for %s: %s", order.pk, line.domain, exc.message)
        return
    line.hosted_zone = zone.pk
    OrderLine.objects.filter(pk=line.pk).update(hosted_zone=zone.pk)


def _point_at_first_address(order: Order, line: OrderLine) -> None:
    """The checkout's first record: the apex and www answer with the address given."""
    rtype = "AAAA" if ipaddress.ip_address(line.first_address).version == 6 else "A"
    changes = [
        {"action": "UPSERT", "record_set": {"name": name, "type": rtype, "ttl": 300, "values": [line.first_address]}}
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
    order.save(update_fields=_ORDER_FIELDS)


def recover_stuck_work() -> dict:
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
            transaction.on_commit(partial(_send_commands, lines))
        if requests:
            transaction.on_commit(partial(_send, [request_command(request) for request in requests]))
    if orders or lines or requests:
        log.warning(
            "pipeline sweep: requeued %d orders, resent %d registry commands of lines and %d of domain requests",
            len(orders),
            len(lines),
            len(requests),
        )
    return {"orders": len(orders), "lines": len(lines), "requests": len(requests)}


# --- free requests about a held domain ------------------------------------------------------------

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
        transaction.on_commit(partial(_send, [command]))
    return request


def request_command(request: DomainRequest) -> dict:
    params: dict = {"name": request.domain.name}
    op = "domain.update"
    if request.kind == DomainRequestKind.REVEAL_AUTH_CODE:
        op = "domain.info"
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


def apply_request_result(request_id: int, reply: dict) -> None:
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
