from __future__ import annotations

from rest_framework import serializers

from registrar.models import Order, OrderLine, PaymentCard


class CardSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    exp_month = serializers.IntegerField()
    exp_year = serializers.IntegerField()
    cvc = serializers.CharField(max_length=4)


class LineRequestSerializer(serializers.Serializer):
    domain = serializers.CharField(max_length=300)
    years = serializers.IntegerField(default=1)
    nameservers = serializers.ListField(child=serializers.CharField(max_length=300), default=list, max_length=13)
    first_address = serializers.CharField(
        max_length=45, required=False, help_text="With our nameservers: the apex and www get this A or AAAA record."
    )


class OrderRequestSerializer(serializers.Serializer):
    lines = LineRequestSerializer(many=True)
    card = CardSerializer()


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "kind",
            "domain",
            "unicode_domain",
            "years",
            "nameservers",
            "first_address",
            "price",
            "state",
            "failure_code",
            "failure_reason",
            "expires_at",
            "completed_at",
        ]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    card: serializers.StringRelatedField[PaymentCard] = serializers.StringRelatedField()
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "state",
            "total",
            "currency",
            "card",
            "payment",
            "failure_reason",
            "created_at",
            "paid_at",
            "completed_at",
            "lines",
        ]

    def get_payment(self, order: Order) -> dict:
        payment = order.payment
        return {
            "state": payment.state,
            "amount": payment.amount,
            "refunded": payment.refunded,
            "attempts": payment.attempts,
            "reference": payment.reference,
        }


class CheckQuerySerializer(serializers.Serializer):
    # Each name goes to the registry's check as given: a blank or malformed one gets its
    # row there, with the reason.
    name = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        allow_empty=False,
        error_messages={
            "required": "give at least one name, like ?name=example.com",
            "empty": "give at least one name, like ?name=example.com",
        },
    )


class QuoteSerializer(serializers.Serializer):
    name = serializers.CharField()
    ascii = serializers.CharField(allow_null=True)
    unicode = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    reason = serializers.CharField()
    price_per_year = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    min_years = serializers.IntegerField(allow_null=True)
    max_years = serializers.IntegerField(allow_null=True)
