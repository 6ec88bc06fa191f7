from rest_framework import serializers

from resolver.choices import ChangeAction, FailoverRole, RecordType, RoutingPolicy
from resolver.models import Change, CheckerObservation, HealthCheck, HealthEvent, HostedZone, RecordSet
from resolver.rental import RECORD_SET_FIELDS


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


class RecordSetRequestSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The full name, like www.example.com.")
    type = serializers.ChoiceField(RecordType.choices)
    ttl = serializers.IntegerField(required=False, min_value=0, help_text="Seconds; not for an alias.")
    values = serializers.ListField(child=serializers.CharField(), required=False, help_text="RDATA as in a zone file.")
    set_identifier = serializers.CharField(required=False, allow_blank=True)
    routing = serializers.ChoiceField(RoutingPolicy.choices, required=False)
    weight = serializers.IntegerField(required=False, min_value=0, max_value=255)
    failover = serializers.ChoiceField(FailoverRole.choices, required=False)
    region = serializers.CharField(required=False)
    location = serializers.CharField(required=False)
    alias_target = serializers.CharField(required=False, help_text="A record set of the same type in this zone.")
    health_check = serializers.CharField(
        required=False, help_text="One of your health checks: left out while unhealthy."
    )


class ChangeRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(ChangeAction.choices)
    record_set = RecordSetRequestSerializer()


class ChangeBatchRequestSerializer(serializers.Serializer):
    changes = ChangeRequestSerializer(many=True)
    comment = serializers.CharField(max_length=256, required=False, allow_blank=True)


class ChangeSerializer(serializers.ModelSerializer):
    zone = serializers.CharField(source="zone_id", read_only=True)

    class Meta:
        model = Change
        fields = ["id", "zone", "status", "comment", "changes", "serial", "submitted_at", "insync_at"]


class CreatedZoneSerializer(serializers.Serializer):
    hosted_zone = HostedZoneSerializer()
    change = ChangeSerializer()


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    index = serializers.IntegerField(required=False, help_text="For a change batch: the change at fault.")


class ObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckerObservation
        fields = ["location", "healthy", "last_ok", "detail", "observed_at"]


class HealthCheckSerializer(serializers.ModelSerializer):
    healthy = serializers.BooleanField(read_only=True, help_text="The status answers go by (the override if set).")
    observations = ObservationSerializer(many=True, read_only=True)
    children = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "name",
            "kind",
            "ip_address",
            "port",
            "host",
            "path",
            "search_string",
            "interval",
            "failure_threshold",
            "children",
            "healthy_threshold",
            "override",
            "status",
            "healthy",
            "status_changed_at",
            "observations",
            "created_at",
        ]


class HealthCheckRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    kind = serializers.ChoiceField(["HTTP", "HTTPS", "TCP", "CALCULATED"])
    ip_address = serializers.IPAddressField(required=False, help_text="A loopback address.")
    port = serializers.IntegerField(required=False)
    host = serializers.CharField(required=False)
    path = serializers.CharField(required=False)
    search_string = serializers.CharField(required=False)
    interval = serializers.ChoiceField([10, 30], required=False)
    failure_threshold = serializers.IntegerField(required=False, min_value=1, max_value=10)
    children = serializers.ListField(child=serializers.CharField(), required=False)
    healthy_threshold = serializers.IntegerField(required=False, min_value=0)


class OverrideRequestSerializer(serializers.Serializer):
    override = serializers.ChoiceField(["HEALTHY", "UNHEALTHY", ""], allow_blank=True)


class HealthEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthEvent
        fields = ["status", "reason", "at"]
