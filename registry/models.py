"""The registry's data: TLDs it runs, accredited registrars and their money, and the
objects of RFC 5730-5733 (domains, hosts, contacts) with their history.

Rules that span several rows live in ``registry.services``; the invariants a single row
must keep are here, as ``clean()`` checks and database constraints.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import uuid
from collections.abc import Iterable

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from registry.choices import (
    DELETION_PHASES,
    DERIVED_STATUSES,
    REFUND_GRACE,
    ApiOperationState,
    EppStatus,
    LedgerKind,
    OperationKind,
    PollKind,
    TransferStatus,
)
from registry.errors import InvalidName
from registry.names import parse_host_name, parse_name

MIN_PERIOD_YEARS = 1
MAX_PERIOD_YEARS = 10

client_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{2,15}$", "3-16 characters: lower-case letters, digits and hyphens."
)
contact_handle_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,15}$", "3-16 characters: letters, digits, '.', '_' or '-'."
)


def new_auth_info() -> str:
    """A fresh EPP authInfo password (RFC 5731 section 2.6)."""
    return secrets.token_urlsafe(12)


class Tld(models.Model):
    """A top-level domain the registry runs, with its price list and registration policy.

    Fees are per year of registration in minor units of the registry currency; premium
    names override the per-year fee for create, renew and transfer.
    """

    name = models.CharField(max_length=63, unique=True, help_text="ASCII (A-label) form, no dots.")
    create_fee = models.PositiveBigIntegerField()
    renew_fee = models.PositiveBigIntegerField()
    transfer_fee = models.PositiveBigIntegerField()
    restore_fee = models.PositiveBigIntegerField(help_text="One-off fee to restore a deleted domain.")
    min_years = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(MIN_PERIOD_YEARS), MaxValueValidator(MAX_PERIOD_YEARS)]
    )
    max_years = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(MIN_PERIOD_YEARS), MaxValueValidator(MAX_PERIOD_YEARS)]
    )
    allows_idn = models.BooleanField(default=True, help_text="Whether IDN (xn--) labels may be registered.")
    # Lifecycle periods in days (defaults as Nomulus and most gTLDs have them).
    add_grace_days = models.PositiveSmallIntegerField(
        default=5, help_text="A delete this soon after the create refunds the create fee and frees the name at once."
    )
    renew_grace_days = models.PositiveSmallIntegerField(
        default=5, help_text="A delete this soon after a renew refunds the renew fee."
    )
    auto_renew_grace_days = models.PositiveSmallIntegerField(
        default=45, help_text="A delete this soon after the expiry date refunds the registry's auto-renewal."
    )
    transfer_grace_days = models.PositiveSmallIntegerField(
        default=5, help_text="A delete this soon after a transfer refunds the transfer fee."
    )
    pending_transfer_days = models.PositiveSmallIntegerField(
        default=5, help_text="The registry approves a transfer the sponsor has not answered after this long."
    )
    redemption_days = models.PositiveSmallIntegerField(
        default=30, help_text="A deleted domain can be restored for this long (out of the zone meanwhile)."
    )
    pending_restore_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="How long the registry waits for the restore report after a restore request; "
        "0 restores on the request alone.",
    )
    pending_delete_days = models.PositiveSmallIntegerField(
        default=5, help_text="After the redemption period, the name is purged and free again after this long."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TLD"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_years__gte=MIN_PERIOD_YEARS)
                & Q(max_years__lte=MAX_PERIOD_YEARS)
                & Q(min_years__lte=models.F("max_years")),
                name="tld_period_range",
            ),
            models.CheckConstraint(condition=~Q(name__contains="."), name="tld_single_label"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_name(f"x.{self.name}")
        except InvalidName as exc:
            raise ValidationError({"name": str(exc)}) from None
        if self.name != self.name.lower():
            raise ValidationError({"name": "TLD names are stored in lower case."})
        if self.min_years > self.max_years:
            raise ValidationError({"min_years": "The minimum period is longer than the maximum."})


class TldNameserver(models.Model):
    """A server that answers for a TLD zone (``a.gtld-servers.net`` for com and net)."""

    tld = models.ForeignKey(Tld, on_delete=models.CASCADE, related_name="nameservers")
    hostname = models.CharField(max_length=253)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "TLD nameserver"
        ordering = ["tld", "position", "hostname"]
        constraints = [models.UniqueConstraint(fields=["tld", "hostname"], name="tld_nameserver_unique")]

    def __str__(self) -> str:
        return self.hostname

    def clean(self) -> None:
        try:
            self.hostname = parse_host_name(self.hostname).ascii
        except InvalidName as exc:
            raise ValidationError({"hostname": str(exc)}) from None


class ReservedName(models.Model):
    """A second-level label that cannot be registered under a TLD (for policy reasons)."""

    tld = models.ForeignKey(Tld, on_delete=models.CASCADE, related_name="reserved_names")
    label = models.CharField(max_length=63, help_text="ASCII (A-label) form.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["tld", "label"]
        constraints = [models.UniqueConstraint(fields=["tld", "label"], name="reserved_name_unique")]

    def __str__(self) -> str:
        return f"{self.label}.{self.tld.name}"


class PremiumName(models.Model):
    """A second-level label sold at its own per-year fee instead of the TLD's."""

    tld = models.ForeignKey(Tld, on_delete=models.CASCADE, related_name="premium_names")
    label = models.CharField(max_length=63, help_text="ASCII (A-label) form.")
    annual_fee = models.PositiveBigIntegerField(help_text="Per year, for create, renew and transfer.")

    class Meta:
        ordering = ["tld", "label"]
        constraints = [models.UniqueConstraint(fields=["tld", "label"], name="premium_name_unique")]

    def __str__(self) -> str:
        return f"{self.label}.{self.tld.name}"


