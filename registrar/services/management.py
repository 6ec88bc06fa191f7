"""What an owner does with domains through an API that names no card (Route 53 Domains):
register, renew and transfer in charged to the card on file, and change a held domain's
auto-renew, privacy, contacts, nameservers, transfer lock and tags, or delete it. Each
returns the operation it started; the rules of orders and requests stay in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from django.db import transaction

from config import clock
from registrar.choices import (
    LINE_OPERATIONS,
    DomainRequestKind,
    DomainRequestState,
    DomainState,
    LineKind,
    LineState,
    OperationType,
    PaymentState,
)
from registrar.models import Customer, CustomerDomain, DomainOperation, DomainTag, OrderLine, PaymentCard
from registrar.services.charging import card_to_charge
from registrar.services.checkout import place_order, place_renewal, place_transfer
from registrar.services.contacts import checked as checked_contacts
from registrar.services.contacts import registry_contact
from registrar.services.domain_requests import request_domain_change
from registrar.services.errors import CheckoutError
from registrar.services.operations import record_done
from registry import services as registry
from registry.choices import CheckStatus
from registry.errors import ParameterError, RegistryError

MAX_TAGS = 200


class DomainError(Exception):
    """Why an owner's request about a domain is refused: ``kind`` is one of
    invalid, unsupported_tld, duplicate, tld_rules, not_found, limit."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _refused(exc: CheckoutError) -> DomainError:
    """A checkout's refusal in an owner API's terms (the first problem it names)."""
    field, message = next(iter(exc.errors.items()))
    if "not a TLD this registry runs" in message:
        return DomainError("unsupported_tld", message)
    if field.endswith("years"):
        return DomainError("tld_rules", message)
    return DomainError("invalid", message)


def card_on_file(customer: Customer) -> PaymentCard:
    """The card an API order is charged to: the customer's newest card that has not expired."""
    today = clock.now().date()
    for card in PaymentCard.objects.filter(customer=customer).order_by("-created_at", "-pk"):
        if not card.expired(today):
            return card
    raise DomainError(
        "invalid",
        "There is no payment card on file: keep one on the shop's account page (Card on file), "
        "or pay for an order in the shop once and its card is kept",
    )


def current_card(customer: Customer) -> PaymentCard | None:
    """The card on file, or None."""
    try:
        return card_on_file(customer)
    except DomainError:
        return None


def keep_card(customer: Customer, details: dict[str, Any]) -> PaymentCard:
    """Put a card on file (it becomes the newest); CheckoutError says what is wrong with it."""
    return card_to_charge(customer, details, clock.now())


def _operation_of(order_id: int) -> str:
    line = OrderLine.objects.filter(order_id=order_id).select_related("operation").first()
    assert line is not None
    return str(line.operation.id)


OPEN_LINE_STATES = (LineState.PENDING, LineState.IN_PROGRESS, LineState.AWAITING_TRANSFER)


def _no_open_line(customer: Customer, name: str, kind: str) -> None:
    lines = OrderLine.objects.filter(order__customer=customer, domain=name, kind=kind, state__in=OPEN_LINE_STATES)
    if lines.exists():
        raise DomainError("duplicate", f"The operation for {name} is already in progress")


def _within_domain_limit(customer: Customer) -> None:
    """Room for one more domain: those held and those on their way in stay under the quota."""
    held_count = CustomerDomain.objects.filter(customer=customer, released_at=None).count()
    coming = OrderLine.objects.filter(
        order__customer=customer, kind__in=(LineKind.REGISTER, LineKind.TRANSFER), state__in=OPEN_LINE_STATES
    ).count()
    if held_count + coming >= settings.ROUTE53_DOMAINS_LIMIT:
        raise DomainError(
            "limit",
            f"The number of domains has exceeded the allowed threshold for the account "
            f"({settings.ROUTE53_DOMAINS_LIMIT}, ROUTE53_DOMAINS_LIMIT)",
        )


