"""The TLDs the registry runs: fees, periods and policies, their nameservers, reserved and
premium labels, and the publication of their zones.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from registry.errors import InvalidName
from registry.names import parse_host_name, parse_name

MIN_PERIOD_YEARS = 1

MAX_PERIOD_YEARS = 10


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

    # Not fields: columns of the raw query in registry.lookups.tld_with_policy, set only on
    # the rows it returns (the policy of one label at this TLD).
    is_reserved: bool
    premium_fee: int | None

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
    whole = models.BooleanField(  # db_default: the requests insert rows in raw SQL
        db_default=False, help_text="The next build is of the whole zone (else of the names pending alone)."
    )

    class Meta:
        ordering = ["zone"]

    def __str__(self) -> str:
        return f"{self.zone} v{self.version}"


class ZonePendingName(models.Model):
    """A domain whose delegation changed since its zone's last build: the next build sends
    the zone store that name's records alone (its NS, DS and the glue below it), so the
    cost of publishing a change does not grow with the zone."""

    zone = models.CharField(max_length=255, help_text="Absolute: 'com.'.")
    name = models.CharField(max_length=255, help_text="The domain, ASCII, without the final dot.")

    class Meta:
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="zone_pending_name_once")]

    def __str__(self) -> str:
        return f"{self.name} in {self.zone}"
