from rest_framework import serializers

from resolver.choices import ChangeAction, FailoverRole, RecordType, RoutingPolicy
from resolver.models import Change, HostedZone, RecordSet


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
        fields = [
            "name",
            "type",
            "ttl",
            "values",
            "set_identifier",
            "routing",
            "weight",
            "failover",
            "region",
            "location",
            "alias_target",
        ]


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
