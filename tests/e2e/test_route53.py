"""Route 53's API against the whole emulator: boto3 and the AWS CLI make zones and records,
GetChange turns INSYNC once every nameserver serves them, and the records really resolve:
from each of the zone's nameservers (dig), through the root and TLD (run_resolver) when the
name is delegated to them, and in TestDNSAnswer. The web app is Django's live server; the
worker and run_dns are real processes (tests/e2e/conftest.py's chain)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.conf import settings

from config.aws import keys
from registry import services
from resolver.models import PoolServer
from tests.conftest import make_customer
from tests.e2e.dnsworld import COM, PLAN, delegated, dig, dns01_challenge, wait_until

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

RESOLVER = PLAN.resolver.address


class Account:
    """A customer with an access key, and a boto3 Route 53 client signed with it."""

    def __init__(self, url: str, username: str) -> None:
        self.user = make_customer(username).user
        key = keys.create_access_key(self.user)
        self.env = {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        self.route53 = boto3.client(
            "route53",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
        )

    def zone(self, name: str, reference: str) -> tuple[str, list[str]]:
        made = self.route53.create_hosted_zone(Name=name, CallerReference=reference)
        return made["HostedZone"]["Id"].split("/")[-1], made["DelegationSet"]["NameServers"]

    def change(self, zone_id: str, *changes: tuple[str, dict]) -> str:
        batch = {"Changes": [{"Action": action, "ResourceRecordSet": data} for action, data in changes]}
        return self.route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]

    def insync(self, change_id: str, timeout: float = 30) -> float:
        """Seconds until GetChange says INSYNC."""
        started = time.monotonic()
        wait_until(
            lambda: self.route53.get_change(Id=change_id)["ChangeInfo"]["Status"] == "INSYNC",
            timeout=timeout,
            what=f"{change_id} INSYNC",
        )
        return time.monotonic() - started


def a_record(name: str, *values: str, ttl: int = 60) -> dict:
    return {"Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}


def answer(server: str, name: str, rdtype: str = "A", *flags: str) -> list[str]:
    address = PLAN.address_of(server)
    assert address is not None, server
    return dig(f"@{address}", name, rdtype, "+short", "+norec", *flags).splitlines()


@pytest.fixture
def r53(chain, live_server):
    return Account(live_server.url, "alice")


def test_records_made_over_route53_are_served_by_every_nameserver_and_resolve_through_the_chain(chain, r53):
    stack, _ = chain
    zone_id, servers = r53.zone("r53-live.com", "live")
    # Registered here with the zone's nameservers, the name is delegated to them at com.
    services.create_domain(services.get_registrar(settings.REGISTRAR_CLIENT_ID), "r53-live.com", nameservers=servers)
    change_id = r53.change(
        zone_id,
        ("CREATE", a_record("www.r53-live.com", "192.0.2.55")),
        ("CREATE", {"Name": "r53-live.com", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"hello"'}]}),
    )
    r53.insync(change_id)
    for server in servers:  # INSYNC means every one of them serves it
        assert answer(server, "www.r53-live.com") == ["192.0.2.55"]
        assert "flags: qr aa" in dig(f"@{PLAN.address_of(server)}", "www.r53-live.com", "A", "+norec")
    tested = r53.route53.test_dns_answer(HostedZoneId=zone_id, RecordName="r53-live.com", RecordType="TXT")
    assert (tested["RecordData"], tested["ResponseCode"], tested["Nameserver"]) == (['"hello"'], "NOERROR", servers[0])
    wait_until(lambda: delegated("r53-live.com.", COM), what="r53-live.com delegated")
    stack.resolver()
    assert dig(f"@{RESOLVER}", "www.r53-live.com", "A", "+short").split() == ["192.0.2.55"]

    upsert = r53.change(zone_id, ("UPSERT", a_record("www.r53-live.com", "192.0.2.56")))
    r53.insync(upsert)
    assert {tuple(answer(server, "www.r53-live.com")) for server in servers} == {("192.0.2.56",)}


def test_zones_of_one_name_answer_from_their_own_servers_and_the_world_sees_the_delegated_one(chain, r53, live_server):
    stack, _ = chain
    other = Account(live_server.url, "bob")
    mine, my_servers = r53.zone("contested.com", "mine")
    theirs, their_servers = other.zone("contested.com", "theirs")
    third, third_servers = r53.zone("contested.com", "third")  # twelve servers for one name: the pool grows
    assert not set(my_servers) & set(their_servers) and not set(third_servers) & set(my_servers + their_servers)
    grown = [s for s in third_servers if PLAN.rental_server_number(s)]
    assert grown and set(PoolServer.objects.values_list("name", flat=True)) >= {f"{s}." for s in grown}
    services.create_domain(
        services.get_registrar(settings.REGISTRAR_CLIENT_ID), "contested.com", nameservers=my_servers
    )
    for account, zone_id, address in (
        (r53, mine, "192.0.2.1"),
        (other, theirs, "192.0.2.2"),
        (r53, third, "192.0.2.3"),
    ):
        account.insync(account.change(zone_id, ("CREATE", a_record("contested.com", address))))
    assert {tuple(answer(s, "contested.com")) for s in my_servers} == {("192.0.2.1",)}
    assert {tuple(answer(s, "contested.com")) for s in their_servers} == {("192.0.2.2",)}
    # run_dns started listening for the servers the pool grew by, as a zone named them.
    assert {tuple(answer(s, "contested.com")) for s in third_servers} == {("192.0.2.3",)}
    wait_until(lambda: delegated("contested.com.", COM), what="contested.com delegated")
    stack.resolver()
    assert dig(f"@{RESOLVER}", "contested.com", "A", "+short").split() == ["192.0.2.1"]
    # A grown server's own name resolves too: its pool domain's zone has its address.
    assert dig(f"@{RESOLVER}", grown[0], "A", "+short").split() == [PLAN.address_of(grown[0])]


def aws(account: Account, *args: str, tmp_path: Path | None = None) -> dict:
    """The AWS CLI (awscli from PyPI), as a user runs it, with the account's environment."""
    command = [str(Path(sys.executable).with_name("aws")), "route53", *args, "--output", "json"]
    env = {**os.environ, **account.env, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_the_aws_cli_makes_a_zone_and_records_and_waits_for_them(chain, r53, tmp_path):
    made = aws(r53, "create-hosted-zone", "--name", "cli.example", "--caller-reference", "cli-1")
    zone_id = made["HostedZone"]["Id"]
    assert made["HostedZone"]["Name"] == "cli.example." and len(made["DelegationSet"]["NameServers"]) == 4
    batch = tmp_path / "batch.json"
    batch.write_text(
        json.dumps(
            {
                "Comment": "from the CLI",
                "Changes": [{"Action": "CREATE", "ResourceRecordSet": a_record("api.cli.example", "192.0.2.9")}],
            }
        )
    )
    change = aws(r53, "change-resource-record-sets", "--hosted-zone-id", zone_id, "--change-batch", f"file://{batch}")
    change_id = change["ChangeInfo"]["Id"]
    r53.insync(change_id)
    aws(r53, "wait", "resource-record-sets-changed", "--id", change_id)  # the CLI's own waiter on GetChange
    assert aws(r53, "get-change", "--id", change_id)["ChangeInfo"]["Status"] == "INSYNC"
    listed = aws(r53, "list-resource-record-sets", "--hosted-zone-id", zone_id)["ResourceRecordSets"]
    assert [(r["Name"], r["Type"]) for r in listed] == [
        ("cli.example.", "NS"),
        ("cli.example.", "SOA"),
        ("api.cli.example.", "A"),
    ]
    server = made["DelegationSet"]["NameServers"][0]
    assert answer(server, "api.cli.example") == ["192.0.2.9"]
    zones = aws(r53, "list-hosted-zones-by-name", "--dns-name", "cli.example")["HostedZones"]
    assert [z["Id"] for z in zones] == [zone_id]


# --- Terraform's AWS provider, replayed call for call ------------------------------------------


def terraform_wait(route53, change_id: str) -> None:
    """The provider's waitChangeInsync: GetChange until INSYNC (NoSuchChange would fail it)."""
    wait_until(lambda: route53.get_change(Id=change_id)["ChangeInfo"]["Status"] == "INSYNC", what=change_id)


def terraform_find_record(route53, zone_id: str, name: str, rtype: str, set_id: str = "") -> dict | None:
    """findResourceRecordSetByFourPartKey: list from the name and type, one page at a time
    while the next set may still be it, then filter on name, type and set identifier."""
    fqdn = name.rstrip(".") + "."
    params = {
        "HostedZoneId": zone_id,
        "StartRecordName": fqdn,
        "StartRecordType": rtype,
        "MaxItems": "100" if set_id else "1",
    }
    found = []
    while True:
        page = route53.list_resource_record_sets(**params)
        found += [
            r
            for r in page["ResourceRecordSets"]
            if r["Name"].lower() == fqdn.lower() and r["Type"] == rtype and r.get("SetIdentifier", "") == set_id
        ]
        if not (
            page["IsTruncated"] and page["NextRecordName"].lower() == fqdn.lower() and page["NextRecordType"] == rtype
        ):
            break
        params = {**params, "StartRecordName": page["NextRecordName"], "StartRecordType": page["NextRecordType"]}
        if "NextRecordIdentifier" in page:
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_terraform_s_zone_record_and_health_check_life_cycles(chain, r53):
    route53 = r53.route53
    # aws_route53_zone: create, wait, tag, read.
    made = route53.create_hosted_zone(
        Name="tf.example",
        CallerReference="terraform-20261207120000000000000001",
        HostedZoneConfig={"Comment": "Managed by Terraform"},
    )
    zone_id = made["HostedZone"]["Id"].removeprefix("/hostedzone/")
    terraform_wait(route53, made["ChangeInfo"]["Id"])
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone_id, AddTags=[{"Key": "Name", "Value": "tf"}]
    )
    zone = route53.get_hosted_zone(Id=zone_id)
    assert (
        zone["HostedZone"]["Name"].rstrip(".") == "tf.example"
        and zone["HostedZone"]["Config"]["Comment"] == "Managed by Terraform"
    )
    name_servers = sorted(zone["DelegationSet"]["NameServers"])
    assert len(name_servers) == 4 and "Id" not in zone["DelegationSet"]
    assert route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)["ResourceTagSet"]["Tags"] == [
        {"Key": "Name", "Value": "tf"}
    ]

    # aws_route53_health_check: create, tag, read (Route 53's defaults filled in), update.
    check = route53.create_health_check(
        CallerReference="tf-web-1",
        HealthCheckConfig={
            "Type": "HTTP",
            "IPAddress": "127.0.0.1",
            "Port": 1,
            "ResourcePath": "/",
            "FailureThreshold": 2,
        },
    )["HealthCheck"]
    route53.change_tags_for_resource(
        ResourceType="healthcheck", ResourceId=check["Id"], AddTags=[{"Key": "Name", "Value": "web"}]
    )
    config = route53.get_health_check(HealthCheckId=check["Id"])["HealthCheck"]["HealthCheckConfig"]
    assert (config["RequestInterval"], config["FailureThreshold"], config["EnableSNI"]) == (30, 2, False)
    route53.update_health_check(HealthCheckId=check["Id"], FailureThreshold=3)

    # aws_route53_record: simple; a wildcard TXT (the provider quotes TXT and writes * as \052);
    # weighted, with the health check.
    assert route53.get_hosted_zone(Id=zone_id)["HostedZone"]["Name"] == "tf.example."
    records = [
        ({"Name": "www.tf.example", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.10"}]}, ""),
        ({"Name": "\\052.tf.example", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"v=spf1 -all"'}]}, ""),
        (
            {
                "Name": "api.tf.example",
                "Type": "A",
                "TTL": 60,
                "SetIdentifier": "blue",
                "Weight": 100,
                "HealthCheckId": check["Id"],
                "ResourceRecords": [{"Value": "192.0.2.11"}],
            },
            "blue",
        ),
    ]
    for data, set_id in records:
        batch = {"Comment": "Managed by Terraform", "Changes": [{"Action": "CREATE", "ResourceRecordSet": data}]}
        terraform_wait(
            route53, route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
        )
        found = terraform_find_record(route53, zone_id, data["Name"], data["Type"], set_id)
        assert found is not None and found["ResourceRecords"] == data["ResourceRecords"], data
    assert answer(name_servers[0], "anything.tf.example", "TXT") == ['"v=spf1 -all"']
    # Update in place: UPSERT. Changing the type: DELETE the old set as listed, CREATE the new, in one batch.
    www = {"Name": "www.tf.example", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.20"}]}
    batch = {"Comment": "Managed by Terraform", "Changes": [{"Action": "UPSERT", "ResourceRecordSet": www}]}
    terraform_wait(
        route53, route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
    )
    old = terraform_find_record(route53, zone_id, "www.tf.example", "A")
    cname = {"Name": "www.tf.example", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "api.tf.example"}]}
    batch = {
        "Comment": "Managed by Terraform",
        "Changes": [{"Action": "DELETE", "ResourceRecordSet": old}, {"Action": "CREATE", "ResourceRecordSet": cname}],
    }
    terraform_wait(
        route53, route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
    )
    assert terraform_find_record(route53, zone_id, "www.tf.example", "A") is None
    assert answer(name_servers[1], "www.tf.example", "CNAME") == ["api.tf.example."]

    # Destroy: records (each DELETE echoes the set as listed), the check, then the zone with force_destroy.
    for name, rtype, set_id in (("www.tf.example", "CNAME", ""), ("api.tf.example", "A", "blue")):
        found = terraform_find_record(route53, zone_id, name, rtype, set_id)
        batch = {"Comment": "Deleted by Terraform", "Changes": [{"Action": "DELETE", "ResourceRecordSet": found}]}
        terraform_wait(
            route53, route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
        )
        assert terraform_find_record(route53, zone_id, name, rtype, set_id) is None
    route53.delete_health_check(HealthCheckId=check["Id"])
    with pytest.raises(route53.exceptions.NoSuchHealthCheck):
        route53.get_health_check(HealthCheckId=check["Id"])
    leftover = [
        r
        for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
        for r in page["ResourceRecordSets"]
        if not (r["Name"] == "tf.example." and r["Type"] in ("NS", "SOA"))
    ]
    assert [r["Name"] for r in leftover] == ["\\052.tf.example."]
    batch = {
        "Comment": "Deleted by Terraform",
        "Changes": [{"Action": "DELETE", "ResourceRecordSet": r} for r in leftover],
    }
    terraform_wait(
        route53, route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
    )
    assert route53.get_dnssec(HostedZoneId=zone_id)["Status"]["ServeSignature"] == "NOT_SIGNING"
    terraform_wait(route53, route53.delete_hosted_zone(Id=zone_id)["ChangeInfo"]["Id"])
    with pytest.raises(route53.exceptions.NoSuchHostedZone):
        route53.get_hosted_zone(Id=zone_id)
    wait_until(
        lambda: dig(f"@{PLAN.address_of(name_servers[0])}", "tf.example", "SOA", "+norec").count("REFUSED") == 1,
        what="zone withdrawn",
    )


# --- certbot-dns-route53: a DNS-01 challenge cycle ----------------------------------------------


def test_certbot_dns_route53_publishes_and_removes_a_dns01_challenge(chain, r53, monkeypatch):
    import types

    from certbot_dns_route53._internal.dns_route53 import Authenticator

    _, servers = r53.zone("certs.example", "certbot")
    for name, value in r53.env.items():
        monkeypatch.setenv(name, value)
    achall, expected = dns01_challenge("www.certs.example")
    authenticator = Authenticator(types.SimpleNamespace(), "dns-route53")
    authenticator.perform([achall])  # UPSERTs the TXT set and waits on GetChange until INSYNC
    for server in servers:
        assert answer(server, "_acme-challenge.www.certs.example", "TXT") == [expected]
    authenticator.cleanup([achall])  # DELETEs it with the same value
    wait_until(lambda: not answer(servers[0], "_acme-challenge.www.certs.example", "TXT"), what="challenge removed")
    assert (
        r53.route53.get_hosted_zone(Id=r53.route53.list_hosted_zones()["HostedZones"][0]["Id"])["HostedZone"][
            "ResourceRecordSetCount"
        ]
        == 2
    )
