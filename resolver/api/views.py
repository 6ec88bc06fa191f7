"""The customer API of the nameserver-rental service: hosted zones, record sets, change
batches and their status. A customer sees and changes only zones of their own; another
customer's zone answers 404 like a missing one."""

from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from resolver import health, rental
from resolver.api.serializers import (
    ChangeBatchRequestSerializer,
    ChangeSerializer,
    CreatedZoneSerializer,
    HealthCheckRequestSerializer,
    HealthCheckSerializer,
    HealthEventSerializer,
    HostedZoneRequestSerializer,
    HostedZoneSerializer,
    OverrideRequestSerializer,
    ProblemSerializer,
    RecordSetSerializer,
)
from resolver.models import Change, HealthCheck, HostedZone

PROBLEMS = {400: ProblemSerializer, 404: ProblemSerializer, 409: ProblemSerializer}


def problem(exc: rental.RentalError) -> Response:
    body = {"code": exc.code, "detail": exc.message}
    if isinstance(exc, rental.ChangeRejected):
        body["index"] = exc.index
    return Response(body, status=exc.status)


class HostedZoneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Your hosted zones. Creating one draws four rental nameservers (its delegation set);
    a domain registered here with our nameservers gets one automatically."""

    serializer_class = HostedZoneSerializer

    def get_queryset(self):
        return HostedZone.objects.filter(owner=self.request.user).annotate(record_set_count=Count("record_sets"))

    @extend_schema(
        request=HostedZoneRequestSerializer,
        responses={201: CreatedZoneSerializer, 200: CreatedZoneSerializer, **PROBLEMS},
    )
    def create(self, request: Request) -> Response:
        body = HostedZoneRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            zone, change, created = rental.create_hosted_zone(request.user, **body.validated_data)
        except rental.RentalError as exc:
            return problem(exc)
        zone = self.get_queryset().get(pk=zone.pk)
        data = {"hosted_zone": HostedZoneSerializer(zone).data, "change": ChangeSerializer(change).data}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={204: None, **PROBLEMS})
    def destroy(self, request: Request, pk: str) -> Response:
        try:
            rental.delete_hosted_zone(request.user, pk)
        except rental.RentalError as exc:
            return problem(exc)
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
            try:
                rows = rows.filter(name=rental.absolute_name(name).to_text())
            except rental.RentalError as exc:
                return problem(exc)
        if rtype := request.query_params.get("type"):
            rows = rows.filter(type=rtype.upper())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RecordSetSerializer(page, many=True).data)

    @extend_schema(request=ChangeBatchRequestSerializer, responses={202: ChangeSerializer, **PROBLEMS})
    @action(detail=True, methods=["post"])
    def changes(self, request: Request, pk: str) -> Response:
        """Apply a change batch (CREATE / DELETE / UPSERT) all at once, or nothing of it.
        The answer's status is PENDING; poll ``changes/{id}/`` until INSYNC."""
        data = request.data if isinstance(request.data, dict) else {}
        try:
            change = rental.change_record_sets(request.user, pk, data.get("changes"), data.get("comment") or "")
        except rental.RentalError as exc:
            return problem(exc)
        return Response(ChangeSerializer(change).data, status=status.HTTP_202_ACCEPTED)


class ChangeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A change batch: PENDING until every nameserver of its zone serves it, then INSYNC."""

    serializer_class = ChangeSerializer

    def get_queryset(self):
        return Change.objects.filter(zone__owner=self.request.user)


class HealthCheckViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Your health checks. Name one in a record set (``health_check``) and the rental
    nameservers leave that record set out of answers while the check is unhealthy."""

    serializer_class = HealthCheckSerializer

    def get_queryset(self):
        return HealthCheck.objects.filter(owner=self.request.user).prefetch_related("observations", "children")

    @extend_schema(request=HealthCheckRequestSerializer, responses={201: HealthCheckSerializer, **PROBLEMS})
    def create(self, request: Request) -> Response:
        try:
            check = health.create_health_check(request.user, request.data if isinstance(request.data, dict) else None)
        except rental.RentalError as exc:
            return problem(exc)
        return Response(
            HealthCheckSerializer(self.get_queryset().get(pk=check.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={204: None, **PROBLEMS})
    def destroy(self, request: Request, pk: str) -> Response:
        try:
            health.delete_health_check(request.user, pk)
        except rental.RentalError as exc:
            return problem(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OverrideRequestSerializer, responses={200: HealthCheckSerializer, **PROBLEMS})
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str) -> Response:
        """Force the status (HEALTHY or UNHEALTHY), or give it back to the checkers ('')."""
        data = request.data if isinstance(request.data, dict) else {}
        try:
            health.set_override(request.user, pk, data.get("override", ""))
        except rental.RentalError as exc:
            return problem(exc)
        return Response(HealthCheckSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses={200: HealthEventSerializer(many=True), **PROBLEMS})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The check's status changes, newest first."""
        page = self.paginate_queryset(self.get_object().events.all())
        return self.get_paginated_response(HealthEventSerializer(page, many=True).data)
