from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from config.aws import keys
from registrar.demo import DEMO_CUSTOMER, DEMO_OPERATOR
from registrar.models import OrderLine
from registry.demo import REGISTRARS, TLDS
from registry.models import Host, Registrar, RegistrarToken, Tld, ZonePublication
from resolver.models import DemoOrigin, HealthCheck, HostedZone, Zone


def snapshot() -> dict:
    """Every row of every model, so two snapshots differ if anything was written."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values()))
        for model in apps.get_models()
        if model._meta.app_label in {"registry", "registrar", "resolver", "auth", "authtoken", "aws"}
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
    # The in-house registrar paid for the rental pool's four domains, ten years each.
    pool_fees = 10 * sum(TLDS[tld][0][0] for tld in ("com", "net", "org", "kr"))
    for demo in REGISTRARS:
        registrar = Registrar.objects.get(client_id=demo.client_id)
        assert registrar.balance == demo.opening_balance - (pool_fees if demo.internal else 0)
        assert registrar.check_epp_password(demo.epp_password)
        assert demo.epp_password not in registrar.epp_password
        assert RegistrarToken.authenticate(demo.api_token) == registrar
        assert demo.api_token in out.getvalue()
    assert RegistrarToken.authenticate(REGISTRARS[1].api_token + "x") is None
    assert Registrar.objects.get(client_id="namesmith").is_internal
    assert authenticate(username=DEMO_CUSTOMER["username"], password=DEMO_CUSTOMER["password"]).customer
    assert authenticate(username=DEMO_OPERATOR["username"], password=DEMO_OPERATOR["password"]).is_staff
    demo_key = keys.key_for(keys.DEMO_ACCESS_KEY_ID)
    assert (demo_key.user.username, demo_key.secret_access_key) == ("demo", keys.DEMO_SECRET_ACCESS_KEY)


@pytest.mark.django_db
def test_seed_demo_sets_up_the_dns_chain_of_the_demo_domain(settings):
    call_command("seed_demo", stdout=StringIO())
    pool = [s.name for s in settings.NETWORK_PLAN.rental_nameservers]
    assert set(Zone.objects.values_list("name", flat=True)) == {
        "example.com.",
        "namesmith-dns.com.",
        "namesmith-dns.net.",
        "namesmith-dns.org.",
        "namesmith-dns.kr.",
    }
    example = Zone.objects.get(name="example.com.")
    hosted = HostedZone.objects.get(name="example.com.")
    assert hosted.owner.username == DEMO_CUSTOMER["username"]
    # Its delegation set: the first rental server of each pool domain (ns-1 to ns-4).
    assert example.servers == hosted.nameservers == pool[:4]
    assert {(r[0], r[2], r[3]) for r in example.records if r[2] == "A"} == {("example.com.", "A", "192.0.2.44")}
    # www fails over between the demo origins, each watched by a health check.
    [www] = example.routed
    origins = settings.NETWORK_PLAN.origins
    assert (www["name"], www["policy"]) == ("www.example.com.", "failover")
    assert [(m["role"], m["values"], m["healthy"]) for m in www["members"]] == [
        ("PRIMARY", [origins[0].address], True),
        ("SECONDARY", [origins[1].address], True),
    ]
    checks = HealthCheck.objects.filter(owner=hosted.owner).order_by("name")
    assert [(c.name, c.ip_address, c.port, c.interval) for c in checks] == [
        (f"demo {o.name}", o.address, o.port, 10) for o in origins
    ]
    assert set(DemoOrigin.objects.values_list("name", "running")) == {(o.name, True) for o in origins}
    host = Host.objects.get(name="ns-1.namesmith-dns.com")
    assert list(host.addresses.values_list("address", flat=True)) == [
        settings.NETWORK_PLAN.rental_nameservers[0].address
    ]
    line = OrderLine.objects.get(domain="example.com")
    assert line.nameservers == [n.rstrip(".") for n in hosted.nameservers] and line.hosted_zone == hosted.pk
    assert line.order.customer.user.username == DEMO_CUSTOMER["username"]
    # The root and every TLD zone are queued for the worker to build.
    assert set(ZonePublication.objects.exclude(requested_at=None).values_list("zone", flat=True)) == {
        ".",
        "com.",
        "kr.",
        "net.",
        "org.",
    }
