"""The registry's REST API for partner registrars (/api/registry/v1/).

Thin adapters: each view checks the form of the request, reads the registrar from its
API token, and calls one registry service (queries) or submits an asynchronous operation
(transforms; see ``registry.api.operations``). A transform answers 202 with the
operation and a Location to poll; with ``Prefer: wait=N`` (RFC 7240, N <= 10) the answer
waits up to N seconds and is 200 with the final operation when it finished in time.
``Idempotency-Key`` on a transform makes a resent request return the first operation.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import cast

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import services
from registry.api import operations, problems
from registry.api import serializers as s
from registry.api.auth import IsRegistrar, PerTokenThrottle, RegistrarPrincipal, RegistrarTokenAuthentication
from registry.choices import OperationKind
from registry.errors import ParameterError
from registry.models import ApiOperation, Contact, Domain, Host, LedgerEntry, PollMessage, Registrar

_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait=(\d{1,3})(?:$|[,;\s])")
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


class Pagination(LimitOffsetPagination):
    """limit/offset paging that refuses what it cannot read instead of ignoring it."""

    max_limit = 200
    default_limit: int  # settings.REST_FRAMEWORK["PAGE_SIZE"], which LimitOffsetPagination reads

    def _number(self, request: Request, param: str, default: int) -> int:
        values = request.query_params.getlist(param)
        if not values:
            return default
        if len(values) > 1 or not (values[0].isascii() and values[0].isdigit()):
            raise ValidationError({param: [f"{param} is one whole number, 0 or more"]})
        return int(values[0])

    def get_limit(self, request: Request) -> int:
        limit = self._number(request, self.limit_query_param, self.default_limit)
        if not 1 <= limit <= self.max_limit:
            raise ValidationError({self.limit_query_param: [f"limit is 1 to {self.max_limit}"]})
        return limit

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0)


class ProblemJSONRenderer(JSONRenderer):
    media_type = problems.PROBLEM_CONTENT_TYPE


ERRORS = {code: s.ProblemSerializer for code in (400, 401, 403, 404, 409, 415, 422, 429)}
TRANSFORM_RESPONSES = {200: s.OperationSerializer, 202: s.OperationSerializer, **ERRORS}
AUTH_INFO_HEADER = OpenApiParameter(
    "X-Auth-Info",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The object's auth info, to read what only its sponsor sees.",
)
TRANSFORM_HEADERS = [
    OpenApiParameter(
        "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, description="Up to 100 printable characters."
    ),
    OpenApiParameter(
        "Prefer", OpenApiTypes.STR, OpenApiParameter.HEADER, description="wait=N: wait up to N (<= 10) seconds."
    ),
]


# Listed before the DRF view class it is mixed into (GenericViewSet, APIView), so its settings
# win. It subclasses APIView so the type checker knows what it overrides and reads (initial,
# request, the class settings); the method resolution order is the same as without it.
class RegistryAPI(APIView):
    """What every registry API view shares: token auth, per-token rate limit, problem+json."""

    authentication_classes = [RegistrarTokenAuthentication]
    permission_classes = [IsRegistrar]
    throttle_classes = [PerTokenThrottle]
    renderer_classes = [JSONRenderer, ProblemJSONRenderer]
    pagination_class: type[BasePagination] | None = Pagination

    def get_exception_handler(self):
        return problems.handle

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        assert request.method is not None  # a request that reached a view has one
        if not hasattr(self, request.method.lower()):
            return  # the method is not allowed here: that answer (405) comes first
        action = getattr(self, "action", None)
        allowed = {"limit", "offset"} if action == "list" else set()
        if action == "check":
            allowed = {"id"} if isinstance(self, ContactViewSet) else {"name"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError({name: ["unknown query parameter"] for name in unknown[:10]})

    @property
    def registrar(self) -> Registrar:
        return cast(RegistrarPrincipal, self.request.user).registrar  # IsRegistrar let the request in

    def valid(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return json.loads(json.dumps(serializer.data))  # plain JSON types, for the operation row

    def transform(self, kind: OperationKind, params: dict) -> Response:
        request: Request = self.request
        key = request.headers.get("Idempotency-Key")
        if key is not None and not _KEY.match(key):
            raise ParameterError("Idempotency-Key is 1 to 100 printable ASCII characters")
        try:
            operation, _ = operations.submit(self.registrar, kind, params, key)
        except operations.IdempotencyKeyReused as exc:
            return problems.problem_response(problems.problem("idempotency_key_reused", str(exc)))
        headers = {"Location": reverse("registry-api:operation-detail", args=[operation.pk])}
        wait = _PREFER_WAIT.search(request.headers.get("Prefer", ""))
        if wait:
            operation = operations.wait_for(operation, float(wait.group(1)))
            headers["Preference-Applied"] = f"wait={wait.group(1)}"
        done = operation.state in operations.FINAL_STATES
        return Response(s.OperationSerializer(operation).data, status=200 if done else 202, headers=headers)

    def names_asked(self) -> list[str]:
        return self.valid(s.CheckQuerySerializer, {"name": self.request.query_params.getlist("name")})["name"]


@extend_schema_view(
    list=extend_schema(summary="Your domains", responses={200: s.DomainSummarySerializer(many=True), **ERRORS}),
    retrieve=extend_schema(
        summary="A domain's data", parameters=[AUTH_INFO_HEADER], responses={200: s.DomainInfoSerializer, **ERRORS}
    ),
)
class DomainViewSet(RegistryAPI, viewsets.GenericViewSet):
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    serializer_class = s.DomainSummarySerializer

    def get_queryset(self):
        return Domain.objects.filter(registrar=self.registrar, deleted_at=None).order_by("name")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.DomainSummarySerializer(page, many=True).data)

    def retrieve(self, request: Request, name: str) -> Response:
        info = services.info_domain(name, registrar=self.registrar, auth_info=request.headers.get("X-Auth-Info"))
        return Response(s.DomainInfoSerializer(info).data)

    @extend_schema(
        summary="Availability and fees of up to 50 names",
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, many=True, required=True)],
        responses={200: s.NameCheckSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def check(self, request: Request) -> Response:
        rows = []
        for check in services.check(self.names_asked()):
            fees = services.fees_of(check)
            rows.append(
                check.as_dict()
                | {
                    "available": check.registrable,
                    "fee_class": None if fees is None else fees.fee_class.value,
                    "fees": None if fees is None else fees.as_dict(),
                    "currency": settings.REGISTRY_CURRENCY,
                }
            )
        return Response(s.NameCheckSerializer(rows, many=True).data)

    @extend_schema(
        summary="Register a domain",
        request=s.DomainCreateSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def create(self, request: Request) -> Response:
        return self.transform(OperationKind.DOMAIN_CREATE, self.valid(s.DomainCreateSerializer))

    @extend_schema(
        summary="Change nameservers, client statuses, DS records, registrant or auth info",
        request=s.DomainUpdateSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def partial_update(self, request: Request, name: str) -> Response:
        body = self.valid(s.DomainUpdateSerializer)
        add, remove = body.get("add") or {}, body.get("remove") or {}
        params = {
            "name": _domain(name),
            "add_nameservers": add.get("nameservers", []),
            "remove_nameservers": remove.get("nameservers", []),
            "add_statuses": add.get("statuses", []),
            "remove_statuses": remove.get("statuses", []),
            "add_ds": add.get("ds", []),
            "remove_ds": remove.get("ds", []),
            "remove_all_ds": body["remove_all_ds"],
        }
        for key in ("registrant", "auth_info"):
            if key in body:
                params[key] = body[key]
        return self.transform(OperationKind.DOMAIN_UPDATE, params)

    @extend_schema(summary="Delete a domain", parameters=TRANSFORM_HEADERS, responses=TRANSFORM_RESPONSES)
    def destroy(self, request: Request, name: str) -> Response:
        return self.transform(OperationKind.DOMAIN_DELETE, {"name": _domain(name)})

    @extend_schema(
        summary="Renew a domain",
        request=s.DomainRenewSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, name: str) -> Response:
        return self.transform(
            OperationKind.DOMAIN_RENEW, {"name": _domain(name), **self.valid(s.DomainRenewSerializer)}
        )

    @extend_schema(
        summary="Restore a deleted domain in its redemption period (RGP restore request)",
        description="Charges the restore fee (and a year's renewal when the domain has expired). The domain "
        "is back in its zone at once and in pendingRestore until the restore report arrives.",
        request=s.RestoreRequestSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, name: str) -> Response:
        body = self.valid(s.RestoreRequestSerializer)
        return self.transform(OperationKind.DOMAIN_RESTORE, {"name": _domain(name), **body})

    @extend_schema(
        summary="File the restore report that completes a restore (RGP restore report)",
        request=s.RestoreReportSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="restore/report")
    def restore_report(self, request: Request, name: str) -> Response:
        body = self.valid(s.RestoreReportSerializer)
        return self.transform(OperationKind.DOMAIN_RESTORE_REPORT, {"name": _domain(name), **body})

    @extend_schema(
        methods=["GET"],
        summary="The latest transfer of a domain",
        parameters=[AUTH_INFO_HEADER],
        responses={200: s.TransferInfoSerializer, **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask for a domain to be transferred to you",
        request=s.TransferRequestSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["get", "post"])
    def transfer(self, request: Request, name: str) -> Response:
        if request.method == "GET":
            info = services.transfer_query(name, registrar=self.registrar, auth_info=request.headers.get("X-Auth-Info"))
            return Response(s.TransferInfoSerializer(info).data)
        body = self.valid(s.TransferRequestSerializer)
        return self.transform(OperationKind.DOMAIN_TRANSFER_REQUEST, {"name": _domain(name), **body})

    def _act(self, kind: OperationKind, name: str) -> Response:
        return self.transform(kind, {"name": _domain(name)})

    @extend_schema(
        summary="Approve a transfer away (losing registrar)",
        request=None,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="transfer/approve")
    def approve_transfer(self, request: Request, name: str) -> Response:
        return self._act(OperationKind.DOMAIN_TRANSFER_APPROVE, name)

    @extend_schema(
        summary="Reject a transfer away (losing registrar)",
        request=None,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="transfer/reject")
    def reject_transfer(self, request: Request, name: str) -> Response:
        return self._act(OperationKind.DOMAIN_TRANSFER_REJECT, name)

    @extend_schema(
        summary="Cancel your transfer request (gaining registrar)",
        request=None,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="transfer/cancel")
    def cancel_transfer(self, request: Request, name: str) -> Response:
        return self._act(OperationKind.DOMAIN_TRANSFER_CANCEL, name)


def _from_path(field, value: str) -> str:
    try:
        return field.run_validation(value)
    except ValidationError as exc:
        raise ValidationError({"name": exc.detail}) from None


def _domain(name: str) -> str:
    """The canonical form of a domain name from the path, or a validation error."""
    return _from_path(s.DomainNameField(), name)


def _host(name: str) -> str:
    return _from_path(s.HostNameField(), name)


@extend_schema_view(
    list=extend_schema(summary="Your hosts", responses={200: s.HostInfoSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="A host's data", responses={200: s.HostInfoSerializer, **ERRORS}),
)
class HostViewSet(RegistryAPI, viewsets.GenericViewSet):
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    serializer_class = s.HostInfoSerializer

    def get_queryset(self):
        return Host.objects.filter(registrar=self.registrar, deleted_at=None).order_by("name")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(services.with_host_details(self.get_queryset()))
        assert page is not None  # list pages (Pagination)
        infos = [services.HostInfo.of(host) for host in page]
        return self.get_paginated_response(s.HostInfoSerializer(infos, many=True).data)

    def retrieve(self, request: Request, name: str) -> Response:
        return Response(s.HostInfoSerializer(services.info_host(name, registrar=self.registrar)).data)

    @extend_schema(
        summary="Whether host names are free",
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, many=True, required=True)],
        responses={200: s.ObjectCheckSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def check(self, request: Request) -> Response:
        return Response(s.ObjectCheckSerializer(services.check_hosts(self.names_asked()), many=True).data)

    @extend_schema(
        summary="Create a host",
        request=s.HostCreateSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def create(self, request: Request) -> Response:
        return self.transform(OperationKind.HOST_CREATE, self.valid(s.HostCreateSerializer))

    @extend_schema(
        summary="Change a host's addresses or name",
        request=s.HostUpdateSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def partial_update(self, request: Request, name: str) -> Response:
        return self.transform(OperationKind.HOST_UPDATE, {"name": _host(name), **self.valid(s.HostUpdateSerializer)})

    @extend_schema(summary="Delete a host", parameters=TRANSFORM_HEADERS, responses=TRANSFORM_RESPONSES)
    def destroy(self, request: Request, name: str) -> Response:
        return self.transform(OperationKind.HOST_DELETE, {"name": _host(name)})


@extend_schema_view(
    list=extend_schema(summary="Your contacts", responses={200: s.ContactSummarySerializer(many=True), **ERRORS}),
    retrieve=extend_schema(
        summary="A contact's data", parameters=[AUTH_INFO_HEADER], responses={200: s.ContactInfoSerializer, **ERRORS}
    ),
)
class ContactViewSet(RegistryAPI, viewsets.GenericViewSet):
    lookup_field = "id"
    lookup_value_regex = r"[^/]+"
    serializer_class = s.ContactSummarySerializer

    def get_queryset(self):
        return Contact.objects.filter(registrar=self.registrar, deleted_at=None).order_by("handle")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ContactSummarySerializer(page, many=True).data)

    def retrieve(self, request: Request, id: str) -> Response:
        info = services.info_contact(id, registrar=self.registrar, auth_info=request.headers.get("X-Auth-Info"))
        return Response(s.ContactInfoSerializer(info).data)

    @extend_schema(
        summary="Whether contact ids are free",
        parameters=[OpenApiParameter("id", OpenApiTypes.STR, many=True, required=True)],
        responses={200: s.ObjectCheckSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def check(self, request: Request) -> Response:
        handles = self.valid(s.CheckQuerySerializer, {"name": request.query_params.getlist("id")})["name"]
        return Response(s.ObjectCheckSerializer(services.check_contacts(handles), many=True).data)

    @extend_schema(
        summary="Create a contact",
        request=s.ContactCreateSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def create(self, request: Request) -> Response:
        return self.transform(OperationKind.CONTACT_CREATE, self.valid(s.ContactCreateSerializer))

    @extend_schema(
        summary="Replace a contact's details",
        request=s.ContactFieldsSerializer,
        parameters=TRANSFORM_HEADERS,
        responses=TRANSFORM_RESPONSES,
    )
    def update(self, request: Request, id: str) -> Response:
        return self.transform(OperationKind.CONTACT_UPDATE, {"id": id, **self.valid(s.ContactFieldsSerializer)})

    @extend_schema(summary="Delete a contact", parameters=TRANSFORM_HEADERS, responses=TRANSFORM_RESPONSES)
    def destroy(self, request: Request, id: str) -> Response:
        return self.transform(OperationKind.CONTACT_DELETE, {"id": id})


@extend_schema_view(
    list=extend_schema(
        summary="Your operations, newest first", responses={200: s.OperationSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(
        summary="One operation: its state, result or error", responses={200: s.OperationSerializer, **ERRORS}
    ),
)
class OperationViewSet(RegistryAPI, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OperationSerializer
    lookup_value_regex = r"[^/]+"

    def get_object(self) -> ApiOperation:
        try:
            uuid.UUID(self.kwargs["pk"])
        except ValueError:
            raise Http404("an operation id is a UUID") from None
        return super().get_object()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no registrar
            return ApiOperation.objects.none()
        return self.registrar.api_operations.order_by("-submitted_at")


@extend_schema_view(
    list=extend_schema(
        summary="Messages waiting for you, oldest first", responses={200: s.PollMessageSerializer(many=True), **ERRORS}
    )
)
class PollMessageViewSet(RegistryAPI, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PollMessageSerializer
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PollMessage.objects.none()
        return PollMessage.objects.filter(registrar=self.registrar, acked_at=None).order_by("id")

    @extend_schema(
        summary="Acknowledge (dequeue) a message", request=None, responses={200: s.PollAckSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def ack(self, request: Request, pk: str) -> Response:
        if not (pk.isascii() and pk.isdigit()):
            raise ValidationError({"id": ["a message id is a whole number"]})
        return Response({"remaining": services.poll_ack(self.registrar, int(pk))})


@extend_schema_view(
    list=extend_schema(
        summary="Your account's ledger, oldest first", responses={200: s.LedgerEntrySerializer(many=True), **ERRORS}
    )
)
class LedgerViewSet(RegistryAPI, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.LedgerEntrySerializer

    def get_queryset(self):
        return LedgerEntry.objects.filter(registrar=self.registrar).select_related("operation").order_by("id")


class BalanceView(RegistryAPI, APIView):
    @extend_schema(summary="Your prepaid balance", responses={200: s.BalanceSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        registrar = Registrar.objects.get(pk=self.registrar.pk)
        return Response(s.BalanceSerializer({"registrar": registrar.client_id, "balance": registrar.balance}).data)


def problem_type(request: HttpRequest, code: str) -> JsonResponse:
    """What a problem ``type`` URI names: its code, HTTP status and title."""
    if code not in problems.CATALOG.codes:
        raise Http404(f"no problem type {code!r}")
    status, title = problems.CATALOG.codes[code]
    return JsonResponse({"code": code, "status": status, "title": title})
