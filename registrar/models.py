"""The retail registrar's data: customers, their orders, card payments and refunds, and
the domains they hold. Nothing here refers to registry tables; the registrar learns
what the registry did from the replies to its commands and from the registry's poll
messages (``RegistryMessage``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from registrar.choices import (
    CardBehaviour,
    DomainRequestKind,
    DomainRequestState,
    DomainState,
    LineKind,
    LineState,
    OperationStatus,
    OperationType,
    OrderState,
    PaymentState,
)


class Customer(models.Model):
    """A person who buys domains here: a Django user plus the contact details that
    become the registrant contact at the registry."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer")
    name = models.CharField(max_length=255)
    organization = models.CharField(max_length=255, blank=True)
    street = models.TextField(blank=True)
    city = models.CharField(max_length=255)
    state = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    country_code = models.CharField(max_length=2)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164a, like +1.5555551234.")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(country_code__regex=r"^[A-Z]{2}$"), name="customer_country_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def registry_handle(self) -> str:
        """The id of this customer's registrant contact at the registry."""
        return f"nsm-c{self.pk}"

    def registrant_contact(self) -> dict[str, Any]:
        return {
            "handle": self.registry_handle,
            "name": self.name,
            "organization": self.organization,
            "street": self.street,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country_code": self.country_code,
            "voice": self.phone,
            "email": self.email,
        }


