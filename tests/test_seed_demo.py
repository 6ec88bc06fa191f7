from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from registrar.demo import DEMO_CUSTOMER, DEMO_OPERATOR
from registry.demo import REGISTRARS
from registry.models import Registrar, RegistrarToken, Tld


def snapshot() -> dict:
    """Every row of every model, so two snapshots differ if anything was written."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values()))
        for model in apps.get_models()
        if model._meta.app_label in {"registry", "registrar", "auth", "authtoken"}
    }


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first


@pytest.mark.django_db
def test_seed_demo_loads_tlds_registrars_and_working_credentials():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert sorted(Tld.objects.values_list("name", flat=True)) == ["com", "kr", "net", "org"]
    for demo in REGISTRARS:
        registrar = Registrar.objects.get(client_id=demo.client_id)
        assert registrar.balance == demo.opening_balance
        assert registrar.check_epp_password(demo.epp_password)
        assert demo.epp_password not in registrar.epp_password
        assert RegistrarToken.authenticate(demo.api_token) == registrar
        assert demo.api_token in out.getvalue()
    assert RegistrarToken.authenticate(REGISTRARS[1].api_token + "x") is None
    assert Registrar.objects.get(client_id="namesmith").is_internal
    assert authenticate(username=DEMO_CUSTOMER["username"], password=DEMO_CUSTOMER["password"]).customer
    assert authenticate(username=DEMO_OPERATOR["username"], password=DEMO_OPERATOR["password"]).is_staff
