"""Route 53 Domains' API against the whole emulator: boto3's route53domains client registers
a name through the order pipeline (charged to the card on file), the TLD servers delegate it
to its hosted zone's nameservers, its records resolve through the chain; nameserver changes
move the referral, a transfer in from a partner registrar completes, and a delete takes the
name out of the TLD. The web app is Django's live server; the worker and run_dns are real
processes (tests/e2e/conftest.py's chain)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.conf import settings

from config import clock
from config.aws import keys
from registrar import payments, services
from registrar.choices import LineState
from registrar.models import CustomerDomain, OrderLine
from registry import services as registry
from registry.models import Domain
from tests.conftest import GOOD_CARD, make_customer
from tests.e2e.dnsworld import COM, PLAN, dig, wait_until

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

CONTACT = {
    "FirstName": "Ada",
    "LastName": "Lovelace",
    "ContactType": "PERSON",
    "AddressLine1": "12 Analytical Row",
    "City": "London",
    "CountryCode": "GB",
    "ZipCode": "N1 9GU",
    "PhoneNumber": "+44.2071234567",
    "Email": "ada@example.net",
}


class Account:
    """A customer with a card on file and an access key, and boto3 clients signed with it."""

    def __init__(self, url: str, username: str) -> None:
        self.customer = make_customer(username)
        card = GOOD_CARD
        payments.tokenize(self.customer, card["number"], card["exp_month"], card["exp_year"], card["cvc"], clock.now())
        key = keys.create_access_key(self.customer.user)
        self.env = {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        self.domains, self.route53 = (
            boto3.client(
                service,
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id=key.access_key_id,
                aws_secret_access_key=key.secret_access_key,
            )
            for service in ("route53domains", "route53")
        )

    def done(self, operation_id: str, status: str = "SUCCESSFUL", timeout: float = 60) -> dict:
        """GetOperationDetail once the operation has left SUBMITTED and IN_PROGRESS."""
        found: dict = {}

        def settled() -> bool:
            found.update(self.domains.get_operation_detail(OperationId=operation_id))
            return found["Status"] not in ("SUBMITTED", "IN_PROGRESS")

        wait_until(settled, timeout=timeout, what=f"operation {operation_id}")
        assert found["Status"] == status, found
        return found

    def cli(self, *args: str) -> dict:
        """``aws route53domains ...`` (awscli from PyPI), as a user runs it."""
        command = [str(Path(sys.executable).with_name("aws")), "route53domains", *args, "--output", "json"]
        result = subprocess.run(command, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}


def referral(name: str) -> set[str]:
    """The NS names com's server answers for ``name`` without recursion."""
    out = dig(f"@{COM}", name, "NS", "+norec", "+noall", "+authority")
    return {line.split()[-1].rstrip(".") for line in out.splitlines() if "\tNS\t" in line or " NS " in line}


def test_a_name_registered_over_route53domains_is_delegated_resolves_and_can_be_changed_and_deleted(chain, live_server):
    stack, demo_servers = chain
    alice = Account(live_server.url, "alice")
    name = "r53d-new.com"
    assert alice.domains.check_domain_availability(DomainName=name)["Availability"] == "AVAILABLE"
    started = alice.domains.register_domain(
        DomainName=name,
        DurationInYears=1,
        AdminContact=CONTACT,
        RegistrantContact=CONTACT,
        TechContact=CONTACT,
        PrivacyProtectAdminContact=False,
    )
    operation = alice.done(started["OperationId"])
    assert (operation["Type"], operation["DomainName"]) == ("REGISTER_DOMAIN", name)

    # A hosted zone as Route 53 makes one, and com delegates the name to its four servers.
    [zone] = alice.route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    zone_id = zone["Id"].split("/")[-1]
    servers = alice.route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"]
    wait_until(lambda: referral(name) == set(servers), what=f"{name} delegated to its zone's servers")
    detail = alice.domains.get_domain_detail(DomainName=name)
    assert {ns["Name"] for ns in detail["Nameservers"]} == set(servers)
    assert detail["RegistrantContact"]["LastName"] == "Lovelace"
    assert (detail["AdminPrivacy"], detail["TechPrivacy"], detail["AutoRenew"]) == (False, True, True)
    assert detail["ExpirationDate"].year == clock.now().year + 1
    assert Domain.objects.get(name=name, deleted_at=None).registrant.name == "Ada Lovelace"

    # Its records resolve through root -> com -> the zone.
    batch = {
        "Changes": [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": f"www.{name}",
                    "Type": "A",
                    "TTL": 60,
                    "ResourceRecords": [{"Value": "192.0.2.80"}],
                },
            }
        ]
    }
    change = alice.route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]
    wait_until(lambda: alice.route53.get_change(Id=change)["ChangeInfo"]["Status"] == "INSYNC", what="INSYNC")
    stack.resolver()
    assert dig(f"@{PLAN.resolver.address}", f"www.{name}", "A", "+short").split() == ["192.0.2.80"]

    # New nameservers: the referral at com moves.
    moved = alice.domains.update_domain_nameservers(
        DomainName=name, Nameservers=[{"Name": server} for server in demo_servers]
    )
    assert alice.done(moved["OperationId"])["Type"] == "UPDATE_NAMESERVER"
    wait_until(lambda: referral(name) == set(demo_servers), what="referral moved")

    # The transfer lock is the registry's status, and the auth code is the registry's.
    alice.done(alice.domains.enable_domain_transfer_lock(DomainName=name)["OperationId"])
    assert "clientTransferProhibited" in alice.domains.get_domain_detail(DomainName=name)["StatusList"]
    [summary] = alice.domains.list_domains()["Domains"]
    assert (summary["DomainName"], summary["TransferLock"]) == (name, True)
    code = alice.domains.retrieve_domain_auth_code(DomainName=name)["AuthCode"]
    assert code == Domain.objects.get(name=name, deleted_at=None).auth_info

    # Deleted within its add grace period: gone from com, and from the account.
    alice.done(alice.domains.disable_domain_transfer_lock(DomainName=name)["OperationId"])
    alice.done(alice.domains.delete_domain(DomainName=name)["OperationId"])
    wait_until(lambda: not referral(name), what=f"{name} out of com")
    assert not CustomerDomain.objects.filter(name=name, released_at=None).exists()
    with pytest.raises(alice.domains.exceptions.InvalidInput, match="not found"):
        alice.domains.get_domain_detail(DomainName=name)
    kinds = [op["Type"] for op in alice.domains.list_operations(SortOrder="ASC")["Operations"]]
    assert kinds == ["REGISTER_DOMAIN", "UPDATE_NAMESERVER", "DOMAIN_LOCK", "DOMAIN_LOCK", "DELETE_DOMAIN"]
    [bill] = alice.domains.view_billing()["BillingRecords"]
    assert (bill["DomainName"], bill["Operation"]) == (name, "REGISTER_DOMAIN")


