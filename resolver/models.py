"""The zone store: every zone the DNS engine serves, in the version last published.

The registry publishes the root and TLD zones here, the rental service its hosted zones;
``run_dns`` loads them into memory and never reads the database per query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from resolver.choices import (
    ChangeStatus,
    FailoverRole,
    HealthCheckKind,
    HealthOverride,
    HealthStatus,
    RecordType,
    RoutingPolicy,
    TaggedKind,
    TsigAlgorithm,
    ZoneKind,
)

MAX_SERIAL = 2**32 - 1
MAX_TTL = 2**31 - 1


class Zone(models.Model):
    """One DNS zone as last published: its records and the planned servers that serve it.

    ``records`` is a list of ``[owner, ttl, type, rdata]`` in presentation format with
    absolute lower-case owner names, the SOA among them; ``serial`` is the SOA serial,
    which only grows. ``version`` is the publisher's own counter, so a build that arrives
    late never replaces a newer one. ``servers`` names the planned servers (host names of
    the network plan) that answer for the zone. ``routed`` holds a hosted zone's record sets
    under a routing policy, each member with its health (see ``resolver.dns.authoritative.routing``).
    """

    key = models.CharField(
        max_length=255, unique=True, help_text="The zone's name, or for a hosted zone its id (several share a name)."
    )
    name = models.CharField(max_length=255, db_index=True, help_text="Absolute, lower case: 'com.', '.'.")
    kind = models.CharField(max_length=16, choices=ZoneKind.choices)
    serial = models.PositiveBigIntegerField()
    version = models.PositiveBigIntegerField(default=0)
    records = models.JSONField(default=list)
    routed = models.JSONField(default=list, blank=True, help_text="Record sets under a routing policy.")
    servers = models.JSONField(default=list)
    notify = models.JSONField(
        default=list, blank=True, help_text="Secondaries told of each version by NOTIFY: 'address' or 'address:port'."
    )
    transfer = models.JSONField(
        default=dict,
        blank=True,
        help_text="Who may transfer the zone: {'allow': [networks], 'key': TSIG key name}; empty: DNS_TRANSFER_ALLOW.",
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(serial__lte=MAX_SERIAL), name="zone_serial_fits_32_bits"),
            models.CheckConstraint(condition=Q(name__endswith="."), name="zone_name_absolute"),
            models.UniqueConstraint(fields=["name"], condition=~Q(kind="hosted"), name="zone_name_once_unless_hosted"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (serial {self.serial})"

    @property
    def record_count(self) -> int:
        return len(self.records)


class ZoneDelta(models.Model):
    """What one published version of a zone changed from the one before: the records
    removed and added, as a zone transfer shows them (a routed record set as the union of
    its healthy members), the old and new SOA among them. run_dns applies these to the
    zone it holds instead of loading it whole, and answers IXFR (RFC 1995) from them; a
    zone keeps the last ``DNS_ZONE_HISTORY`` of them. ``load_whole`` says a server must
    load this version whole: its routed record sets changed (the delta shows them merged),
    or its secondaries."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="deltas", to_field="key")
    serial_from = models.PositiveBigIntegerField()
    serial_to = models.PositiveBigIntegerField()
    removed = models.JSONField(default=list)
    added = models.JSONField(default=list)
    load_whole = models.BooleanField(default=False)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["zone", "serial_to"]
        constraints = [models.UniqueConstraint(fields=["zone", "serial_from"], name="zone_delta_once_per_serial")]

    def __str__(self) -> str:
        return f"{self.zone_id} {self.serial_from} -> {self.serial_to}"


