from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registrar import services
from registrar.api.serializers import OrderRequestSerializer, OrderSerializer, QuoteSerializer
from registrar.models import Customer, Order
from registry.errors import RegistryError


def _customer(request: Request) -> Customer:
    # Token authentication has loaded it with the user; a session's user reads it here.
    try:
        return request.user.customer
    except Customer.DoesNotExist:
        raise PermissionDenied("this account has no customer profile") from None


class CheckView(APIView):
    """Availability and retail price of names (repeat ``name`` for several)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("name", str, many=True, required=True)],
        responses=QuoteSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        names = request.query_params.getlist("name")
        if not names:
            raise ValidationError({"name": "give at least one name, like ?name=example.com"})
        try:
            quotes = services.quote(names)
        except RegistryError as exc:
            raise ValidationError({"name": exc.message}) from None
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


class OrderViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's orders. Creating one charges the card and answers 202: the registry
    registers the names in the background; poll the order until its state is final
    (a declined card is FAILED in the answer already). Send an ``Idempotency-Key`` header
    to make a retried checkout safe."""

    serializer_class = OrderSerializer

    def get_queryset(self):
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
            raise ValidationError({"Idempotency-Key": "at most 100 characters"})
        try:
            order, created = services.place_order(
                customer, body.validated_data["lines"], body.validated_data["card"], idempotency_key=key
            )
        except services.CheckoutError as exc:
            raise ValidationError({field: [message] for field, message in exc.errors.items()}) from None
        return Response(
            OrderSerializer(order).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": f"{request.path.rstrip('/')}/{order.pk}/"},
        )
