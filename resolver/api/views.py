"""The customer API of the nameserver-rental service: hosted zones, record sets, change
batches and their status. A customer sees and changes only zones of their own; another
customer's zone answers 404 like a missing one. Bodies are checked by the request
serializers, the rules by the rental service; every error is problem+json
(``resolver.api.problems``)."""

from collections.abc import Callable
from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from resolver import health, rental
from resolver.api import problems
from resolver.api.serializers import (
    ChangeBatchRequestSerializer,
    ChangeSerializer,
    CreatedZoneSerializer,
    HealthCheckRequestSerializer,
    HealthCheckSerializer,
    HealthCheckUpdateSerializer,
    HealthEventSerializer,
    HostedZoneRequestSerializer,
    HostedZoneSerializer,
    OverrideRequestSerializer,
    ProblemSerializer,
    RecordSetSerializer,
    SecondariesSerializer,
    TsigKeyRequestSerializer,
    TsigKeySerializer,
)
from resolver.models import Change, HealthCheck, HostedZone

PROBLEMS = {400: ProblemSerializer, 404: ProblemSerializer, 409: ProblemSerializer}


class RentalViewSet(viewsets.GenericViewSet):
    """What every view of the rental API shares: the caller's own rows only (``owned``),
    and errors as problem+json, rental refusals included (views raise them; the handler
    renders them)."""

    def get_exception_handler(self) -> Callable[[Exception, dict], Response | None]:
        return problems.handler

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, which has no user
            return super().get_queryset()
        return self.owned(self.request.user)

    def owned(self, user: Any) -> QuerySet:
        raise NotImplementedError


class HostedZoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, RentalViewSet):
    """Your hosted zones. Creating one draws four rental nameservers (its delegation set);
    a domain registered here with our nameservers gets one automatically."""

    serializer_class = HostedZoneSerializer
    queryset = HostedZone.objects.none()

    def owned(self, user: Any) -> QuerySet:
        return HostedZone.objects.filter(owner=user).annotate(record_set_count=Count("record_sets"))

    @extend_schema(
        request=HostedZoneRequestSerializer,
        responses={201: CreatedZoneSerializer, 200: CreatedZoneSerializer, **PROBLEMS},
    )
    def create(self, request: Request) -> Response:
        body = HostedZoneRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        zone, change, created = rental.create_hosted_zone(request.user, **body.validated_data)
        zone = self.get_queryset().get(pk=zone.pk)
        data = {"hosted_zone": HostedZoneSerializer(zone).data, "change": ChangeSerializer(change).data}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={204: None, **PROBLEMS})
    def destroy(self, request: Request, pk: str) -> Response:
        rental.delete_hosted_zone(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("name", str), OpenApiParameter("type", str)],
        responses={200: RecordSetSerializer(many=True), **PROBLEMS},
    )
    @action(detail=True, methods=["get"], url_path="record-sets")
    def record_sets(self, request: Request, pk: str) -> Response:
        """The zone's record sets (SOA and apex NS are the service's and not listed)."""
        zone = self.get_object()
        rows = zone.record_sets.all()
        if name := request.query_params.get("name"):
            rows = rows.filter(name=rental.absolute_name(name).to_text())
        if rtype := request.query_params.get("type"):
            rows = rows.filter(type=rtype.upper())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RecordSetSerializer(page, many=True).data)

    @extend_schema(request=ChangeBatchRequestSerializer, responses={202: ChangeSerializer, **PROBLEMS})
    @action(detail=True, methods=["post"])
    def changes(self, request: Request, pk: str) -> Response:
        """Apply a change batch (CREATE / DELETE / UPSERT) all at once, or nothing of it.
        The answer's status is PENDING; poll ``changes/{id}/`` until INSYNC."""
        body = ChangeBatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = body.validated_data
        change = rental.change_record_sets(request.user, pk, batch["changes"], batch.get("comment") or "")
        return Response(ChangeSerializer(change).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(methods=["get"], responses={200: TsigKeySerializer(many=True), **PROBLEMS})
    @extend_schema(methods=["post"], request=TsigKeyRequestSerializer, responses={201: TsigKeySerializer, **PROBLEMS})
    @action(detail=True, methods=["get", "post"], url_path="tsig-keys")
    def tsig_keys(self, request: Request, pk: str) -> Response:
        """The zone's TSIG keys, which sign DNS UPDATE messages (RFC 2136) to its nameservers,
        as ``nsupdate -k`` sends them; POST makes a new one. Not a Route 53 feature."""
        if request.method == "GET":
            return Response(TsigKeySerializer(rental.tsig_keys_of(request.user, pk), many=True).data)
        body = TsigKeyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {name: value for name, value in body.validated_data.items() if value}
        key = rental.create_tsig_key(request.user, pk, **fields)
        return Response(TsigKeySerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses={200: SecondariesSerializer, **PROBLEMS})
    @extend_schema(methods=["put"], request=SecondariesSerializer, responses={200: SecondariesSerializer, **PROBLEMS})
    @action(detail=True, methods=["get", "put"])
    def secondaries(self, request: Request, pk: str) -> Response:
        """The zone's secondary servers: who is told of each version by NOTIFY, who may
        transfer it, and the TSIG key transfers must be signed with. PUT replaces all three."""
        zone = self.get_object()
        if request.method == "PUT":
            body = SecondariesSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            zone = rental.set_secondaries(request.user, pk, **body.validated_data)
        shown = {"notify": zone.notify_targets, "allow": zone.transfer_allow, "key": zone.transfer_key}
        return Response(SecondariesSerializer(shown).data)

    @extend_schema(responses={204: None, **PROBLEMS})
    @action(detail=True, methods=["delete"], url_path=r"tsig-keys/(?P<key_name>[^/]+)")
    def delete_tsig_key(self, request: Request, pk: str, key_name: str) -> Response:
        """Forget a TSIG key: updates signed with it are refused from now on."""
        rental.delete_tsig_key(request.user, pk, key_name)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChangeViewSet(mixins.RetrieveModelMixin, RentalViewSet):
    """A change batch: PENDING until every nameserver of its zone serves it, then INSYNC."""

    serializer_class = ChangeSerializer
    queryset = Change.objects.none()

    def owned(self, user: Any) -> QuerySet:
        return Change.objects.filter(owner=user)


class HealthCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, RentalViewSet):
    """Your health checks. Name one in a record set (``health_check``) and the rental
    nameservers leave that record set out of answers while the check is unhealthy."""

    serializer_class = HealthCheckSerializer
    queryset = HealthCheck.objects.none()

    def owned(self, user: Any) -> QuerySet:
        return HealthCheck.objects.filter(owner=user).prefetch_related("observations", "children")

    @extend_schema(request=HealthCheckRequestSerializer, responses={201: HealthCheckSerializer, **PROBLEMS})
    def create(self, request: Request) -> Response:
        body = HealthCheckRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check = health.create_health_check(request.user, body.validated_data)
        return Response(
            HealthCheckSerializer(self.get_queryset().get(pk=check.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=HealthCheckUpdateSerializer, responses={200: HealthCheckSerializer, **PROBLEMS})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some settings (the kind and interval stay); each update makes a new version."""
        body = HealthCheckUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        version = changes.pop("version", None)
        health.update_health_check(request.user, pk, changes, version=version)
        return Response(HealthCheckSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses={204: None, **PROBLEMS})
    def destroy(self, request: Request, pk: str) -> Response:
        health.delete_health_check(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OverrideRequestSerializer, responses={200: HealthCheckSerializer, **PROBLEMS})
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str) -> Response:
        """Force the status (HEALTHY or UNHEALTHY), or give it back to the checkers ('')."""
        body = OverrideRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        health.set_override(request.user, pk, body.validated_data.get("override") or "")
        return Response(HealthCheckSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses={200: HealthEventSerializer(many=True), **PROBLEMS})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The check's status changes, newest first."""
        page = self.paginate_queryset(self.get_object().events.all())
        return self.get_paginated_response(HealthEventSerializer(page, many=True).data)