def test_a_transfer_in_over_route53domains_completes_when_the_losing_registrar_approves(chain, live_server):
    alice = Account(live_server.url, "alice")
    alpha = registry.get_registrar("alpha-reg")
    registry.create_domain(alpha, "r53d-far.com", auth_info="Far-Away-Code-2026", nameservers=chain[1])
    transferability = alice.domains.check_domain_transferability(DomainName="r53d-far.com", AuthCode="wrong-code-1")
    assert transferability["Transferability"]["Transferable"] == "UNTRANSFERABLE"
    good = alice.domains.check_domain_transferability(DomainName="r53d-far.com", AuthCode="Far-Away-Code-2026")
    assert good["Transferability"]["Transferable"] == "TRANSFERABLE"

    # The zone the name is to be served from once it is here.
    made = alice.route53.create_hosted_zone(Name="r53d-far.com", CallerReference="far")
    servers = made["DelegationSet"]["NameServers"]
    started = alice.domains.transfer_domain(
        DomainName="r53d-far.com",
        DurationInYears=1,
        Nameservers=[{"Name": server} for server in servers],
        AuthCode="Far-Away-Code-2026",
        AdminContact=CONTACT,
        RegistrantContact=CONTACT,
        TechContact=CONTACT,
    )
    operation_id = started["OperationId"]
    wait_until(
        lambda: alice.domains.get_operation_detail(OperationId=operation_id)["Status"] == "IN_PROGRESS",
        what="transfer requested",
    )
    awaiting = OrderLine.objects.filter(domain="r53d-far.com", state=LineState.AWAITING_TRANSFER)
    wait_until(awaiting.exists, what="the transfer requested at the registry")
    registry.approve_transfer(alpha, "r53d-far.com")
    services.start_poll()  # what beat does every few seconds under make run
    assert alice.done(operation_id)["Type"] == "TRANSFER_IN_DOMAIN"
    assert Domain.objects.get(name="r53d-far.com", deleted_at=None).registrar.client_id == settings.REGISTRAR_CLIENT_ID
    assert alice.domains.get_domain_detail(DomainName="r53d-far.com")["RegistrantContact"]["FirstName"] == "Ada"
    [bill] = alice.domains.view_billing()["BillingRecords"]
    assert (bill["DomainName"], bill["Operation"]) == ("r53d-far.com", "TRANSFER_IN_DOMAIN")
    # Then delegated to the nameservers the transfer named.
    wait_until(lambda: referral("r53d-far.com") == set(servers), what="referral to the zone's servers")
    kinds = [op["Type"] for op in alice.domains.list_operations(SortOrder="ASC")["Operations"]]
    assert kinds == ["TRANSFER_IN_DOMAIN", "UPDATE_DOMAIN_CONTACT", "UPDATE_NAMESERVER"]
    # The registrant given with the transfer is the registry's too, not the losing registrar's contact.
    wait_until(
        lambda: Domain.objects.get(name="r53d-far.com", deleted_at=None).registrant.name == "Ada Lovelace",
        what="the registrant at the registry",
    )


def test_the_aws_cli_registers_a_name_and_follows_its_operation(chain, live_server, tmp_path):
    alice = Account(live_server.url, "alice")
    contact = tmp_path / "contact.json"
    contact.write_text(json.dumps(CONTACT))
    assert alice.cli("check-domain-availability", "--domain-name", "r53d-cli.com") == {"Availability": "AVAILABLE"}
    started = alice.cli(
        "register-domain",
        "--domain-name",
        "r53d-cli.com",
        "--duration-in-years",
        "2",
        "--no-auto-renew",
        *(option for role in ("admin", "registrant", "tech") for option in (f"--{role}-contact", f"file://{contact}")),
    )
    alice.done(started["OperationId"])
    [domain] = alice.cli("list-domains")["Domains"]
    assert (domain["DomainName"], domain["AutoRenew"]) == ("r53d-cli.com", False)
    wait_until(lambda: bool(referral("r53d-cli.com")), what="r53d-cli.com delegated")
    assert alice.cli("get-operation-detail", "--operation-id", started["OperationId"])["Status"] == "SUCCESSFUL"
