"""endpoints, roothints and export_zone: the shapes scripts and DNS software rely on."""

import json
import shutil
import subprocess
from io import StringIO

import dns.zone
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from registry import zones
from resolver import rental
from resolver.services import publish_zone


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_endpoints_json_has_the_documented_shape():
    data = json.loads(run("endpoints", "--json"))
    plan = settings.NETWORK_PLAN
    assert data["web"] == f"http://{settings.WEB_HOST}:{settings.WEB_PORT}/"
    assert data["dns_port"] == plan.dns_port
    assert data["root_servers"][0] == {"name": "a.root-servers.net.", "address": plan.root_servers[0].address}
    assert [s["name"] for s in data["tld_servers"]["com"]] == ["a.gtld-servers.net.", "b.gtld-servers.net."]
    assert set(data["tld_servers"]) >= {"com", "net", "org", "kr"}
    assert len(data["rental_nameservers"]) == 8
    assert data["resolver"] == {"address": plan.resolver.address, "port": plan.dns_port}
    assert data["epp"] == {"address": plan.epp.address, "port": plan.epp.port}
    assert data["whois"] == {"address": plan.whois.address, "port": plan.whois.port}
    assert data["registry_api"] == f"{data['web']}api/registry/v1/" and data["rdap"] == f"{data['web']}rdap/"
    addresses = [s["address"] for s in data["root_servers"] + data["rental_nameservers"]]
    assert all(a.startswith("127.") and a not in ("127.0.0.1", "127.0.0.53") for a in addresses)
    assert data["aws"] == {
        "endpoint_url": f"http://{settings.WEB_HOST}:{settings.WEB_PORT}",
        "region": "us-east-1",
        "access_key_id": "AKIANAMESMITHDEMO001",
        "secret_access_key": "namesmith/demo+secret+access+key/2026+00",
    }


@pytest.mark.django_db
def test_endpoints_json_lists_each_process_metrics_url(settings):
    settings.METRICS_PORT = 9480
    settings.WORKER_CONCURRENCY = 3
    data = json.loads(run("endpoints", "--json"))
    assert data["metrics"] == {
        "web": f"http://{settings.WEB_HOST}:{settings.WEB_PORT}/metrics",
        "dns": "http://127.0.0.1:9480/metrics",
        "resolver": "http://127.0.0.1:9481/metrics",
        "epp": "http://127.0.0.1:9482/metrics",
        "whois": "http://127.0.0.1:9483/metrics",
        "worker.1": "http://127.0.0.1:9491/metrics",
        "worker.2": "http://127.0.0.1:9492/metrics",
        "worker.3": "http://127.0.0.1:9493/metrics",
    }
    settings.METRICS_PORT = 0
    assert list(json.loads(run("endpoints", "--json"))["metrics"]) == ["web"]


@pytest.mark.django_db
def test_endpoints_without_json_is_a_table_of_the_same():
    table = run("endpoints")
    assert "root_servers" in table and settings.NETWORK_PLAN.root_servers[0].address in table
    assert "tld_servers com" in table and "a.gtld-servers.net." in table
    assert f"{settings.NETWORK_PLAN.epp.address} port {settings.NETWORK_PLAN.epp.port} (TLS)" in table


def test_roothints_is_a_zone_file_of_the_root_servers():
    hints = run("roothints")
    zone = dns.zone.from_text(hints, origin=".", relativize=False, check_origin=False)
    names = sorted(r.target.to_text() for r in zone.get_rdataset(".", "NS"))
    assert names == sorted(s.name for s in settings.NETWORK_PLAN.root_servers)
    for server in settings.NETWORK_PLAN.root_servers:
        assert zone.get_rdataset(server.name, "A")[0].address == server.address


@pytest.mark.django_db
def test_export_zone_writes_a_master_file_named_checkzone_accepts(tlds, alpha, tmp_path):
    from registry import services

    services.create_domain(alpha, "glue.com")
    services.create_host(alpha, "ns1.glue.com", ["192.0.2.1"])
    services.create_host(alpha, "ns2.glue.com", ["192.0.2.2"])
    services.update_nameservers(alpha, "glue.com", ["ns1.glue.com", "ns2.glue.com"])
    records, servers = zones.build("com.")
    stored = publish_zone("com.", "tld", records, servers, version=1)
    text = run("export_zone", "com")
    assert text.splitlines()[2].startswith(f"com. 900 IN SOA a.gtld-servers.net. hostmaster.nic.com. {stored.serial} ")
    path = tmp_path / "com.zone"
    path.write_text(text)
    checkzone = shutil.which("named-checkzone")
    if checkzone is None:
        pytest.fail("named-checkzone is missing: make test installs bind9-utils")
    result = subprocess.run([checkzone, "com", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"loaded serial {stored.serial}" in result.stdout


@pytest.mark.django_db
def test_export_zone_names_the_published_zones_when_asked_for_another():
    with pytest.raises(CommandError, match=r"zone nowhere\. is not published"):
        run("export_zone", "nowhere")


@pytest.mark.django_db
def test_aws_account_makes_fresh_accounts_and_resets_one():
    from config.aws import keys
    from resolver import health, rental
    from resolver.models import HealthCheck, HostedZone, Zone

    made = json.loads(run("aws_account", "create", "--count", "2", "--json"))
    assert len(made) == 2 and len({m["access_key_id"] for m in made}) == 2
    account = keys.key_for(made[0]["access_key_id"]).user
    assert account.username == made[0]["username"]
    zone, _, _ = rental.create_hosted_zone(account, "reset.example", caller_reference="r")
    rental.change_record_sets(
        account,
        zone.pk,
        [
            {
                "action": "CREATE",
                "record_set": {"name": "www.reset.example", "type": "A", "ttl": 1, "values": ["192.0.2.1"]},
            }
        ],
    )
    rental.publish_hosted_zone(zone.pk)
    health.create_health_check(account, {"kind": "TCP", "ip_address": "127.0.0.1", "port": 1})
    rental.create_delegation_set(account, "d")
    assert run("aws_account", "reset", made[0]["access_key_id"]).endswith("2 hosted zones and health checks deleted\n")
    assert (
        not HostedZone.objects.filter(owner=account).exists() and not HealthCheck.objects.filter(owner=account).exists()
    )
    assert not Zone.objects.filter(key=zone.pk).exists()


def test_tsig_key_prints_the_zones_key_making_one_only_when_asked_or_missing(customer, second_customer):
    zone, _, _ = rental.create_hosted_zone(customer.user, "keyed.net", caller_reference="k")
    first = run("tsig_key", "keyed.net")
    assert first.startswith('key "update.keyed.net" {\n\talgorithm hmac-sha256;\n\tsecret "')
    assert run("tsig_key", zone.pk) == first  # by id too, and the same key again
    second = run("tsig_key", "keyed.net", "--new", "--algorithm", "hmac-sha384")
    assert second.startswith('key "update-2.keyed.net" {\n\talgorithm hmac-sha384;')
    rental.create_hosted_zone(second_customer.user, "keyed.net", caller_reference="k2")
    with pytest.raises(CommandError, match=r"2 hosted zones are named keyed\.net\.: give one of their ids"):
        run("tsig_key", "keyed.net")
    with pytest.raises(CommandError, match=r"no hosted zone nowhere\.net"):
        run("tsig_key", "nowhere.net")
