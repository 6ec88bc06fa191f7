"""The registrar's half of the customer API (/api/v1/): name checks and orders. Every
error is problem+json (``registrar.api.problems``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registrar import services
from registrar.api import problems
from registrar.api.serializers import CheckQuerySerializer, OrderRequestSerializer, OrderSerializer, QuoteSerializer
from registrar.models import Customer, Order


def _customer(request: Request) -> Customer:
    # Token authentication has loaded it with the user; a session's user reads it here.
    user = request.user
    if not user.is_authenticated:  # the views' permission lets no one else in
        raise NotAuthenticated()
    try:
        return user.customer
    except Customer.DoesNotExist:
        raise PermissionDenied("this account has no customer profile") from None


class CustomerAPI:
    """What the registrar's customer API views share: errors as problem+json."""

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return problems.handler


class CheckView(CustomerAPI, APIView):
    """Availability and retail price of names (repeat ``name`` for several)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("name", str, many=True, required=True)],
        responses=QuoteSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = CheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        quotes = services.quote(query.validated_data["name"])
        rows = [
            {
                "name": q.check.name,
                "ascii": q.check.ascii,
                "unicode": q.check.unicode,
                "status": q.check.status.value,
                "reason": q.check.reason,
                "price_per_year": q.price_per_year,
                "currency": settings.REGISTRY_CURRENCY,
                "min_years": q.check.min_years,
                "max_years": q.check.max_years,
            }
            for q in quotes
        ]
        return Response(QuoteSerializer(rows, many=True).data)


class OrderViewSet(
    CustomerAPI, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A customer's orders. Creating one charges the card and answers 202: the registry
    registers the names in the background; poll the order until its state is final
    (a declined card is FAILED in the answer already). Send an ``Idempotency-Key`` header
    to make a retried checkout safe."""

    serializer_class = OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no customer
            return Order.objects.none()
        return (
            Order.objects.filter(customer=_customer(self.request))
            .select_related("card", "payment")
            .prefetch_related("lines")
        )

    @extend_schema(request=OrderRequestSerializer, responses={202: OrderSerializer, 200: OrderSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        customer = _customer(request)
        body = OrderRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        if key and len(key) > 100:
            raise ValidationError({"Idempotency-Key": ["at most 100 characters"]})
        order, created = services.place_order(
            customer, body.validated_data["lines"], body.validated_data["card"], idempotency_key=key
        )
        return Response(
            OrderSerializer(order).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": f"{request.path.rstrip('/')}/{order.pk}/"},
        )