def register(
    customer: Customer,
    name: str,
    years: int,
    *,
    contacts: dict[str, dict[str, Any]],
    privacy: dict[str, bool],
    auto_renew: bool,
) -> str:
    """Register ``name`` on our nameservers (a hosted zone is made for it), charged to the
    card on file; returns the operation id."""
    ascii_name = _ascii(name)
    _no_open_line(customer, ascii_name, LineKind.REGISTER)
    if CustomerDomain.objects.filter(customer=customer, name=ascii_name, released_at=None).exists():
        raise DomainError("duplicate", f"{ascii_name} is registered in your account already")
    _within_domain_limit(customer)
    line = {"domain": name, "years": years, "contacts": contacts, "privacy": privacy, "auto_renew": auto_renew}
    try:
        order, _ = place_order(customer, [line], card_on_file(customer))
    except CheckoutError as exc:
        raise _refused(exc) from None
    return _operation_of(order.pk)


def renew(customer: Customer, name: str, years: int, current_expiry_year: int) -> str:
    """Renew a held domain by ``years``, charged to the card on file; ``current_expiry_year``
    must be its expiry's year, so a resent request cannot renew twice."""
    domain = held(customer, name)
    if domain.expires_at.year != current_expiry_year:
        raise DomainError(
            "invalid",
            f"The current expiry year of {domain.name} is {domain.expires_at.year}, not {current_expiry_year}",
        )
    _no_open_line(customer, domain.name, LineKind.RENEW)
    try:
        order, _ = place_renewal(customer, domain.name, years, card_on_file(customer))
    except CheckoutError as exc:
        raise _refused(exc) from None
    return _operation_of(order.pk)


def transfer_in(
    customer: Customer,
    name: str,
    auth_code: str,
    *,
    contacts: dict[str, dict[str, Any]],
    privacy: dict[str, bool],
    auto_renew: bool,
    nameservers: list[str],
) -> str:
    """Transfer a name registered with another registrar to us with its auth code; once
    the transfer succeeds, the name is delegated to ``nameservers`` when given."""
    _no_open_line(customer, _ascii(name), LineKind.TRANSFER)
    _within_domain_limit(customer)
    try:
        order, _ = place_transfer(
            customer,
            name,
            auth_code,
            card_on_file(customer),
            contacts=contacts,
            privacy=privacy,
            auto_renew=auto_renew,
            nameservers=nameservers,
        )
    except CheckoutError as exc:
        raise _refused(exc) from None
    return _operation_of(order.pk)


def name_check(name: str) -> registry.NameCheck:
    """The registry's check of one name; a name it cannot take at all is refused:
    unsupported_tld for a TLD it does not run, invalid for a malformed name."""
    try:
        [check] = registry.check([name])
    except RegistryError as exc:
        raise DomainError("invalid", exc.message) from None
    if check.status == CheckStatus.INVALID and "not a TLD this registry runs" in check.reason:
        raise DomainError("unsupported_tld", f"TLD of {name} is not supported: {check.reason}")
    if check.ascii is None:
        raise DomainError("invalid", f"Invalid domain name {name}: {check.reason}")
    return check


def _ascii(name: str) -> str:
    ascii_name = name_check(name).ascii
    assert ascii_name is not None  # name_check refuses a name without one
    return ascii_name


# --- a held domain ------------------------------------------------------------------------------


def held(customer: Customer, name: str) -> CustomerDomain:
    """The customer's holding of ``name`` (its ASCII or Unicode form, any case)."""
    text = name.strip().rstrip(".").lower()
    domain = (
        CustomerDomain.objects.filter(customer=customer, released_at=None, name=text).first()
        or CustomerDomain.objects.filter(customer=customer, released_at=None, unicode_name=text).first()
    )
    if domain is None:
        if "." not in text:
            raise DomainError("invalid", f"Invalid domain name {text}: domain name must contain more than 1 label")
        tld = text.rpartition(".")[2]
        if tld and tld not in registry.tld_names():
            raise DomainError("unsupported_tld", f"TLD {tld} is not supported: this registry does not run it")
        raise DomainError("not_found", f"Domain {text} not found in your account")
    return domain


def set_auto_renew(customer: Customer, name: str, on: bool) -> DomainOperation:
    domain = held(customer, name)
    with transaction.atomic():
        CustomerDomain.objects.filter(pk=domain.pk).update(auto_renew=on)
        kind = OperationType.ENABLE_AUTORENEW if on else OperationType.DISABLE_AUTORENEW
        return record_done(customer, domain.name, kind, clock.now())