class Registrar(models.Model):
    """A registrar accredited at this registry, with its prepaid account.

    Every fee the registry charges is debited from ``balance``, which can never go
    negative; each change of it is one LedgerEntry, so the balance always equals the sum
    of the registrar's ledger. The EPP password and API tokens are stored hashed.
    """

    client_id = models.CharField(
        max_length=16, unique=True, validators=[client_id_validator], help_text="EPP login id."
    )
    name = models.CharField(max_length=200)
    iana_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    url = models.URLField(blank=True)
    epp_password = models.CharField(max_length=128, help_text="Hashed; set with set_epp_password().")
    balance = models.BigIntegerField(default=0, help_text="Prepaid funds in minor units.")
    is_active = models.BooleanField(default=True)
    is_internal = models.BooleanField(default=False, help_text="The registrar run by this emulator's own web shop.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client_id"]
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="registrar_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def set_epp_password(self, raw: str) -> None:
        self.epp_password = make_password(raw)

    def check_epp_password(self, raw: str) -> bool:
        return check_password(raw, self.epp_password)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RegistrarToken(models.Model):
    """An API token of a registrar. Only a digest is stored; the token is shown once.

    Tokens look like ``nsm_<prefix>_<secret>``; the prefix finds the row, the digest of
    the whole token proves it.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registrar", "created_at"]

    def __str__(self) -> str:
        return f"nsm_{self.prefix}_… ({self.label})"

    def set_token(self, token: str | None = None) -> str:
        """Give the row a token (random unless given) and return its plain text, which
        is not kept: only the prefix and the digest are."""
        if token is None:
            token = f"nsm_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}"
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "nsm" or not parts[1] or not parts[2]:
            raise ValueError("a registrar token looks like nsm_<prefix>_<secret>")
        self.prefix, self.digest = parts[1], _token_digest(token)
        return token

    @classmethod
    def issue(cls, registrar: Registrar, label: str, token: str | None = None) -> tuple[RegistrarToken, str]:
        """Create a token (random unless given) and return it with its plain text."""
        row = cls(registrar=registrar, label=label)
        token = row.set_token(token)
        row.save()
        return row, token

    @classmethod
    def find(cls, token: str) -> RegistrarToken | None:
        """The live token row of an active registrar that ``token`` proves, or None."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "nsm":
            return None
        row = cls.objects.select_related("registrar").filter(prefix=parts[1], revoked_at=None).first()
        if row is None or not secrets.compare_digest(row.digest, _token_digest(token)):
            return None
        return row if row.registrar.is_active else None

    @classmethod
    def authenticate(cls, token: str) -> Registrar | None:
        row = cls.find(token)
        return row.registrar if row else None


