"""The rental service's API bodies. Request serializers check a body's shape and the types
of its fields; what the values may be (record types, ranges, routing rules) is the rental
service's rule, checked there for every caller, and its errors say what is wrong."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from resolver import rental
from resolver.choices import ChangeAction, FailoverRole, HealthCheckKind, HealthOverride, RecordType, RoutingPolicy
from resolver.models import Change, CheckerObservation, HealthCheck, HealthEvent, HostedZone, RecordSet, TsigKey
from resolver.rental import RECORD_SET_FIELDS


class RequestSerializer(serializers.Serializer):
    """A request body. A field not listed here is refused, not ignored, so a misspelt one
    is caught."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["not a field of this object"] for name in unknown})
        return super().to_internal_value(data)


class Text(serializers.CharField):
    """A string, as given (blank, or with spaces around it): the service decides what it
    may say."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class OneOf(serializers.ChoiceField):
    """A string the schema lists the values of; which it may be, in what letter case, is
    the service's rule (it accepts 'a' for 'A'), so any string passes here."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return data


class HostedZoneSerializer(serializers.ModelSerializer):
    record_set_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = HostedZone
        fields = ["id", "name", "comment", "caller_reference", "nameservers", "record_set_count", "created_at"]


class HostedZoneRequestSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="A domain you hold here, or a name below one (Unicode is fine).")
    caller_reference = serializers.CharField(
        max_length=128, help_text="Your key for this request: a retry returns the same zone."
    )
    comment = serializers.CharField(max_length=256, required=False, allow_blank=True)


class RecordSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordSet
        fields = ["name", "type", *RECORD_SET_FIELDS]


class RecordSetRequestSerializer(RequestSerializer):
    name = Text(help_text="The full name, like www.example.com.")
    type = OneOf(RecordType.choices)
    ttl = serializers.IntegerField(required=False, allow_null=True, help_text="Seconds; not for an alias.")
    values = serializers.ListField(child=Text(), required=False, allow_null=True, help_text="RDATA as in a zone file.")
    set_identifier = Text(required=False, allow_null=True)
    routing = OneOf(RoutingPolicy.choices, required=False, allow_null=True)
    weight = serializers.IntegerField(required=False, allow_null=True, help_text="Weighted routing: 0 to 255.")
    failover = OneOf(FailoverRole.choices, required=False, allow_null=True)
    region = Text(required=False, allow_null=True)
    location = Text(required=False, allow_null=True)
    alias_target = Text(required=False, allow_null=True, help_text="A record set of the same type in this zone.")
    evaluate_target_health = serializers.BooleanField(
        required=False, allow_null=True, help_text="An alias's Route 53 flag, kept as given."
    )
    health_check = Text(
        required=False, allow_null=True, help_text="One of your health checks: left out while unhealthy."
    )


class ChangeRequestSerializer(RequestSerializer):
    action = OneOf(ChangeAction.choices)
    record_set = RecordSetRequestSerializer()


class ChangeBatchRequestSerializer(RequestSerializer):
    changes = ChangeRequestSerializer(many=True)
    comment = Text(required=False, allow_null=True, help_text="At most 256 characters.")


class ChangeSerializer(serializers.ModelSerializer):
    zone = serializers.CharField(source="zone_id", read_only=True)

    class Meta:
        model = Change
        fields = ["id", "zone", "status", "comment", "changes", "serial", "submitted_at", "insync_at"]


class TsigKeySerializer(serializers.ModelSerializer):
    """A TSIG key (RFC 8945) that signs DNS UPDATE messages for the zone; ``key_file`` is it
    in BIND's format, for ``nsupdate -k``. Not a Route 53 feature."""

    key_file = serializers.SerializerMethodField()

    class Meta:
        model = TsigKey
        fields = ["name", "algorithm", "secret", "created_at", "key_file"]

    def get_key_file(self, key: TsigKey) -> str:
        return rental.key_file(key)


class TsigKeyRequestSerializer(RequestSerializer):
    name = Text(required=False, allow_null=True, help_text="Default: update.<zone> (or update-N.<zone>).")
    algorithm = Text(required=False, allow_null=True, help_text="hmac-sha256 (default), hmac-sha384, hmac-sha512.")