class DelegationSet(models.Model):
    """A reusable delegation set (Route 53's): four rental nameservers an account keeps to
    give several of its hosted zones the same nameservers (never two zones of one name)."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegation_sets")
    caller_reference = models.CharField(max_length=128)
    nameservers = models.JSONField(default=list, help_text="Host names of four rental nameservers.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "caller_reference"], name="delegation_set_caller_reference")
        ]

    def __str__(self) -> str:
        return self.id


class PoolServer(models.Model):
    """A rental nameserver the pool grew by (``NetworkPlan.rental_server``) when a new zone
    found none free among those before it: several zones of one name never share a
    server. Its address record is published in its pool domain's zone."""

    number = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=255, unique=True)
    address = models.GenericIPAddressField()
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class HostedZone(models.Model):
    """A zone the nameserver-rental service answers for on a customer's behalf (Route 53's
    hosted zone): its name, its owner, and the delegation set of four rental nameservers
    that serve it. Its records are the SOA and apex NS the service keeps, plus the
    customer's record sets; every change batch bumps ``version`` and publishes the zone
    anew. Several zones may share a name (any account's, as on Route 53), never a
    nameserver: the world reaches the one the name is delegated to."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_zones")
    name = models.CharField(max_length=255, db_index=True, help_text="Absolute, lower case, ASCII: 'example.com.'.")
    nameservers = models.JSONField(default=list, help_text="Host names of the rental servers that serve it.")
    delegation_set = models.ForeignKey(
        DelegationSet, on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_zones"
    )
    comment = models.CharField(max_length=256, blank=True)
    caller_reference = models.CharField(max_length=128, help_text="The creator's key: a retry finds the same zone.")
    notify_targets = models.JSONField(
        default=list, blank=True, help_text="Secondary servers told of each version by NOTIFY: 'address[:port]'."
    )
    transfer_allow = models.JSONField(
        default=list, blank=True, help_text="Networks that may transfer the zone (AXFR, IXFR); none: loopback."
    )
    transfer_key = models.CharField(
        max_length=255, blank=True, help_text="A TSIG key of the zone that transfers must be signed with."
    )
    version = models.PositiveBigIntegerField(default=0)
    publication_queued = models.BooleanField(
        default=False, help_text="A publication is queued and not started: changes meanwhile ride on it."
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "caller_reference"], name="hosted_zone_caller_reference"),
            models.CheckConstraint(condition=Q(name__endswith="."), name="hosted_zone_name_absolute"),
        ]

    def __str__(self) -> str:
        return self.name


class TsigKey(models.Model):
    """A shared secret (RFC 8945 TSIG) that lets whoever holds it send DNS UPDATE messages
    (RFC 2136) for one hosted zone to its nameservers, as ``nsupdate -k`` or certbot's
    rfc2136 plugin do. Not a Route 53 feature: Route 53 takes changes through its API
    alone. The key's name is what a signed message names, so it is unique."""

    name = models.CharField(max_length=255, unique=True, help_text="Absolute, lower case: 'update.example.com.'.")
    zone = models.ForeignKey(HostedZone, on_delete=models.CASCADE, related_name="tsig_keys")
    algorithm = models.CharField(max_length=16, choices=TsigAlgorithm.choices, default=TsigAlgorithm.HMAC_SHA256)
    secret = models.CharField(max_length=128, help_text="Base64, as BIND's key files give it.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(name__endswith="."), name="tsig_key_name_absolute")]

    def __str__(self) -> str:
        return self.name


class HealthCheck(models.Model):
    """A check of one of the customer's endpoints (Route 53's health check).

    Several emulated checker locations (``regions``, else HEALTH_CHECKER_LOCATIONS) probe
    the endpoint every ``interval`` seconds; a checker calls it unhealthy after
    ``failure_threshold`` failures in a row and healthy again after as many successes. The
    check is healthy while more than 18% of the checkers say so (the opposite when
    ``inverted``). A calculated check is healthy while at least ``healthy_threshold`` of
    its children are. A ``disabled`` check is healthy and not probed; ``override`` forces
    a status by hand. The endpoint is ``ip_address``, or ``host`` resolved through the
    emulated resolver; one outside the emulated network is never probed (see
    HEALTH_OUTSIDE_STATUS). Record sets that name the check are left out of answers while
    it is unhealthy. ``version`` counts its updates, as Route 53's HealthCheckVersion."""

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_checks")
    name = models.CharField(max_length=128, blank=True)
    caller_reference = models.CharField(max_length=64, blank=True, help_text="The creator's key: a retry finds it.")
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=12, choices=HealthCheckKind.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True, help_text="The endpoint's address.")
    port = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(
        max_length=255,
        blank=True,
        help_text="The endpoint's name: HTTP Host and TLS server name, resolved without an IP.",
    )
    path = models.CharField(max_length=255, blank=True, default="/")
    search_string = models.CharField(max_length=255, blank=True, help_text="Healthy only if the body holds it.")
    interval = models.PositiveSmallIntegerField(default=30, help_text="Seconds between probes: 10 or 30.")
    failure_threshold = models.PositiveSmallIntegerField(default=3)
    children = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="parents")
    healthy_threshold = models.PositiveSmallIntegerField(default=1, help_text="Calculated: healthy children needed.")
    inverted = models.BooleanField(default=False, help_text="Healthy when the checkers say unhealthy.")
    disabled = models.BooleanField(default=False, help_text="Not probed, and healthy.")
    measure_latency = models.BooleanField(default=False)
    enable_sni = models.BooleanField(default=False, help_text="HTTPS: send the host as the TLS server name.")
    regions = models.JSONField(default=list, blank=True, help_text="Checker locations; none: the default ones.")
    override = models.CharField(max_length=12, choices=HealthOverride.choices, blank=True, default="")
    status = models.CharField(max_length=12, choices=HealthStatus.choices, default=HealthStatus.HEALTHY)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(interval__in=[10, 30]), name="health_check_interval"),
            models.CheckConstraint(
                condition=Q(failure_threshold__gte=1) & Q(failure_threshold__lte=10), name="health_check_threshold"
            ),
            models.CheckConstraint(condition=Q(port__lte=65535), name="health_check_port"),
            models.UniqueConstraint(
                fields=["owner", "caller_reference"],
                condition=~Q(caller_reference=""),
                name="health_check_caller_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def healthy(self) -> bool:
        """The status answers go by: the override when there is one; healthy when disabled."""
        if self.override:
            return self.override == HealthStatus.HEALTHY
        return self.disabled or self.status == HealthStatus.HEALTHY


class CheckerObservation(models.Model):
    """What one emulated checker location last saw of a check's endpoint, and its
    current verdict (which only flips after ``failure_threshold`` results in a row)."""

    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="observations")
    location = models.CharField(max_length=32)
    healthy = models.BooleanField(default=True)
    streak = models.PositiveSmallIntegerField(default=0, help_text="Results in a row that disagree with the verdict.")
    last_ok = models.BooleanField(default=True)
    detail = models.CharField(max_length=255, blank=True)
    observed_at = models.DateTimeField()
    last_failure = models.CharField(max_length=255, blank=True, help_text="What the last failed probe saw.")
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["health_check", "location"], name="observation_per_location")]

    def __str__(self) -> str:
        return f"{self.health_check_id} from {self.location}"


