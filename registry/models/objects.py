"""The objects registrars sponsor (RFC 5731-5733): contacts, hosts and their glue, domains
with their statuses, history, grace periods, DS records and transfers.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from registry.choices import DELETION_PHASES, DERIVED_STATUSES, REFUND_GRACE, EppStatus, OperationKind, TransferStatus
from registry.models.registrars import Operation, Registrar
from registry.models.tlds import Tld

contact_handle_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,15}$", "3-16 characters: letters, digits, '.', '_' or '-'."
)


def new_auth_info() -> str:
    """A fresh EPP authInfo password (RFC 5731 section 2.6)."""
    return secrets.token_urlsafe(12)


class Contact(models.Model):
    """A contact object (RFC 5733): a person or organisation a domain names as registrant.

    ``handle`` is the contact id clients use; the sponsoring registrar owns the object. A
    deleted contact keeps its row (old domains may name it) and its handle becomes free.
    """

    handle = models.CharField(max_length=16, validators=[contact_handle_validator])
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=255)
    organization = models.CharField(max_length=255, blank=True)
    street = models.TextField(blank=True, help_text="Up to three lines.")
    city = models.CharField(max_length=255)
    state = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    country_code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    voice = models.CharField(max_length=32, blank=True, help_text="E.164a, like +1.5555551234.")
    fax = models.CharField(max_length=32, blank=True)
    email = models.EmailField()
    auth_info = models.CharField(max_length=64, default=new_auth_info)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["handle"], condition=Q(deleted_at__isnull=True), name="contact_handle_unique_live"
            ),
            models.CheckConstraint(condition=Q(country_code__regex=r"^[A-Z]{2}$"), name="contact_country_code"),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def roid(self) -> str:
        """Repository object id (RFC 5730 section 2.8)."""
        return f"C{self.pk}-NSM"

    def clean(self) -> None:
        if self.street.count("\n") > 2:
            raise ValidationError({"street": "At most three street lines."})


class Host(models.Model):
    """A nameserver host object (RFC 5732).

    A host inside a TLD this registry runs is *internal*: it needs its superordinate
    domain in the registry and glue addresses, which the TLD zone publishes. A host
    outside is *external* and carries no addresses.
    """

    name = models.CharField(max_length=253)
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="hosts")
    superordinate = models.ForeignKey(
        "Domain", on_delete=models.PROTECT, null=True, blank=True, related_name="subordinate_hosts"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=Q(deleted_at__isnull=True), name="host_name_unique_live")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.superordinate_id is not None

    @property
    def roid(self) -> str:
        """Repository object id (RFC 5730 section 2.8)."""
        return f"H{self.pk}-NSM"


class HostAddress(models.Model):
    """A glue address of an internal host."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="addresses")
    address = models.GenericIPAddressField(unpack_ipv4=True)

    class Meta:
        ordering = ["host", "address"]
        constraints = [models.UniqueConstraint(fields=["host", "address"], name="host_address_unique")]

    def __str__(self) -> str:
        return self.address

    @property
    def version(self) -> int:
        return ipaddress.ip_address(self.address).version


