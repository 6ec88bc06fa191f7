"""Request and response shapes of the registry API (and of its OpenAPI schema).

Request serializers check form only (types, lengths, name syntax); the registry's rules
(policy, funds, ownership) are checked by the service when the operation runs, and a
broken rule shows as a FAILED operation with a problem object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from rest_framework import serializers

from registry.choices import CLIENT_STATUSES, ApiOperationState, OperationKind
from registry.errors import InvalidName
from registry.models import MAX_PERIOD_YEARS, ApiOperation, Contact, LedgerEntry, PollMessage
from registry.names import parse_domain_name, parse_host_name
from registry.services import MAX_CHECK_NAMES, MAX_DS_RECORDS, MAX_NAMESERVERS

F = TypeVar("F", bound=serializers.Field)


def _typed(field_class: type[F], *types: type, what: str) -> type[F]:
    """``field_class`` that takes only these JSON types: DRF would turn 12 into "12" or
    "true" into True, and a client that sends the wrong type should hear about it."""

    class Typed(field_class):  # type: ignore[valid-type,misc]  # a base known only at run time
        def to_internal_value(self, data: Any) -> Any:
            if not isinstance(data, types) or (isinstance(data, bool) and bool not in types):
                raise serializers.ValidationError(f"must be {what}")
            return super().to_internal_value(data)

    Typed.__name__ = Typed.__qualname__ = field_class.__name__
    return Typed


if TYPE_CHECKING:
    # To the type checker each is the DRF field it narrows: same arguments, same values.
    Text = serializers.CharField
    Email = serializers.EmailField
    Pattern = serializers.RegexField
    Address = serializers.IPAddressField
    Day = serializers.DateField
    Integer = serializers.IntegerField
    Boolean = serializers.BooleanField
else:
    Text = _typed(serializers.CharField, str, what="a string")
    Email = _typed(serializers.EmailField, str, what="a string")
    Pattern = _typed(serializers.RegexField, str, what="a string")
    Address = _typed(serializers.IPAddressField, str, what="a string")
    Day = _typed(serializers.DateField, str, what="a date string like 2027-01-31")
    Integer = _typed(serializers.IntegerField, int, what="a whole number")
    Boolean = _typed(serializers.BooleanField, bool, what="true or false")


class Strict(serializers.Serializer):
    """A request body that refuses fields it does not know (a typo is not ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))[:10]
            if unknown:
                raise serializers.ValidationError({str(key): ["unknown field"] for key in unknown})
        return super().to_internal_value(data)


class DomainNameField(Text):
    """A domain name, Unicode or punycode; stored in its canonical ASCII form."""

    def __init__(self, **kwargs):
        super().__init__(max_length=300, **kwargs)

    def to_internal_value(self, data):
        try:
            return parse_domain_name(super().to_internal_value(data)).ascii
        except InvalidName as exc:
            raise serializers.ValidationError(exc.message) from None


class HostNameField(DomainNameField):
    def to_internal_value(self, data):
        try:
            return parse_host_name(Text.to_internal_value(self, data)).ascii
        except InvalidName as exc:
            raise serializers.ValidationError(exc.message) from None


def _host_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=HostNameField(), max_length=MAX_NAMESERVERS, default=list, **kwargs)


class DsSerializer(Strict):
    key_tag = Integer(min_value=0, max_value=65535)
    algorithm = Integer(min_value=1, max_value=255)
    digest_type = Integer(min_value=1, max_value=255)
    digest = Pattern(r"^[0-9A-Fa-f]{2,128}$", help_text="Hexadecimal.")


def _ds_list(**kwargs: Any) -> serializers.BaseSerializer:
    # What DsSerializer(many=True, ...) calls: a ListSerializer of DsSerializer (the stubs
    # know no max_length on a serializer).
    return DsSerializer.many_init(required=False, max_length=MAX_DS_RECORDS, **kwargs)


# --- requests ---------------------------------------------------------------------------------


class DomainCreateSerializer(Strict):
    name = DomainNameField()
    years = Integer(min_value=1, max_value=MAX_PERIOD_YEARS, default=1)
    nameservers = _host_list(help_text="2 to 13 host names, or none (the domain is then inactive).")
    registrant = Text(max_length=16, required=False, help_text="A contact id of yours.")
    auth_info = Text(min_length=6, max_length=64, required=False)
    ds = _ds_list()
    expected_fee = Integer(
        min_value=0, required=False, help_text="Refuse unless the fee is this (minor units), as EPP's fee extension."
    )


class DomainChangesSerializer(Strict):
    nameservers = _host_list()
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(CLIENT_STATUSES)), default=list, max_length=len(CLIENT_STATUSES)
    )
    ds = _ds_list(default=list)


class DomainUpdateSerializer(Strict):
    add = DomainChangesSerializer(required=False)
    remove = DomainChangesSerializer(required=False)
    remove_all_ds = Boolean(default=False)
    registrant = Text(max_length=16, required=False)
    auth_info = Text(min_length=6, max_length=64, required=False)


class DomainRenewSerializer(Strict):
    current_expiry = Day(help_text="The expiry date now, so a resent renew cannot renew twice.")
    years = Integer(min_value=1, max_value=MAX_PERIOD_YEARS, default=1)
    expected_fee = Integer(min_value=0, required=False)


class TransferRequestSerializer(Strict):
    auth_info = Text(max_length=64)
    years = Integer(min_value=1, max_value=MAX_PERIOD_YEARS, default=1)
    expected_fee = Integer(min_value=0, required=False)


class RestoreRequestSerializer(Strict):
    expected_fee = Integer(
        min_value=0, required=False, help_text="The restore fee, plus a year's renewal when the domain has expired."
    )


