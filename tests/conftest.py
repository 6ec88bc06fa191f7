"""Personas and shared fixtures.

Registrars: ``alpha`` (a partner with funds), ``beta`` (a second partner), ``inhouse``
(the registrar the web shop uses). Customers: ``customer`` and ``second_customer``.
TLDs: com (standard fees, one reserved and one premium label), net, and kr (IDN).

After every test that used the database, each registrar's balance must equal the sum
of its ledger: the check runs while the test's data is still there.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models import Sum

from config import clock
from registrar.models import Customer
from registry import services
from registry.models import PremiumName, Registrar, ReservedName, Tld

COM_FEES = {"create_fee": 1000, "renew_fee": 1100, "transfer_fee": 1200, "restore_fee": 4000}
PREMIUM_FEE = 50_000


def assert_ledger_matches_balances() -> None:
    for registrar in Registrar.objects.all():
        total = registrar.ledger.aggregate(total=Sum("amount"))["total"] or 0
        assert registrar.balance == total, f"{registrar.client_id}: balance {registrar.balance} != ledger {total}"


@pytest.fixture(autouse=True)
def fresh_clock():
    """Each test reads the emulator clock from its own database, not an earlier test's cache."""
    clock.forget()
    yield
    clock.forget()


@pytest.fixture(autouse=True)
def ledger_invariant(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    assert_ledger_matches_balances()


@pytest.fixture
def tlds(db):
    com = Tld.objects.create(name="com", **COM_FEES)
    net = Tld.objects.create(name="net", create_fee=1300, renew_fee=1300, transfer_fee=1300, restore_fee=4000)
    kr = Tld.objects.create(
        name="kr", create_fee=2000, renew_fee=2000, transfer_fee=2000, restore_fee=5000, min_years=1, max_years=5
    )
    ReservedName.objects.create(tld=com, label="nic", reason="registry operations")
    PremiumName.objects.create(tld=com, label="shop", annual_fee=PREMIUM_FEE)
    return {"com": com, "net": net, "kr": kr}


def make_registrar(client_id: str, funds: int, *, internal: bool = False) -> Registrar:
    registrar = Registrar(
        client_id=client_id, name=f"{client_id} Inc.", email=f"{client_id}@example.net", is_internal=internal
    )
    registrar.set_epp_password(f"{client_id}-password")
    registrar.save()
    if funds:
        services.top_up(registrar, funds, cl_trid="opening")
    return registrar


@pytest.fixture
def alpha(tlds) -> Registrar:
    return make_registrar("alpha-reg", 100_000)


@pytest.fixture
def beta(tlds) -> Registrar:
    return make_registrar("beta-reg", 100_000)


@pytest.fixture
def inhouse(tlds) -> Registrar:
    return make_registrar(settings.REGISTRAR_CLIENT_ID, 10_000_000, internal=True)


@pytest.fixture
def rental_pool(inhouse) -> Registrar:
    """The rental nameservers' domains and hosts, held by the in-house registrar as
    seed_demo sets them up, so a registration with our nameservers can be delegated."""
    from registry import demo

    Tld.objects.get_or_create(
        name="org", defaults={"create_fee": 1200, "renew_fee": 1200, "transfer_fee": 1200, "restore_fee": 4000}
    )
    demo.register_rental_pool(inhouse)
    return inhouse


def make_customer(username: str) -> Customer:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username, f"{username}@example.net", f"{username}-password")
    return Customer.objects.create(
        user=user,
        name=username.title(),
        street="1 Main Street",
        city="Springfield",
        country_code="US",
        phone="+1.5555550100",
        email=f"{username}@example.net",
    )


@pytest.fixture
def customer(inhouse) -> Customer:
    return make_customer("alice")


@pytest.fixture
def second_customer(inhouse) -> Customer:
    return make_customer("bob")


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("staff", "staff@example.net", "staff-password")


GOOD_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
DECLINED_CARD = {**GOOD_CARD, "number": "4000 0000 0000 0002"}
FLAKY_CARD = {**GOOD_CARD, "number": "4000 0000 0000 0119"}