class SecondariesSerializer(RequestSerializer):
    """The zone's secondary servers (BIND, Knot, NSD... as secondaries): ``notify`` are told
    of each version by NOTIFY; ``allow`` may transfer the zone (AXFR and IXFR, over TCP;
    empty: loopback); ``key`` names one of the zone's TSIG keys that transfers must then
    be signed with (empty: unsigned)."""

    notify = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    allow = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    key = serializers.CharField(required=False, allow_blank=True, default="")


class CreatedZoneSerializer(serializers.Serializer):
    hosted_zone = HostedZoneSerializer()
    change = ChangeSerializer()


@extend_schema_serializer(component_name="RentalProblem")  # the registry API has a Problem of its own
class ProblemSerializer(serializers.Serializer):
    """An error as RFC 9457 problem details (application/problem+json)."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable and machine-readable: branch on this.")
    index = serializers.IntegerField(required=False, help_text="For a change batch: the change at fault.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Declared here: as a class attribute it would hide Serializer.errors.
        fields["errors"] = serializers.DictField(
            required=False, help_text="For a request that is not valid: the fields at fault."
        )
        return fields


class ObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckerObservation
        fields = ["location", "healthy", "last_ok", "detail", "observed_at", "last_failure", "failed_at"]


class HealthCheckSerializer(serializers.ModelSerializer):
    healthy = serializers.BooleanField(read_only=True, help_text="The status answers go by (the override if set).")
    observations = ObservationSerializer(many=True, read_only=True)
    children: serializers.PrimaryKeyRelatedField[HealthCheck] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "name",
            "caller_reference",
            "version",
            "kind",
            "ip_address",
            "port",
            "host",
            "path",
            "search_string",
            "interval",
            "failure_threshold",
            "measure_latency",
            "enable_sni",
            "regions",
            "children",
            "healthy_threshold",
            "inverted",
            "disabled",
            "override",
            "status",
            "healthy",
            "status_changed_at",
            "observations",
            "created_at",
        ]


class HealthCheckUpdateSerializer(RequestSerializer):
    """What an update may change; ``version``, when given, must be the check's own."""

    version = serializers.IntegerField(required=False, help_text="Refused if the check has moved past it.")
    name = Text(required=False, allow_null=True)
    ip_address = serializers.IPAddressField(
        required=False, allow_null=True, help_text="Probed only inside the emulated network (loopback)."
    )
    port = serializers.IntegerField(required=False, help_text="1 to 65535; 80, or 443 for HTTPS, when not given.")
    host = Text(required=False, allow_null=True, help_text="Host header and TLS name; resolved when no ip_address.")
    path = Text(required=False, allow_null=True)
    search_string = Text(required=False, allow_null=True)
    failure_threshold = serializers.IntegerField(required=False, help_text="1 to 10.")
    children = serializers.ListField(child=Text(), required=False, allow_null=True)
    healthy_threshold = serializers.IntegerField(required=False, help_text="0 to the number of children.")
    inverted = serializers.BooleanField(required=False)
    disabled = serializers.BooleanField(required=False, help_text="Not probed, and healthy.")
    enable_sni = serializers.BooleanField(required=False)
    regions = serializers.ListField(child=Text(), required=False, help_text="At least three checker regions.")


class HealthCheckRequestSerializer(HealthCheckUpdateSerializer):
    version = None  # type: ignore[assignment]  # a new check has none
    kind = OneOf(HealthCheckKind.choices)
    caller_reference = Text(required=False, allow_null=True, help_text="A retry with it finds the same check.")
    interval = serializers.IntegerField(required=False, help_text="Seconds between probes: 10 or 30.")
    measure_latency = serializers.BooleanField(required=False)


class OverrideRequestSerializer(RequestSerializer):
    override = OneOf(HealthOverride.choices, required=False, allow_blank=True, allow_null=True)


class HealthEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthEvent
        fields = ["status", "reason", "at"]