class HealthEvent(models.Model):
    """A change of a check's status, kept as its history."""

    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=HealthStatus.choices)
    reason = models.CharField(max_length=255)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.health_check_id} {self.status} at {self.at:%Y-%m-%d %H:%M:%S}"


class RecordSet(models.Model):
    """The records of one name and type in a hosted zone, with how they are routed.

    A simple record set is alone for its name and type. Routed record sets share a name,
    type and policy and tell themselves apart by ``set_identifier``. An alias
    (``alias_target``) has no values or TTL of its own: it answers with the target record
    set's."""

    zone = models.ForeignKey(HostedZone, on_delete=models.CASCADE, related_name="record_sets")
    name = models.CharField(max_length=255, help_text="Absolute, lower case, ASCII.")
    type = models.CharField(max_length=8, choices=RecordType.choices)
    ttl = models.PositiveIntegerField(null=True, blank=True)
    values = models.JSONField(default=list, blank=True, help_text="RDATA in presentation format.")
    given = models.JSONField(
        default=list, blank=True, help_text="The values as Route 53's API was sent them, when they differ."
    )
    set_identifier = models.CharField(max_length=128, blank=True)
    routing = models.CharField(max_length=16, choices=RoutingPolicy.choices, default=RoutingPolicy.SIMPLE)
    weight = models.PositiveSmallIntegerField(null=True, blank=True)
    failover = models.CharField(max_length=16, choices=FailoverRole.choices, blank=True)
    region = models.CharField(max_length=32, blank=True, help_text="Latency: the region of the resource.")
    location = models.CharField(
        max_length=16, blank=True, help_text="Geolocation: '*', 'continent:EU' or 'country:KR'."
    )
    alias_target = models.CharField(max_length=255, blank=True)
    evaluate_target_health = models.BooleanField(
        default=False, help_text="An alias's Route 53 flag, kept as given (its target is a simple record set)."
    )
    health_check = models.ForeignKey(
        HealthCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="record_sets"
    )

    class Meta:
        ordering = ["name", "type", "set_identifier"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name", "type", "set_identifier"], name="record_set_unique"),
            models.CheckConstraint(condition=Q(ttl__lte=MAX_TTL), name="record_set_ttl_range"),
            models.CheckConstraint(condition=Q(weight__lte=255), name="record_set_weight_range"),
        ]

    def __str__(self) -> str:
        suffix = f" [{self.set_identifier}]" if self.set_identifier else ""
        return f"{self.name} {self.type}{suffix}"


class Change(models.Model):
    """One change batch applied to a hosted zone. PENDING until every nameserver of the
    zone has been seen answering with ``serial`` (or newer), then INSYNC. The deletion of a
    zone is a change too: it outlives its zone (``zone`` empty), INSYNC once the zone is
    withdrawn from the store."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zone_changes")
    zone = models.ForeignKey(HostedZone, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    status = models.CharField(max_length=8, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    comment = models.CharField(max_length=256, blank=True)
    changes = models.JSONField(default=list, help_text="The batch as applied, one entry per change.")
    version = models.PositiveBigIntegerField(help_text="The zone version this batch made.")
    serial = models.PositiveBigIntegerField(null=True, blank=True, help_text="The first SOA serial serving it.")
    submitted_at = models.DateTimeField()
    insync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "zone"])]

    def __str__(self) -> str:
        return f"{self.id} {self.status}"


class DemoOrigin(models.Model):
    """A demo web server of the network plan (``origin-1``...) and whether it should be
    serving. ``run_origins`` follows this row; stopping one shows failover."""

    name = models.CharField(max_length=64, unique=True)
    running = models.BooleanField(default=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({'running' if self.running else 'stopped'})"


class Tag(models.Model):
    """A key and value an account attaches to one of its hosted zones or health checks
    (Route 53's tags); the service keeps them and never reads them."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rental_tags")
    resource_type = models.CharField(max_length=16, choices=TaggedKind.choices)
    resource_id = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["resource_type", "resource_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "resource_id", "key"], name="tag_key_once_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} {self.key}={self.value}"