def set_privacy(customer: Customer, name: str, privacy: dict[str, bool]) -> str:
    """Turn privacy protection on or off per contact role (registrant, admin, tech, billing)."""
    domain = held(customer, name)
    if not privacy:
        raise DomainError("invalid", "Say which contacts' privacy to change")
    with transaction.atomic():
        domain.privacy = domain.privacy | privacy
        domain.save(update_fields=["privacy"])
        return str(record_done(customer, domain.name, OperationType.CHANGE_PRIVACY_PROTECTION, clock.now()).id)


def update_contacts(customer: Customer, name: str, contacts: dict[str, dict[str, Any]]) -> str:
    """Change a held domain's contacts. The registrar keeps the admin, tech and billing
    contacts itself (done at once); a new registrant goes to the registry as the domain's
    own contact object, and the operation lasts until the registry has it."""
    domain = held(customer, name)
    if not contacts:
        raise DomainError("invalid", "Give at least one contact to change")
    try:
        contacts = checked_contacts(contacts)
    except ParameterError as exc:
        raise DomainError("invalid", exc.message) from None
    registrant = contacts.pop("registrant", None)
    with transaction.atomic():
        if contacts:
            domain.contacts = domain.contacts | contacts
            domain.save(update_fields=["contacts"])
        if registrant is None:
            return str(record_done(customer, domain.name, OperationType.UPDATE_DOMAIN_CONTACT, clock.now()).id)
        data = {"registrant": registry_contact(f"nsm-d{domain.pk}", registrant), "detail": registrant}
        return _request(customer, domain, DomainRequestKind.CONTACT, data)


def update_nameservers(
    customer: Customer, name: str, nameservers: list[str], glue: dict[str, list[str]] | None = None
) -> str:
    """Delegate a held domain to ``nameservers`` (the whole list); ``glue`` gives the
    addresses of those under the domain itself (one IPv4 and one IPv6 at most each), made
    or changed at the registry before the delegation."""
    domain = held(customer, name)
    try:
        wanted = registry.validate_nameservers(nameservers)
        current = registry.info_domain(domain.name).nameservers
    except RegistryError as exc:
        raise DomainError("invalid", exc.message) from None
    if not wanted:
        raise DomainError("invalid", "A domain needs at least two nameservers")
    hosts = _glue(domain.name, glue or {})
    _named_hosts_exist([ns for ns in wanted if ns not in {host["name"] for host in hosts}])
    add = [ns for ns in wanted if ns not in current]
    remove = [ns for ns in current if ns not in wanted]
    if not add and not remove and not hosts:
        return str(record_done(customer, domain.name, OperationType.UPDATE_NAMESERVER, clock.now()).id)
    return _request(customer, domain, DomainRequestKind.NAMESERVERS, {"add": add, "remove": remove, "hosts": hosts})


