"""Charging an order's card and what the outcome means for the order: the card to
charge, one charge attempt (the first at checkout, the retries in the pipeline), and the
move of a paid order to IN_PROGRESS. Everything here changes rows in memory; the
callers save them, with the field lists below."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from registrar import payments
from registrar.choices import LineState, OrderState
from registrar.models import Customer, Order, OrderLine, Payment, PaymentCard
from registrar.services.errors import CheckoutError


def card_to_charge(customer: Customer, card: dict[str, Any] | PaymentCard, now: datetime) -> PaymentCard:
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


def settle_charge(order: Order, lines: list[OrderLine], payment: Payment, now: datetime) -> None:
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


def mark_dispatched(order: Order, lines: list[OrderLine], now: datetime) -> None:
    """A paid order and its pending lines go IN_PROGRESS; in memory only."""
    order.state, order.updated_at = OrderState.IN_PROGRESS, now
    for line in lines:
        line.state, line.dispatched_at, line.dispatch_count = LineState.IN_PROGRESS, now, line.dispatch_count + 1


ORDER_FIELDS = ["state", "updated_at", "paid_at", "completed_at", "failure_reason"]
LINE_FIELDS = ["state", "dispatched_at", "dispatch_count", "completed_at", "failure_code", "failure_reason"]