class Operation(models.Model):
    """One transform the registry performed, as a client asked for it.

    The client transaction id (EPP clTRID) makes transforms idempotent: a second request
    with the same id from the same registrar gets ``response`` back instead of running
    again. ``sv_trid`` is the registry's own unique id for the transaction. Ledger entries
    and history rows point here, so every charge names the command that caused it.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(max_length=32, choices=OperationKind.choices)
    cl_trid = models.CharField(max_length=64, null=True, blank=True)
    sv_trid = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64, help_text="Digest of the request parameters.")
    object_name = models.CharField(max_length=253, blank=True)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registrar", "cl_trid"], condition=Q(cl_trid__isnull=False), name="operation_cltrid_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} ({self.sv_trid})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("ledger entries are append-only")

    def delete(self):
        raise TypeError("ledger entries are append-only")


class LedgerEntry(models.Model):
    """One movement of a registrar's prepaid funds: a top-up, a charge or a refund.

    Append-only: rows are never changed or deleted. Charges are negative, top-ups and
    refunds positive; ``balance_after`` is the registrar's balance right after the entry.
    """

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    amount = models.BigIntegerField(help_text="Minor units; negative for charges.")
    balance_after = models.BigIntegerField()
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="ledger_entries")
    object_name = models.CharField(max_length=253, blank=True)
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["registrar", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=LedgerKind.CHARGE) & Q(amount__lt=0))
                | (Q(kind__in=[LedgerKind.TOPUP, LedgerKind.REFUND]) & Q(amount__gt=0)),
                name="ledger_amount_sign_matches_kind",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.registrar.client_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are append-only")


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

    def as_dict(self) -> dict:
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


class PollMessage(models.Model):
    """A message the registry queued for a registrar (RFC 5730 poll): a transfer asked
    for, approved or rejected, an auto-renewal, a change by registry staff. The registrar
    reads the oldest unacknowledged one and acknowledges it to see the next."""

    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="poll_messages")
    kind = models.CharField(max_length=16, choices=PollKind.choices)
    object_name = models.CharField(max_length=253, blank=True)
    message = models.CharField(max_length=255)
    data = models.JSONField(default=dict, help_text="What the message is about, by field (trStatus, dates...).")
    created_at = models.DateTimeField()
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registrar", "id"]
        indexes = [models.Index(fields=["registrar", "acked_at", "id"], name="poll_queue")]

    def __str__(self) -> str:
        return f"{self.registrar.client_id}: {self.message}"


class ApiOperation(models.Model):
    """A transform asked for through the REST API and carried out by a Celery task, as
    Route 53 Domains does: the client gets the id at once and reads the state until it is
    final. ``idempotency_key`` (the Idempotency-Key header) makes a resent request return
    the first operation; the task runs the service with a client transaction id derived
    from the id, so a task run twice changes nothing twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    registrar = models.ForeignKey(Registrar, on_delete=models.PROTECT, related_name="api_operations")
    kind = models.CharField(max_length=32, choices=OperationKind.choices)
    object_name = models.CharField(max_length=253, blank=True)
    params = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Digest of kind and params, to spot a reused key.")
    state = models.CharField(max_length=16, choices=ApiOperationState.choices, default=ApiOperationState.SUBMITTED)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True, help_text="code, title and detail when FAILED or ERROR.")
    submitted_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registrar", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="api_operation_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_name} ({self.state})"


class ZonePublication(models.Model):
    """The registry's side of publishing one of its zones (the root or a TLD).

    A change asks for a build by setting ``requested_at`` (only if it is not set yet, so
    a burst of changes queues one build); the build clears it before reading the data,
    so a change that commits during a build asks again. ``version`` counts builds and
    lets the zone store ignore one that arrives late. ``build_seconds`` spaces builds so
    that building the zone takes at most ``ZONE_BUILD_SHARE`` of the time.
    """

    zone = models.CharField(max_length=255, unique=True, help_text="Absolute: '.' or 'com.'.")
    version = models.PositiveBigIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0.0, help_text="How long the last build took; spaces the next.")

    class Meta:
        ordering = ["zone"]

    def __str__(self) -> str:
        return f"{self.zone} v{self.version}"
