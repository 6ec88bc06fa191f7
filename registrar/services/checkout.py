"""Checkout: orders registering names, renewing, restoring or transferring in a held
domain. Each is validated, saved and charged in one transaction; the registry commands
go out after commit (see ``registrar.services.pipeline``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction

from config import clock
from registrar.choices import DomainState, LineKind, OrderState
from registrar.models import Customer, CustomerDomain, Order, OrderLine, Payment, PaymentCard
from registrar.services.charging import card_to_charge, mark_dispatched, settle_charge
from registrar.services.commands import PROCESS_ORDER_TASK, registry_command, send
from registrar.services.contacts import checked as checked_contacts
from registrar.services.errors import CheckoutError
from registrar.services.holdings import standing
from registrar.services.operations import record_lines
from registrar.services.quotes import Quote, quote, renewal_cost, restore_price, transfer_cost
from registry import services as registry
from registry.errors import ParameterError, RegistryError
from resolver import rental

MAX_LINES = 20


def place_order(
    customer: Customer,
    lines: list[dict[str, Any]],
    card: dict[str, Any] | PaymentCard,
    *,
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """Validate and save an order; returns (order, created).

    ``lines`` are ``{"domain", "years", "nameservers", "first_address"}`` (the last, with
    our nameservers only, points the apex and www at an address), optionally with the
    domain's ``contacts`` by role, ``privacy`` by role and ``auto_renew``; ``card`` is
    ``{"number", "exp_month", "exp_year", "cvc"}`` or a stored card of the customer's. The
    card is charged in the same transaction that saves the order; the registry commands go
    out once it commits (a card that fails transiently leaves the order to the worker's
    retries). With an
    ``idempotency_key`` already used by this customer, the first order is returned and
    nothing new is created.
    """
    return _place(customer, idempotency_key, partial(_registrations, customer, lines), card)


class _LineRefused(Exception):
    """One line of an order cannot be accepted: the line's ``field`` and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _registrations(customer: Customer, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checked lines of a registration order; the CheckoutError names the first
    problem of every line that has one."""
    if not lines:
        raise CheckoutError({"lines": "an order needs at least one domain"})
    if len(lines) > MAX_LINES:
        raise CheckoutError({"lines": f"at most {MAX_LINES} domains per order"})
    try:
        quotes = quote([line.get("domain", "") for line in lines])
    except RegistryError as exc:
        raise CheckoutError({"lines": exc.message}) from None

    errors: dict[str, str] = {}
    prepared: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, (line, q) in enumerate(zip(lines, quotes, strict=True)):
        try:
            prepared.append(_registration(customer, line, q, seen))
        except _LineRefused as exc:
            errors[f"lines[{i}].{exc.field}"] = exc.reason
    if errors:
        raise CheckoutError(errors)
    return prepared


def _registration(customer: Customer, line: dict[str, Any], q: Quote, seen: set[str]) -> dict[str, Any]:
    """One line registering a name, checked; ``seen`` holds the names of the lines before
    it, and gets this one."""
    check = q.check
    if not check.registrable:
        raise _LineRefused(
            "domain",
            f"{check.unicode or check.name}: {check.status.value}" + (f" ({check.reason})" if check.reason else ""),
        )
    # A name the registry can register comes with its ASCII form, fee and periods.
    name, fee, min_years, max_years = check.ascii, check.create_fee, check.min_years, check.max_years
    assert name is not None and fee is not None and min_years is not None and max_years is not None
    if name in seen:
        raise _LineRefused("domain", f"{check.unicode} is in the order twice")
    seen.add(name)
    years = line.get("years", 1)
    if not isinstance(years, int) or isinstance(years, bool) or not min_years <= years <= max_years:
        raise _LineRefused("years", f"{check.unicode} registers for {min_years} to {max_years} years")
    try:
        nameservers = registry.validate_nameservers(line.get("nameservers") or [])
    except RegistryError as exc:
        raise _LineRefused("nameservers", exc.message) from None
    try:
        contacts = checked_contacts(line.get("contacts") or {})
    except ParameterError as exc:
        raise _LineRefused("contacts", exc.message) from None
    hosted_zone, ours = "", not nameservers
    first_address = _first_address(line.get("first_address") or None, ours)
    if ours:  # our nameservers: the customer's zone of that name, or a delegation set for a new one
        try:
            hosted_zone, nameservers = rental.registration_nameservers(customer.user, name)
        except rental.RentalError as exc:
            raise _LineRefused("nameservers", exc.message) from None
    return {
        "kind": LineKind.REGISTER,
        "domain": name,
        "unicode_domain": check.unicode,
        "years": years,
        "nameservers": nameservers,
        "our_nameservers": ours,
        "hosted_zone": hosted_zone,
        "first_address": first_address,
        "contacts": contacts,
        "privacy": dict(line.get("privacy") or {}),
        "auto_renew": bool(line.get("auto_renew", True)),
        "registry_fee": fee * years,
        "price": q.price(years),
    }


def _first_address(first_address: object, ours: bool) -> str | None:
    """The address of the checkout's first record, if one is asked for: a valid address,
    and our nameservers to serve it."""
    if first_address is None:
        return None
    try:
        address = str(ipaddress.ip_address(str(first_address).strip()))
    except ValueError:
        raise _LineRefused("first_address", f"{first_address!r} is not an IPv4 or IPv6 address") from None
    if not ours:
        raise _LineRefused("first_address", "a first record needs our nameservers: yours hold your records")
    return address


def place_renewal(
    customer: Customer,
    name: str,
    years: object,
    card: dict[str, Any] | PaymentCard,
    *,
    idempotency_key: str | None = None,
    automatic: bool = False,
) -> tuple[Order, bool]:
    """An order renewing a domain the customer holds by ``years``; charged like a checkout
    (``card`` is the details typed in, or a stored card of the customer's). The registry
    is told the expiry date it extends, so a resent command cannot renew twice."""
    return _place(customer, idempotency_key, partial(_renewal, customer, name, years), card, automatic=automatic)


def _renewal(customer: Customer, name: str, years: object) -> list[dict[str, Any]]:
    domain = CustomerDomain.objects.filter(customer=customer, name=name, released_at=None).first()
    if domain is None:
        raise CheckoutError({"domain": f"you hold no domain {name}"})
    if domain.state != DomainState.ACTIVE:
        raise CheckoutError({"domain": f"{domain.unicode_name} is in its redemption period: restore it instead"})
    most = registry.MAX_PERIOD_YEARS
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= most:
        raise CheckoutError({"years": f"renew for 1 to {most} years"})
    try:
        fee, price = renewal_cost(domain.name, years)
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    line = {
        "kind": LineKind.RENEW,
        "domain": domain.name,
        "unicode_domain": domain.unicode_name,
        "years": years,
        "current_expiry": domain.expires_at.date(),
        "registry_fee": fee,
        "price": price,
    }
    return [line]


def place_restore(
    customer: Customer, name: str, card: dict[str, Any] | PaymentCard, *, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """An order restoring a held domain the registry has in its redemption period."""
    return _place(customer, idempotency_key, partial(_restore, customer, name), card)


def _restore(customer: Customer, name: str) -> list[dict[str, Any]]:
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
    return [line]


def place_transfer(
    customer: Customer,
    name: str,
    auth_code: str,
    card: dict[str, Any] | PaymentCard,
    *,
    idempotency_key: str | None = None,
    contacts: dict[str, dict[str, Any]] | None = None,
    privacy: dict[str, bool] | None = None,
    auto_renew: bool = True,
    nameservers: list[str] | None = None,
) -> tuple[Order, bool]:
    """An order transferring a registered name to us with its auth code; the transfer adds
    a year. The line settles when the registry reports the transfer approved (the name is
    then the customer's, with the ``contacts``, ``privacy`` and ``auto_renew`` given, and
    delegated to ``nameservers`` when given) or rejected or cancelled (the line is refunded)."""
    try:
        settings_ = {
            "contacts": checked_contacts(contacts or {}),
            "privacy": privacy or {},
            "auto_renew": auto_renew,
            "nameservers": registry.validate_nameservers(nameservers or []),
        }
    except ParameterError as exc:
        raise CheckoutError({"contacts" if "contact" in exc.message else "nameservers": exc.message}) from None
    prepare = partial(_transfer, name, auth_code, settings_)
    return _place(customer, idempotency_key, prepare, card)


def _transfer(name: str, auth_code: str, settings_: dict[str, Any]) -> list[dict[str, Any]]:
    auth_code = (auth_code or "").strip()
    try:
        registry.validate_auth_info(auth_code)  # the registry's rule, in the shop's words
    except ParameterError:
        low, high = registry.AUTH_INFO_LENGTH
        raise CheckoutError({"auth_code": f"the auth code is {low} to {high} characters long"}) from None
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
        fee, price = transfer_cost(check.ascii)
    except RegistryError as exc:
        raise CheckoutError({"domain": exc.message}) from None
    line = {
        "kind": LineKind.TRANSFER,
        "domain": check.ascii,
        "unicode_domain": check.unicode,
        "years": 1,
        "auth_info": auth_code,
        **settings_,
        "registry_fee": fee,
        "price": price,
    }
    return [line]


# --- what every order shares -------------------------------------------------------------------


def _earlier_order(customer: Customer, idempotency_key: str | None) -> Order | None:
    """The order the customer placed before with ``idempotency_key``, if any."""
    if not idempotency_key:
        return None
    return Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()


def _place(
    customer: Customer,
    idempotency_key: str | None,
    prepare: Callable[[], list[dict[str, Any]]],
    card: dict[str, Any] | PaymentCard,
    *,
    automatic: bool = False,
) -> tuple[Order, bool]:
    """Place an order of the lines ``prepare`` checks (it raises CheckoutError); returns
    (order, created). With an ``idempotency_key`` this customer used before, the first
    order comes back and nothing is checked, charged or created."""
    earlier = _earlier_order(customer, idempotency_key)
    if earlier is not None:
        return earlier, False
    return _charge_and_save(customer, prepare(), card, idempotency_key, automatic=automatic)


def _charge_and_save(
    customer: Customer,
    prepared: list[dict[str, Any]],
    card: dict[str, Any] | PaymentCard,
    idempotency_key: str | None,
    *,
    automatic: bool = False,
) -> tuple[Order, bool]:
    """Save an order of checked lines, charging the card in the same transaction; the
    registry commands go out after commit."""
    now = clock.now()
    try:
        with transaction.atomic():
            paid_with = card_to_charge(customer, card, now)
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
            settle_charge(order, order_lines, payment, now)
            if order.state == OrderState.PAID:
                mark_dispatched(order, order_lines, now)
            order.save()
            OrderLine.objects.bulk_create(order_lines)
            record_lines(customer, order_lines, now)
            payment.save()
            if order.state == OrderState.IN_PROGRESS:
                commands = [registry_command(line) for line in order_lines]
                transaction.on_commit(partial(send, commands))
            elif order.state == OrderState.SUBMITTED:
                transaction.on_commit(partial(current_app.send_task, PROCESS_ORDER_TASK, args=[order.pk]))
    except IntegrityError:
        # The same idempotency key was used by a concurrent request that won.
        existing = _earlier_order(customer, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return order, True