class Domain(models.Model):
    """A registered domain name (RFC 5731), sponsored by one registrar.

    ``name`` is the canonical ASCII form (A-labels), ``unicode_name`` the form people
    read. Statuses set by clients or the registry are DomainStatus rows; ``ok`` and
    ``inactive`` are derived. A deleted domain keeps its row (and history) with
    ``deleted_at`` set, and its name becomes available again.
    """

    name = models.CharField(max_length=253)
    unicode_name = models.CharField(max_length=253)
    tld = models.ForeignKey(Tld, on_delete=models.PROTECT, related_name="domains")
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="domains")
    registrant = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="domains")
    nameservers = models.ManyToManyField(Host, blank=True, related_name="domains")
    auth_info = models.CharField(max_length=64, default=new_auth_info)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When the name was freed (purged).")
    rgp_status = models.CharField(
        max_length=16,
        blank=True,
        choices=[(s.value, s.label) for s in DELETION_PHASES],
        help_text="The deletion phase of a deleted domain that is not purged yet (RFC 3915).",
    )
    rgp_ends_at = models.DateTimeField(null=True, blank=True, help_text="When the deletion phase ends.")
    redemption_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(deleted_at__isnull=True), name="domain_live_expiry"),
            models.Index(fields=["rgp_ends_at"], condition=Q(rgp_ends_at__isnull=False), name="domain_rgp_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(deleted_at__isnull=True), name="domain_name_unique_live"
            ),
            models.CheckConstraint(
                condition=Q(rgp_status="", rgp_ends_at__isnull=True)
                | (~Q(rgp_status="") & Q(rgp_ends_at__isnull=False)),
                name="domain_rgp_phase_has_end",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="domain_expires_after_create"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roid(self) -> str:
        """Repository object id (RFC 5730 section 2.8)."""
        return f"D{self.pk}-NSM"

    def stored_statuses(self) -> set[str]:
        return {row.status for row in self.statuses.all()}

    def epp_statuses(self) -> list[str]:
        return with_derived_statuses(self.stored_statuses(), has_nameservers=self.nameservers.exists())


def with_derived_statuses(stored: Iterable[str], *, has_nameservers: bool) -> list[str]:
    """A domain's EPP statuses: the ``stored`` ones, inactive when it has no nameservers,
    and ok when it has no other (RFC 5731 section 2.3)."""
    statuses = set(stored)
    if not has_nameservers:
        statuses.add(EppStatus.INACTIVE)
    if not statuses:
        statuses.add(EppStatus.OK)
    return sorted(statuses)


class DomainStatus(models.Model):
    """One EPP status a domain carries (clientHold, serverUpdateProhibited...)."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(max_length=32, choices=[c for c in EppStatus.choices if c[0] not in DERIVED_STATUSES])
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "domain statuses"
        constraints = [
            models.UniqueConstraint(fields=["domain", "status"], name="domain_status_unique"),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(s.value for s in DERIVED_STATUSES)), name="domain_status_not_derived"
            ),
        ]

    def __str__(self) -> str:
        return self.status


class DomainHistory(models.Model):
    """What one transform did to a domain: who, when, under which transaction ids, and
    the fields it changed (``changes`` maps a field to ``[before, after]``). ``registrar``
    is the sponsor the operation ran under; when registry staff acted (a serverHold, say)
    ``actor`` names the staff user."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="history")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="domain_history")
    kind = models.CharField(max_length=32, choices=OperationKind.choices)
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="+")
    period_years = models.PositiveSmallIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict)
    actor = models.CharField(
        max_length=150, blank=True, help_text="The registry staff user who made the change; blank for the registrar."
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "domain history"
        ordering = ["domain", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.domain.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class GracePeriod(models.Model):
    """A window after a paid command (create, renew, auto-renew, transfer) in which a
    delete gets its cost back (RFC 3915). It is current while ``ends_at`` is ahead of the
    clock; a delete or a transfer ends it early. ``registrar`` paid ``amount`` and gets it
    back; ``years`` is what the command added to the expiry, taken back with the refund."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="grace_periods")
    kind = models.CharField(max_length=16, choices=[(s.value, s.label) for s in REFUND_GRACE])
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField()
    years = models.PositiveSmallIntegerField(default=1)
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["domain", "ends_at", "id"]
        indexes = [models.Index(fields=["domain", "ends_at"], name="grace_current")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="grace_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.domain.name} {self.kind} until {self.ends_at:%Y-%m-%d %H:%M}"


class DelegationSigner(models.Model):
    """A DS record of a domain (RFC 5910 dsData): the digest of a key that signs the
    domain's zone, published in the TLD zone beside its NS records so resolvers can
    validate the chain of trust."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="ds_records")
    key_tag = models.PositiveIntegerField(validators=[MaxValueValidator(65535)])
    algorithm = models.PositiveSmallIntegerField(validators=[MaxValueValidator(255)])
    digest_type = models.PositiveSmallIntegerField(validators=[MaxValueValidator(255)])
    digest = models.CharField(max_length=128, help_text="Upper-case hexadecimal.")

    class Meta:
        verbose_name = "DS record"
        ordering = ["domain", "key_tag", "algorithm", "digest_type", "digest"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "key_tag", "algorithm", "digest_type", "digest"], name="ds_record_unique"
            ),
            models.CheckConstraint(
                condition=Q(key_tag__lte=65535) & Q(algorithm__lte=255) & Q(digest_type__lte=255), name="ds_ranges"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_tag} {self.algorithm} {self.digest_type} {self.digest}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_tag": self.key_tag,
            "algorithm": self.algorithm,
            "digest_type": self.digest_type,
            "digest": self.digest,
        }


class Transfer(models.Model):
    """One request to move a domain from its sponsoring (losing) registrar to another
    (gaining) one (RFC 5731 section 3.2.4). It is pending until the losing registrar
    approves or rejects it, the gaining one cancels it, or ``act_by`` passes and the
    registry approves it. A domain has at most one pending transfer."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="transfers")
    gaining = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="transfers_in")
    losing = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="transfers_out")
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    period_years = models.PositiveSmallIntegerField(default=1)
    fee = models.PositiveBigIntegerField(help_text="Charged to the gaining registrar when the transfer is approved.")
    requested_at = models.DateTimeField()
    act_by = models.DateTimeField(help_text="When the registry approves it if the losing registrar has not acted.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    expires_at_after = models.DateTimeField(
        null=True, blank=True, help_text="The expiry the domain gets if the transfer is approved."
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=Q(status=TransferStatus.PENDING), name="transfer_one_pending_per_domain"
            ),
            models.CheckConstraint(condition=~Q(gaining=models.F("losing")), name="transfer_between_two_registrars"),
        ]

    def __str__(self) -> str:
        return f"{self.domain.name}: {self.losing.client_id} -> {self.gaining.client_id} ({self.status})"
