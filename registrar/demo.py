"""Demo data of the retail registrar: a customer and a registry operator account."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from config.aws import keys
from config.aws.models import AccessKey
from registrar import services
from registrar.models import Customer, Order

DEMO_CUSTOMER = {"username": "demo", "password": "demo-pass-2026", "token": "demo-customer-token-00000000000000000001"}
DEMO_OPERATOR = {"username": "operator", "password": "operator-pass-2026"}
DEMO_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@transaction.atomic
def seed() -> None:
    User = get_user_model()
    user = User.objects.filter(username=DEMO_CUSTOMER["username"]).first()
    if user is None:
        user = User.objects.create_user(
            DEMO_CUSTOMER["username"],
            "demo@example.net",
            DEMO_CUSTOMER["password"],
            first_name="Jamie",
            last_name="Demo",
        )
    Customer.objects.get_or_create(
        user=user,
        defaults={
            "name": "Jamie Demo",
            "street": "1 Demo Street",
            "city": "Seoul",
            "postal_code": "04524",
            "country_code": "KR",
            "phone": "+82.212345678",
            "email": "demo@example.net",
        },
    )
    Token.objects.get_or_create(user=user, defaults={"key": DEMO_CUSTOMER["token"]})
    if not AccessKey.objects.filter(access_key_id=keys.DEMO_ACCESS_KEY_ID).exists():
        keys.create_access_key(
            user, access_key_id=keys.DEMO_ACCESS_KEY_ID, secret_access_key=keys.DEMO_SECRET_ACCESS_KEY
        )
    if not User.objects.filter(username=DEMO_OPERATOR["username"]).exists():
        User.objects.create_superuser(
            DEMO_OPERATOR["username"], "operator@namesmith.localhost", DEMO_OPERATOR["password"]
        )


def demo_customer() -> Customer:
    return Customer.objects.get(user__username=DEMO_CUSTOMER["username"])


def order_demo_domain(name: str) -> Order:
    """The demo customer's order for ``name`` with our nameservers (placed once; the
    worker completes it)."""
    order, _ = services.place_order(
        demo_customer(),
        [{"domain": name, "years": 1}],
        DEMO_CARD,
        idempotency_key=f"seed-demo-{name}",
    )
    return order