class RestoreReportSerializer(Strict):
    """The restore report of RFC 3915 section 4.2.5."""

    pre_data = Text(max_length=10_000, help_text="The registration data before the delete.")
    post_data = Text(max_length=10_000, help_text="The registration data after the restore.")
    deleted_at = Text(max_length=40, help_text="When the delete was asked for (ISO 8601).")
    restored_at = Text(max_length=40, help_text="When the restore was asked for (ISO 8601).")
    reason = Text(max_length=1000)
    statements = serializers.ListField(child=Text(max_length=1000), min_length=1, max_length=5)
    other = Text(max_length=1000, required=False)


class HostCreateSerializer(Strict):
    name = HostNameField()
    addresses = serializers.ListField(child=Address(), default=list, max_length=13)


class HostUpdateSerializer(Strict):
    add_addresses = serializers.ListField(child=Address(), default=list, max_length=13)
    remove_addresses = serializers.ListField(child=Address(), default=list, max_length=13)
    new_name = HostNameField(required=False)


class ContactFieldsSerializer(Strict):
    name = Text(max_length=255)
    organization = Text(max_length=255, required=False, allow_blank=True, default="")
    street = Text(max_length=1000, required=False, allow_blank=True, default="")
    city = Text(max_length=255)
    state = Text(max_length=255, required=False, allow_blank=True, default="")
    postal_code = Text(max_length=16, required=False, allow_blank=True, default="")
    country_code = Pattern(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2.")
    voice = Text(max_length=32, required=False, allow_blank=True, default="")
    fax = Text(max_length=32, required=False, allow_blank=True, default="")
    email = Email()


class ContactCreateSerializer(ContactFieldsSerializer):
    id = Pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,15}$", help_text="The contact id (handle).")


# --- responses --------------------------------------------------------------------------------


class NameCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["available", "unavailable", "reserved", "premium", "invalid"])
    available = serializers.BooleanField()
    reason = serializers.CharField()
    ascii = serializers.CharField(allow_null=True)
    unicode = serializers.CharField(allow_null=True)
    fee_class = serializers.ChoiceField(choices=["standard", "premium"], allow_null=True)
    fees = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Per year for create, renew, transfer; restore once.",
    )
    currency = serializers.CharField()
    min_years = serializers.IntegerField(allow_null=True)
    max_years = serializers.IntegerField(allow_null=True)


class ObjectCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    available = serializers.BooleanField()
    reason = serializers.CharField()


class DomainSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    unicode_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class DomainInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    unicode_name = serializers.CharField()
    roid = serializers.CharField()
    registrar = serializers.CharField()
    statuses = serializers.ListField(child=serializers.CharField())
    nameservers = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    registrant = serializers.CharField(allow_null=True, help_text="Only for the sponsor or with the auth info.")
    auth_info = serializers.CharField(allow_null=True, help_text="Only for the sponsor or with the auth info.")
    ds = DsSerializer(many=True)
    hosts = serializers.ListField(child=serializers.CharField())
    transfer_status = serializers.CharField(allow_null=True)
    rgp_statuses = serializers.ListField(
        child=serializers.CharField(),
        help_text="RFC 3915 grace periods and deletion phase: addPeriod, autoRenewPeriod, renewPeriod, "
        "transferPeriod, redemptionPeriod, pendingRestore, pendingDelete.",
    )


class TransferInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField()
    gaining = serializers.CharField()
    losing = serializers.CharField()
    requested_at = serializers.DateTimeField()
    act_by = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class HostInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    roid = serializers.CharField()
    registrar = serializers.CharField()
    addresses = serializers.ListField(child=serializers.CharField())
    statuses = serializers.ListField(child=serializers.CharField())
    superordinate = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ContactInfoSerializer(serializers.Serializer):
    id = serializers.CharField(source="handle")
    roid = serializers.CharField()
    registrar = serializers.CharField()
    statuses = serializers.ListField(child=serializers.CharField())
    # A field named like Serializer.data: the metaclass takes declared fields out of the class
    # body, so the property stays what DRF reads.
    data = ContactFieldsSerializer()  # type: ignore[assignment]
    auth_info = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ContactSummarySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="handle")

    class Meta:
        model = Contact
        fields = ["id", "name", "organization", "email", "country_code", "created_at", "updated_at"]


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable, machine-readable.")
    epp_code = serializers.IntegerField(required=False, help_text="The EPP result code of the same failure.")
    # Like ContactInfoSerializer.data: a declared field, not the Serializer.errors property.
    errors = serializers.DictField(required=False, help_text="Per field, for validation_error.")  # type: ignore[assignment]
    retry_after = serializers.IntegerField(required=False)


class OperationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OperationKind.choices)
    state = serializers.ChoiceField(choices=ApiOperationState.choices)
    result = serializers.DictField(allow_null=True)
    error = ProblemSerializer(allow_null=True)

    class Meta:
        model = ApiOperation
        fields = ["id", "kind", "object_name", "state", "result", "error", "submitted_at", "started_at", "finished_at"]


class PollMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PollMessage
        fields = ["id", "kind", "object_name", "message", "data", "created_at"]


class PollAckSerializer(serializers.Serializer):
    remaining = serializers.IntegerField()


class BalanceSerializer(serializers.Serializer):
    registrar = serializers.CharField()
    balance = serializers.IntegerField(help_text="Minor units.")
    currency = serializers.CharField(default=settings.REGISTRY_CURRENCY)


class LedgerEntrySerializer(serializers.ModelSerializer):
    sv_trid = serializers.CharField(source="operation.sv_trid")

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "balance_after", "object_name", "description", "sv_trid", "created_at"]


class CheckQuerySerializer(serializers.Serializer):
    name = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1, max_length=MAX_CHECK_NAMES)