class PaymentCard(models.Model):
    """A card as the emulated card processor knows it after tokenising: never the full
    number, only its token, brand, last four digits and how the test card behaves."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cards")
    token = models.CharField(max_length=40, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    behaviour = models.CharField(max_length=16, choices=CardBehaviour.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"

    def expired(self, today: date) -> bool:
        """Whether the card is past its expiry month on ``today``."""
        return (self.exp_year, self.exp_month) < (today.year, today.month)


class Order(models.Model):
    """A customer's checkout: one or more lines paid with one card charge.

    SUBMITTED -> PAID -> IN_PROGRESS -> SUCCESSFUL; FAILED when the card is declined or
    every line fails (with the charge refunded); PARTIAL when only some lines failed
    (those lines refunded). ``idempotency_key`` makes a resubmitted checkout return the
    first order instead of charging twice.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    state = models.CharField(max_length=16, choices=OrderState.choices, default=OrderState.SUBMITTED)
    card = models.ForeignKey(PaymentCard, on_delete=models.PROTECT, related_name="orders")
    total = models.PositiveBigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    failure_reason = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    automatic = models.BooleanField(
        default=False, help_text="Placed by the auto-renew sweep and charged to a stored card."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "updated_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.state})"


class OrderLine(models.Model):
    """One thing an order buys (register a name for N years), with its own state.

    ``cl_trid`` is the client transaction id sent with the registry command: the
    registry acts on it at most once, however often the command is resent.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=LineKind.choices, default=LineKind.REGISTER)
    domain = models.CharField(max_length=253, help_text="ASCII (A-label) form.")
    unicode_domain = models.CharField(max_length=253)
    years = models.PositiveSmallIntegerField()
    nameservers = models.JSONField(default=list, blank=True)
    our_nameservers = models.BooleanField(
        default=False, help_text="Registered with our rental nameservers: a hosted zone serves it."
    )
    hosted_zone = models.CharField(max_length=32, blank=True, help_text="That hosted zone, once it exists.")
    first_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="Point the apex and www at this address once the hosted zone exists."
    )
    current_expiry = models.DateField(
        null=True, blank=True, help_text="Renewals: the expiry date the renewal extends (EPP's curExpDate)."
    )
    auth_info = models.CharField(
        max_length=64, blank=True, help_text="Transfers in: the auth code the customer gave, sent with the request."
    )
    contacts = models.JSONField(
        default=dict, blank=True, help_text="Contacts given with the order by role (registrant, admin, tech, billing)."
    )
    privacy = models.JSONField(default=dict, blank=True, help_text="Privacy protection asked for, by contact role.")
    auto_renew = models.BooleanField(default=True, help_text="Auto-renew of the domain this line brings.")
    registry_fee = models.PositiveBigIntegerField(help_text="What the registry charges for all years.")
    price = models.PositiveBigIntegerField(help_text="What the customer pays for this line.")
    state = models.CharField(max_length=16, choices=LineState.choices, default=LineState.PENDING)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    registry_sv_trid = models.CharField(max_length=64, blank=True)
    dispatch_count = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["state", "dispatched_at"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "domain", "kind"], name="order_line_unique_domain"),
            models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=10), name="order_line_years_range"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unicode_domain} ({self.state})"

    @property
    def cl_trid(self) -> str:
        return f"nsm-order-{self.order_id}-line-{self.pk}"

    @property
    def zone_reference(self) -> str:
        """The caller reference of a hosted zone made for this line."""
        return f"nsm-order-line-{self.pk}"


class Payment(models.Model):
    """The card charge of one order, as the emulated processor recorded it.

    ``refunded`` is the sum of the order's refunds and can never exceed ``amount``.
    """

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payment")
    amount = models.PositiveBigIntegerField()
    state = models.CharField(max_length=16, choices=PaymentState.choices, default=PaymentState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    reference = models.CharField(max_length=40, blank=True)
    failure_reason = models.TextField(blank=True)
    refunded = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    captured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(refunded__lte=models.F("amount")), name="payment_refund_within_amount")
        ]

    def __str__(self) -> str:
        return f"Payment {self.reference or self.pk} ({self.state})"


class Refund(models.Model):
    """Money given back to the card for one order line that could not be delivered."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="refund")
    amount = models.PositiveBigIntegerField()
    reason = models.TextField()
    reference = models.CharField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"Refund {self.reference}"


class CustomerDomain(models.Model):
    """A domain a customer holds through this registrar, as the registry confirmed it.

    ``state`` and ``expires_at`` follow what the registry reports (command replies and
    poll messages); a holding ends (``released_at``) when the name is transferred away
    or purged. ``auto_renew_tried_for`` is the expiry the auto-renew sweep last placed an
    order for, so each expiry is tried once.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="domains")
    name = models.CharField(max_length=253)
    unicode_name = models.CharField(max_length=253)
    expires_at = models.DateTimeField()
    auto_renew = models.BooleanField(default=True)
    state = models.CharField(max_length=16, choices=DomainState.choices, default=DomainState.ACTIVE)
    redemption_at = models.DateTimeField(null=True, blank=True, help_text="When the registry put it in redemption.")
    auto_renew_tried_for = models.DateTimeField(null=True, blank=True)
    auth_code = models.CharField(max_length=64, blank=True, help_text="The auth code last revealed to the owner.")
    auth_code_at = models.DateTimeField(null=True, blank=True)
    contacts = models.JSONField(
        default=dict,
        blank=True,
        help_text="The domain's contacts by role (registrant, admin, tech, billing); a role not here is the customer.",
    )
    privacy = models.JSONField(default=dict, blank=True, help_text="Privacy protection by contact role (on if absent).")
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="customer_domain")
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(released_at__isnull=True), name="customer_domain_unique_held"
            )
        ]

    def __str__(self) -> str:
        return self.unicode_name


class RenewalReminder(models.Model):
    """A reminder that a held domain expires soon, sent once per domain, expiry and
    lead time; the row is written before the email goes, so no reminder goes twice."""

    domain = models.ForeignKey(CustomerDomain, on_delete=models.CASCADE, related_name="reminders")
    expires_at = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    emailed = models.BooleanField(default=True, help_text="False when a closer reminder went in its place.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "expires_at", "days_before"], name="renewal_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.days_before} days before {self.expires_at:%Y-%m-%d}"


class DomainRequest(models.Model):
    """Something the owner of a held domain asks of the registry that costs nothing (reveal
    the auth code, lock or unlock transfers): one registry command, settled by its reply."""

    domain = models.ForeignKey(CustomerDomain, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=20, choices=DomainRequestKind.choices)
    data = models.JSONField(default=dict, blank=True, help_text="What the command sends (nameservers, a contact).")
    state = models.CharField(max_length=8, choices=DomainRequestState.choices, default=DomainRequestState.PENDING)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When its command last went out; the stuck-work sweep resends it."
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.domain} ({self.state})"

    @property
    def cl_trid(self) -> str:
        return f"nsm-request-{self.pk}"


class RegistryMessage(models.Model):
    """A poll message of the registry the registrar has applied: one row per message id,
    so a message delivered twice (a resent poll, two sweeps at once) is applied once."""

    message_id = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=16)
    object_name = models.CharField(max_length=253, blank=True)
    data = models.JSONField(default=dict)
    sent_at = models.DateTimeField(help_text="When the registry queued it.")
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["message_id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} (#{self.message_id})"


class RegistryPoll(models.Model):
    """The one row that says whether a chain of poll commands is under way, so sweeps in
    several processes start one chain at a time; a chain silent for PIPELINE_STUCK_AFTER
    is taken to be lost and a new one may start."""

    running_since = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "registry poll"


class DomainOperation(models.Model):
    """An operation of a customer's on a domain, as Route 53 Domains lists them: an order
    line, a domain request, or (neither) a change the registrar made alone. The status of
    the first two is their row's; ``status`` and ``message`` hold it for the third."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="operations")
    domain = models.CharField(max_length=253, help_text="ASCII (A-label) form.")
    kind = models.CharField(max_length=32, choices=OperationType.choices)
    line = models.OneToOneField(OrderLine, null=True, blank=True, on_delete=models.CASCADE, related_name="operation")
    request = models.OneToOneField(
        DomainRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="operation"
    )
    status = models.CharField(max_length=16, choices=OperationStatus.choices, blank=True)
    message = models.TextField(blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "id"]
        indexes = [models.Index(fields=["customer", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.domain}"


class DomainTag(models.Model):
    """A customer's tag on a held domain (Route 53 Domains' tags)."""

    domain = models.ForeignKey(CustomerDomain, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["domain", "key"], name="domain_tag_unique_key")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
