"""The emulated card processor.

Cards are tokenised at checkout (the full number is never stored) and charged later by
the worker. Test cards, as printed in the README and on the checkout page:

=====================  ==========================================
4242 4242 4242 4242    approved
4000 0000 0000 0002    declined (permanent: the order fails)
4000 0000 0000 0119    processing error once, approved on retry
=====================  ==========================================

Any other number that passes the Luhn check is approved too.
"""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime

from registrar.choices import CardBehaviour, PaymentState
from registrar.models import Customer, Payment, PaymentCard

TEST_CARDS = {
    "4242424242424242": CardBehaviour.APPROVE,
    "4000000000000002": CardBehaviour.DECLINE,
    "4000000000000119": CardBehaviour.TRANSIENT,
}


class CardError(ValueError):
    """The card details cannot be used (bad number, expired, bad CVC)."""


class ChargeOutcome(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    TRANSIENT = "transient"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if re.match(r"5[1-5]|2[2-7]", digits):
        return "Mastercard"
    if re.match(r"3[47]", digits):
        return "American Express"
    return "Card"


def tokenize(
    customer: Customer, number: str, exp_month: object, exp_year: object, cvc: str, now: datetime
) -> PaymentCard:
    """A card token for the details typed in (checked here, whatever their types)."""
    digits = re.sub(r"[\s-]", "", str(number))
    if not re.fullmatch(r"\d{12,19}", digits):
        raise CardError("the card number must be 12 to 19 digits")
    if not _luhn_ok(digits):
        raise CardError("the card number is not valid (Luhn check failed)")
    if not (isinstance(exp_month, int) and 1 <= exp_month <= 12):
        raise CardError("the expiry month must be 1 to 12")
    if not isinstance(exp_year, int):
        raise CardError("the expiry year must be a number")
    if exp_year < 100:
        exp_year += 2000
    if (exp_year, exp_month) < (now.year, now.month):
        raise CardError(f"the card expired in {exp_month:02d}/{exp_year}")
    if not re.fullmatch(r"\d{3,4}", str(cvc)):
        raise CardError("the CVC must be 3 or 4 digits")
    return PaymentCard.objects.create(
        customer=customer,
        token=f"card_{secrets.token_hex(12)}",
        brand=_brand(digits),
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
        behaviour=TEST_CARDS.get(digits, CardBehaviour.APPROVE),
    )


# The fields ``charge`` changes, for the caller's save.
CHARGE_FIELDS = ["attempts", "state", "reference", "captured_at", "failure_reason"]


def charge(payment: Payment, card: PaymentCard, now: datetime, max_attempts: int) -> ChargeOutcome:
    """One charge attempt, recorded on ``payment``; the caller saves it (a row it has
    locked, or one it is about to insert).

    A captured payment is never charged again; after ``max_attempts`` transient errors
    the payment fails for good.
    """
    if payment.state == PaymentState.CAPTURED:
        return ChargeOutcome.APPROVED
    if payment.state in (PaymentState.DECLINED, PaymentState.FAILED):
        return ChargeOutcome.DECLINED
    payment.attempts += 1  # the row is locked by the caller, or not inserted yet
    outcome = ChargeOutcome.APPROVED
    if card.behaviour == CardBehaviour.DECLINE:
        outcome = ChargeOutcome.DECLINED
    elif card.behaviour == CardBehaviour.TRANSIENT and payment.attempts == 1:
        outcome = ChargeOutcome.TRANSIENT

    if outcome is ChargeOutcome.APPROVED:
        payment.state = PaymentState.CAPTURED
        payment.reference = f"ch_{secrets.token_hex(10)}"
        payment.captured_at = now
        payment.failure_reason = ""
    elif outcome is ChargeOutcome.DECLINED:
        payment.state = PaymentState.DECLINED
        payment.failure_reason = f"the card {card} was declined by the issuer"
    elif payment.attempts >= max_attempts:
        payment.state = PaymentState.FAILED
        payment.failure_reason = f"the card processor did not answer after {payment.attempts} attempts"
        outcome = ChargeOutcome.DECLINED
    else:
        payment.failure_reason = "processing error at the card processor; will retry"
    return outcome


def new_refund_reference() -> str:
    return f"re_{secrets.token_hex(10)}"
