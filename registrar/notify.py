"""Emails to customers about their domains. Callers send them outside any database
transaction (after commit), since mail delivery is slow network I/O."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from registrar.models import Customer, CustomerDomain, Order

log = logging.getLogger(__name__)


def _send(customer: Customer, template: str, context: dict[str, Any]) -> None:
    text = render_to_string(f"registrar/email/{template}.txt", context | {"customer": customer})
    subject, _, body = text.strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [customer.email])


def renewal_reminder(domain: CustomerDomain, now: datetime, card: str | None) -> None:
    days = max(-(-(domain.expires_at - now) // timedelta(days=1)), 0)  # whole days, rounded up
    context = {"domain": domain, "days": days, "card": card, "auto": domain.auto_renew and card is not None}
    _send(domain.customer, "renewal_reminder", context)


def auto_renew_failed(domain: CustomerDomain, reason: str) -> None:
    _send(domain.customer, "auto_renew_failed", {"domain": domain, "reason": reason})


def auto_renewed(order: Order, name: str, expires_at: datetime | None) -> None:
    _send(order.customer, "auto_renewed", {"order": order, "name": name, "expires_at": expires_at})


def transfer_requested(domain: CustomerDomain, gaining: str, act_by: str | None) -> None:
    _send(domain.customer, "transfer_requested", {"domain": domain, "gaining": gaining, "act_by": act_by})