def _glue(domain: str, glue: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The hosts to make or change for ``glue``: names under ``domain`` only, each with one
    IPv4 and one IPv6 address at most, both valid glue."""
    hosts = []
    for raw, addresses in glue.items():
        host = raw.strip().rstrip(".").lower()
        if not host.endswith(f".{domain}"):
            raise DomainError("invalid", f"GlueIps are only for nameservers under {domain}; {host} is not")
        try:
            cleaned = registry.glue_addresses(addresses)
        except ParameterError as exc:
            raise DomainError("invalid", f"{host}: {exc.message}") from None
        versions = [ip_address(address).version for address in cleaned]
        if versions.count(4) > 1 or versions.count(6) > 1:
            raise DomainError("invalid", f"{host}: GlueIps hold one IPv4 and one IPv6 address at most")
        hosts.append({"name": host, "addresses": cleaned})
    return hosts


def _named_hosts_exist(names: list[str]) -> None:
    """Nameservers under a TLD this registry runs exist there before a domain names them."""
    ours = set(registry.tld_names())
    under_ours = [ns for ns in names if ns.rsplit(".", 1)[-1] in ours]
    missing = [c.name for c in registry.check_hosts(under_ours) if c.available] if under_ours else []
    if missing:
        raise DomainError(
            "invalid",
            f"The nameserver {missing[0]} does not exist at the registry: a host under a TLD it runs is created "
            "first, with its glue addresses (GlueIps, for a name under the domain itself)",
        )


def set_transfer_lock(customer: Customer, name: str, locked: bool) -> str:
    domain = held(customer, name)
    return _request(customer, domain, DomainRequestKind.LOCK if locked else DomainRequestKind.UNLOCK, {})


def delete(customer: Customer, name: str) -> str:
    """Delete a held domain at the registry: gone at once within its add grace period
    (the registry refunds its fee), else into its redemption period."""
    domain = held(customer, name)
    return _request(customer, domain, DomainRequestKind.DELETE, {})


def _request(customer: Customer, domain: CustomerDomain, kind: DomainRequestKind, data: dict[str, Any]) -> str:
    if domain.state != DomainState.ACTIVE:
        raise DomainError("invalid", f"{domain.name} is in its redemption period: restore it first")
    pending = domain.requests.filter(state=DomainRequestState.PENDING, kind=kind).exists()
    if pending:
        raise DomainError("duplicate", f"The same change to {domain.name} is already in progress")
    try:
        request = request_domain_change(customer, domain.name, kind, data)
    except CheckoutError as exc:
        raise _refused(exc) from None
    return str(request.operation.id)


def auth_code(customer: Customer, name: str) -> str:
    """A held domain's auth code, as the registry has it now."""
    domain = held(customer, name)
    try:
        info = registry.info_domain(domain.name, registrar=registry.get_registrar(settings.REGISTRAR_CLIENT_ID))
    except RegistryError as exc:
        raise DomainError("invalid", exc.message) from None
    return info.auth_info or ""


def tags(customer: Customer, name: str) -> list[tuple[str, str]]:
    return list(held(customer, name).tags.values_list("key", "value"))


def set_tags(customer: Customer, name: str, pairs: list[tuple[str, str]]) -> None:
    domain = held(customer, name)
    with transaction.atomic():
        for key, value in pairs:
            DomainTag.objects.update_or_create(domain=domain, key=key, defaults={"value": value})
        if domain.tags.count() > MAX_TAGS:
            raise DomainError("invalid", f"A domain has at most {MAX_TAGS} tags")


def delete_tags(customer: Customer, name: str, keys: list[str]) -> None:
    held(customer, name).tags.filter(key__in=keys).delete()


# --- billing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingRecord:
    domain: str
    kind: str
    invoice: str
    billed_at: datetime
    amount: int  # minor units


def billing(customer: Customer, start: datetime | None, end: datetime | None) -> list[BillingRecord]:
    """What the customer paid, per order line, oldest first: captured charges of lines that
    were not refunded (an auto-renewal too)."""
    lines = OrderLine.objects.filter(
        order__customer=customer, order__payment__state=PaymentState.CAPTURED, refund__isnull=True
    ).select_related("order__payment")
    if start is not None:
        lines = lines.filter(order__payment__captured_at__gte=start)
    if end is not None:
        lines = lines.filter(order__payment__captured_at__lt=end)
    records = []
    for line in lines.order_by("order__payment__captured_at", "pk"):
        payment = line.order.payment
        assert payment.captured_at is not None
        kind = LINE_OPERATIONS[line.kind]
        records.append(BillingRecord(line.domain, kind, payment.reference, payment.captured_at, line.price))
    return records


# --- transfers in -------------------------------------------------------------------------------

TRANSFER_BLOCKERS = ("clientTransferProhibited", "serverTransferProhibited", "pendingTransfer", "pendingDelete")


def transferability(customer: Customer, name: str, given_code: str | None) -> tuple[str, str]:
    """Whether ``name`` can be transferred to this customer: (verdict, why), the verdict
    one of transferable, untransferable, own_account, another_account."""
    ascii_name = _ascii(name)
    holding = CustomerDomain.objects.filter(name=ascii_name, released_at=None).first()
    if holding is not None:
        if holding.customer_id == customer.pk:
            return "own_account", f"{ascii_name} is in your account already"
        return "another_account", f"{ascii_name} is with this registrar in another account"
    try:
        info = registry.info_domain(ascii_name, auth_info=given_code or None)
    except RegistryError as exc:
        return "untransferable", exc.message
    blockers = [status for status in info.statuses if status in TRANSFER_BLOCKERS]
    if blockers:
        return "untransferable", f"{ascii_name} has the status {', '.join(blockers)}"
    return "transferable", ""
