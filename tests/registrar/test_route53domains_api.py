"""Route 53 Domains' API (JSON 1.1), driven by boto3 over HTTP against the web app (Django's
live server), with the registry commands delivered in this process (``broker``): the JSON
protocol and its errors, availability and prices, registrations charged to the card on file
and their operations, a held domain's settings, tags and billing. Every answer is checked
against botocore's model of the operation's output.

The name really being delegated and resolving is tests/e2e/test_route53domains.py's part."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import boto3
import botocore.config
import botocore.exceptions
import botocore.validate
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from config import clock
from config.aws import keys
from registrar import payments
from registrar.models import CustomerDomain, DomainOperation, Order
from registry import services as registry
from registry.models import Domain, Tld
from tests.conftest import GOOD_CARD

pytestmark = pytest.mark.django_db(transaction=True)

CONTACT = {
    "FirstName": "Grace",
    "LastName": "Hopper",
    "ContactType": "PERSON",
    "AddressLine1": "1 Compiler Way",
    "AddressLine2": "Suite 2",
    "City": "Arlington",
    "State": "VA",
    "CountryCode": "US",
    "ZipCode": "22201",
    "PhoneNumber": "+1.7035550100",
    "Email": "grace@example.net",
}
CONTACTS = {"AdminContact": CONTACT, "RegistrantContact": CONTACT, "TechContact": CONTACT}


def check_against_model(parsed, model, **kwargs) -> None:
    """botocore's hook after each call: the parsed answer fits the operation's output shape."""
    if model.output_shape is None or "Error" in parsed:
        return
    body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = botocore.validate.ParamValidator().validate(body, model.output_shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def signed(live_server, customer):
    key = keys.create_access_key(customer.user)
    return live_server.url, Credentials(key.access_key_id, key.secret_access_key)


@pytest.fixture
def domains(signed):
    url, credentials = signed
    client = boto3.client(
        "route53domains",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    client.meta.events.register("after-call.route53-domains", check_against_model)
    return client


@pytest.fixture
def card(customer):
    return payments.tokenize(
        customer, GOOD_CARD["number"], GOOD_CARD["exp_month"], GOOD_CARD["exp_year"], GOOD_CARD["cvc"], clock.now()
    )


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def raw(signed, target: str, body: bytes) -> tuple[int, dict]:
    """A signed JSON request as sent, for what boto3 would never send."""
    url, credentials = signed
    request = AWSRequest(
        method="POST",
        url=f"{url}/",
        data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    SigV4Auth(credentials, "route53domains", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=body, headers=dict(request.headers), method="POST")
    try:
        with urllib.request.urlopen(prepared) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_the_json_protocol_refuses_what_does_not_fit_the_model_in_aws_words(signed):
    target = "Route53Domains_v20140515."
    assert raw(signed, target + "FlyToTheMoon", b"{}") == (
        400,
        {
            "__type": "UnknownOperationException",
            "message": f"{target}FlyToTheMoon is not an operation of route53domains",
        },
    )
    status, error = raw(signed, target + "ListDomains", b"{not json")
    assert (status, error["__type"]) == (400, "SerializationException")
    status, error = raw(signed, target + "ListDomains", b'{"MaxItems": "ten"}')
    assert (status, error) == (
        400,
        {"__type": "SerializationException", "message": "Expected a whole number at 'MaxItems'"},
    )
    status, error = raw(signed, target + "CheckDomainAvailability", b"{}")
    assert (status, error) == (
        400,
        {
            "__type": "InvalidInput",
            "message": "1 validation error detected: Value null at 'domainName' failed to satisfy constraint: "
            "Member must not be null",
        },
    )


def test_availability_speaks_route53s_words_and_an_unknown_tld_is_unsupported(domains, customer):
    registry.create_domain(registry.get_registrar("namesmith"), "taken.com")
    answers = {
        name: domains.check_domain_availability(DomainName=name)["Availability"]
        for name in ("free-name.com", "taken.com", "nic.com", "shop.com")
    }
    assert answers == {
        "free-name.com": "AVAILABLE",
        "taken.com": "UNAVAILABLE",
        "nic.com": "RESERVED",
        "shop.com": "AVAILABLE",  # premium: registrable here at its premium fee
    }
    assert error_of(domains.check_domain_availability, DomainName="name.zzz")[0] == "UnsupportedTLD"
    assert error_of(domains.check_domain_availability, DomainName="bad_name!.com")[0] == "InvalidInput"


def test_prices_are_the_shops_per_tld_in_currency_units(domains, settings):
    prices = {row["Name"]: row for row in domains.list_prices()["Prices"]}
    assert set(prices) == {"com", "kr", "net"}
    com = Tld.objects.get(name="com")
    margin = settings.REGISTRAR_MARGIN_PER_YEAR
    assert prices["com"]["RegistrationPrice"] == {
        "Price": (com.create_fee + margin) / 100,
        "Currency": settings.REGISTRY_CURRENCY,
    }
    assert [row["Name"] for row in domains.list_prices(Tld="kr")["Prices"]] == ["kr"]
    assert error_of(domains.list_prices, Tld="zzz")[0] == "UnsupportedTLD"


def test_a_registration_without_a_card_on_file_or_with_bad_input_is_refused_and_charges_nothing(
    domains, customer, card
):
    card.delete()
    code, message = error_of(domains.register_domain, DomainName="new-name.com", DurationInYears=1, **CONTACTS)
    assert (code, "no payment card on file" in message) == ("InvalidInput", True)
    payments.tokenize(customer, GOOD_CARD["number"], 12, 2099, "123", clock.now())
    incomplete = {**CONTACTS, "TechContact": {k: v for k, v in CONTACT.items() if k != "Email"}}
    assert error_of(domains.register_domain, DomainName="new-name.com", DurationInYears=1, **incomplete) == (
        "InvalidInput",
        "TechContact: Email is required",
    )
    bad_phone = {**CONTACTS, "AdminContact": {**CONTACT, "PhoneNumber": "555-0100"}}
    code, message = error_of(domains.register_domain, DomainName="new-name.com", DurationInYears=1, **bad_phone)
    assert (code, message) == ("InvalidInput", "admin contact: contact voice '555-0100' is not in the form +CC.NUMBER")
    code, message = error_of(domains.register_domain, DomainName="new-name.kr", DurationInYears=6, **CONTACTS)
    assert (code, message) == ("TLDRulesViolation", "new-name.kr registers for 1 to 5 years")
    assert error_of(domains.register_domain, DomainName="nic.com", DurationInYears=1, **CONTACTS)[0] == "InvalidInput"
    assert error_of(domains.register_domain, DomainName="a.zzz", DurationInYears=1, **CONTACTS)[0] == "UnsupportedTLD"
    assert not Order.objects.exists() and not DomainOperation.objects.exists()


def test_a_registration_is_an_order_whose_line_the_operation_follows(domains, customer, card, rental_pool, broker):
    started = domains.register_domain(
        DomainName="fresh.com", DurationInYears=2, AutoRenew=False, PrivacyProtectTechContact=False, **CONTACTS
    )
    operation = domains.get_operation_detail(OperationId=started["OperationId"])
    assert (operation["Status"], operation["Type"], operation["DomainName"]) == (
        "IN_PROGRESS",
        "REGISTER_DOMAIN",
        "fresh.com",
    )
    order = Order.objects.get()
    assert (order.card, order.lines.get().years) == (card, 2)
    # Asked again while it runs: Route 53's DuplicateRequest, and no second charge.
    code, _ = error_of(domains.register_domain, DomainName="fresh.com", DurationInYears=2, **CONTACTS)
    assert code == "DuplicateRequest" and Order.objects.count() == 1

    broker.run()
    assert domains.get_operation_detail(OperationId=started["OperationId"])["Status"] == "SUCCESSFUL"
    detail = domains.get_domain_detail(DomainName="fresh.com")
    assert (detail["AutoRenew"], detail["TechPrivacy"], detail["RegistrantPrivacy"]) == (False, False, True)
    assert detail["RegistrantContact"] == CONTACT
    assert Domain.objects.get(name="fresh.com").registrant.street == "1 Compiler Way\nSuite 2"
    assert len(detail["Nameservers"]) == 4 and detail["RegistrarName"] == "Namesmith"
    [record] = domains.view_billing()["BillingRecords"]
    assert (record["DomainName"], record["Operation"], record["Price"]) == (
        "fresh.com",
        "REGISTER_DOMAIN",
        order.total / 100,
    )


def test_a_failed_registration_is_failed_with_the_registrys_reason_and_refunded(
    domains, customer, card, rental_pool, broker, alpha
):
    started = domains.register_domain(DomainName="raced.com", DurationInYears=1, **CONTACTS)
    registry.create_domain(alpha, "raced.com")  # taken meanwhile
    broker.run()
    operation = domains.get_operation_detail(OperationId=started["OperationId"])
    assert (operation["Status"], operation["Message"]) == ("FAILED", "raced.com is already registered")
    assert domains.view_billing()["BillingRecords"] == []  # refunded


@pytest.fixture
def held(domains, customer, card, rental_pool, broker):
    started = domains.register_domain(DomainName="mine.com", DurationInYears=1, **CONTACTS)
    broker.run()
    assert domains.get_operation_detail(OperationId=started["OperationId"])["Status"] == "SUCCESSFUL"
    return CustomerDomain.objects.get(name="mine.com", released_at=None)


def test_auto_renew_privacy_and_contacts_change_and_each_change_is_an_operation(domains, held, broker):
    domains.disable_domain_auto_renew(DomainName="mine.com")
    held.refresh_from_db()
    assert held.auto_renew is False
    domains.enable_domain_auto_renew(DomainName="mine.com")
    privacy = domains.update_domain_contact_privacy(DomainName="mine.com", AdminPrivacy=False)
    assert domains.get_operation_detail(OperationId=privacy["OperationId"])["Status"] == "SUCCESSFUL"
    tech = {**CONTACT, "FirstName": "Alan", "LastName": "Turing"}
    domains.update_domain_contact(DomainName="mine.com", TechContact=tech)
    registrant = {**CONTACT, "OrganizationName": "Navy", "ContactType": "PUBLIC_BODY"}
    changed = domains.update_domain_contact(DomainName="mine.com", RegistrantContact=registrant)
    assert domains.get_operation_detail(OperationId=changed["OperationId"])["Status"] == "IN_PROGRESS"
    broker.run()
    assert domains.get_operation_detail(OperationId=changed["OperationId"])["Status"] == "SUCCESSFUL"
    detail = domains.get_domain_detail(DomainName="mine.com")
    assert (detail["AutoRenew"], detail["AdminPrivacy"]) == (True, False)
    assert (detail["TechContact"]["LastName"], detail["RegistrantContact"]["OrganizationName"]) == ("Turing", "Navy")
    assert Domain.objects.get(name="mine.com").registrant.organization == "Navy"
    kinds = [(op["Type"], op["Status"]) for op in domains.list_operations(SortOrder="ASC")["Operations"]]
    assert kinds == [
        ("REGISTER_DOMAIN", "SUCCESSFUL"),
        ("DISABLE_AUTORENEW", "SUCCESSFUL"),
        ("ENABLE_AUTORENEW", "SUCCESSFUL"),
        ("CHANGE_PRIVACY_PROTECTION", "SUCCESSFUL"),
        ("UPDATE_DOMAIN_CONTACT", "SUCCESSFUL"),
        ("UPDATE_DOMAIN_CONTACT", "SUCCESSFUL"),
    ]
    assert [op["Type"] for op in domains.list_operations(Type=["ENABLE_AUTORENEW"])["Operations"]] == [
        "ENABLE_AUTORENEW"
    ]
    page = domains.list_operations(MaxItems=4)
    assert len(page["Operations"]) == 4 and page["NextPageMarker"]
    rest = domains.list_operations(MaxItems=4, Marker=page["NextPageMarker"])
    assert len(rest["Operations"]) == 2 and "NextPageMarker" not in rest


def test_tags_on_a_held_domain(domains, held):
    domains.update_tags_for_domain(DomainName="mine.com", TagsToUpdate=[{"Key": "env", "Value": "test"}, {"Key": "x"}])
    domains.update_tags_for_domain(DomainName="mine.com", TagsToUpdate=[{"Key": "env", "Value": "prod"}])
    assert domains.list_tags_for_domain(DomainName="mine.com")["TagList"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "x", "Value": ""},
    ]
    domains.delete_tags_for_domain(DomainName="mine.com", TagsToDelete=["x"])
    assert domains.list_tags_for_domain(DomainName="mine.com")["TagList"] == [{"Key": "env", "Value": "prod"}]


def test_what_is_not_in_the_account_is_not_found_in_the_words_terraform_looks_for(domains, held, second_customer):
    code, message = error_of(domains.get_domain_detail, DomainName="other.com")
    assert code == "InvalidInput" and "not found" in message
    code, message = error_of(domains.get_operation_detail, OperationId="6f1f3ad1-4a4f-4df4-9f7c-7b3b7f0b8e01")
    assert code == "InvalidInput" and message.startswith("No operation found")
    assert error_of(domains.get_operation_detail, OperationId="not-a-uuid")[1].startswith("No operation found")
    # Another customer's key sees none of it.
    key = keys.create_access_key(second_customer.user)
    other = boto3.client(
        "route53domains",
        endpoint_url=domains.meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    assert other.list_domains()["Domains"] == []
    assert error_of(other.enable_domain_transfer_lock, DomainName="mine.com")[0] == "InvalidInput"


def test_list_domains_filters_sorts_and_pages(domains, held, broker):
    domains.register_domain(DomainName="another.com", DurationInYears=3, **CONTACTS)
    broker.run()
    names = [d["DomainName"] for d in domains.list_domains()["Domains"]]
    assert names == ["another.com", "mine.com"]
    by_expiry = domains.list_domains(SortCondition={"Name": "Expiry", "SortOrder": "DESC"})["Domains"]
    assert [d["DomainName"] for d in by_expiry] == ["another.com", "mine.com"]
    started = domains.list_domains(
        FilterConditions=[{"Name": "DomainName", "Operator": "BEGINS_WITH", "Values": ["mi"]}]
    )
    assert [d["DomainName"] for d in started["Domains"]] == ["mine.com"]
    cutoff = str(held.expires_at.timestamp() + 1)
    early = domains.list_domains(FilterConditions=[{"Name": "Expiry", "Operator": "LE", "Values": [cutoff]}])
    assert [d["DomainName"] for d in early["Domains"]] == ["mine.com"]
    first = domains.list_domains(MaxItems=1)
    assert [d["DomainName"] for d in first["Domains"]] == ["another.com"]
    assert [d["DomainName"] for d in domains.list_domains(Marker=first["NextPageMarker"])["Domains"]] == ["mine.com"]


def test_renewal_needs_the_current_expiry_year_and_is_charged_once(domains, held, broker):
    year = held.expires_at.year
    code, message = error_of(domains.renew_domain, DomainName="mine.com", DurationInYears=1, CurrentExpiryYear=year - 1)
    assert (code, message) == ("InvalidInput", f"The current expiry year of mine.com is {year}, not {year - 1}")
    started = domains.renew_domain(DomainName="mine.com", DurationInYears=2, CurrentExpiryYear=year)
    broker.run()
    assert domains.get_operation_detail(OperationId=started["OperationId"])["Type"] == "RENEW_DOMAIN"
    assert domains.get_domain_detail(DomainName="mine.com")["ExpirationDate"].year == year + 2
    assert [r["Operation"] for r in domains.view_billing()["BillingRecords"]] == ["REGISTER_DOMAIN", "RENEW_DOMAIN"]


def test_ds_records_wait_for_dnssec_with_a_clear_error(domains, held):
    code, message = error_of(
        domains.associate_delegation_signer_to_domain,
        DomainName="mine.com",
        SigningAttributes={"Algorithm": 13, "Flags": 257, "PublicKey": "AAAA"},
    )
    assert code == "UnsupportedTLD" and "DNSSEC" in message


def test_an_auto_renewal_on_the_emulator_clock_is_an_operation_and_a_bill(domains, held, broker, settings):
    settings.REGISTRAR_AUTO_RENEW_DAYS = 400  # due at once
    broker.advance(timedelta(minutes=1))
    [renewal] = domains.list_operations(Type=["RENEW_DOMAIN"])["Operations"]
    assert (renewal["DomainName"], renewal["Status"]) == ("mine.com", "SUCCESSFUL")
    assert [r["Operation"] for r in domains.view_billing()["BillingRecords"]] == ["REGISTER_DOMAIN", "RENEW_DOMAIN"]
    since = clock.now() + timedelta(days=1)
    assert domains.view_billing(Start=since)["BillingRecords"] == []


def wait(domains, broker, started: dict) -> dict:
    """Terraform's waitOperationSucceeded: GetOperationDetail until it leaves SUBMITTED and IN_PROGRESS."""
    broker.run()
    detail = domains.get_operation_detail(OperationId=started["OperationId"])
    assert detail["Status"] == "SUCCESSFUL", detail
    return detail


@pytest.fixture
def route53(signed):
    url, credentials = signed
    return boto3.client(
        "route53",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
    )


def test_terraforms_calls_for_aws_route53domains_domain_replayed(domains, route53, customer, card, rental_pool, broker):
    name = "tf-domain.com"
    # create: RegisterDomain (billing contact a copy of the registrant, all four privacy flags), wait,
    # tags, the transfer lock, then the read.
    privacy = {f"PrivacyProtect{role}Contact": True for role in ("Admin", "Billing", "Registrant", "Tech")}
    started = domains.register_domain(
        DomainName=name, DurationInYears=1, AutoRenew=True, BillingContact=CONTACT, **CONTACTS, **privacy
    )
    wait(domains, broker, started)
    domains.update_tags_for_domain(DomainName=name, TagsToUpdate=[{"Key": "Environment", "Value": "test"}])
    wait(domains, broker, domains.enable_domain_transfer_lock(DomainName=name))
    detail = domains.get_domain_detail(DomainName=name)
    assert "clientTransferProhibited" in detail["StatusList"]
    assert all(detail[f"{role}Privacy"] is True for role in ("Admin", "Billing", "Registrant", "Tech"))
    assert detail["BillingContact"] == CONTACT and "GlueIps" not in detail["Nameservers"][0]
    [zone] = route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    assert (zone["Name"], zone["Config"]["PrivateZone"]) == (f"{name}.", False)
    assert domains.list_tags_for_domain(DomainName=name)["TagList"] == [{"Key": "Environment", "Value": "test"}]

    # update: a contact, privacy (all four sent), auto-renew, nameservers, the lock, one more year, tags.
    admin = {**CONTACT, "FirstName": "Ada"}
    wait(domains, broker, domains.update_domain_contact(DomainName=name, AdminContact=admin))
    flags = {f"{role}Privacy": False for role in ("Admin", "Billing", "Registrant", "Tech")}
    wait(domains, broker, domains.update_domain_contact_privacy(DomainName=name, **flags))
    domains.disable_domain_auto_renew(DomainName=name)
    servers = [{"Name": "ns1.dns-host.example"}, {"Name": "ns2.dns-host.example"}]
    wait(domains, broker, domains.update_domain_nameservers(DomainName=name, Nameservers=servers))
    wait(domains, broker, domains.disable_domain_transfer_lock(DomainName=name))
    year = detail["ExpirationDate"].year
    wait(domains, broker, domains.renew_domain(DomainName=name, CurrentExpiryYear=year, DurationInYears=1))
    domains.delete_tags_for_domain(DomainName=name, TagsToDelete=["Environment"])
    domains.update_tags_for_domain(DomainName=name, TagsToUpdate=[{"Key": "Environment", "Value": "prod"}])
    detail = domains.get_domain_detail(DomainName=name)
    assert detail["AdminContact"]["FirstName"] == "Ada" and detail["RegistrantContact"]["FirstName"] == "Grace"
    assert not any(detail[f"{role}Privacy"] for role in ("Admin", "Billing", "Registrant", "Tech"))
    assert detail["AutoRenew"] is False and "clientTransferProhibited" not in detail["StatusList"]
    assert [ns["Name"] for ns in detail["Nameservers"]] == ["ns1.dns-host.example", "ns2.dns-host.example"]
    assert detail["ExpirationDate"].year == year + 1

    # delete: DeleteDomain and wait, then the hosted zone; a refresh or a second delete finds nothing.
    wait(domains, broker, domains.delete_domain(DomainName=name))
    route53.delete_hosted_zone(Id=zone["Id"])
    for call in (domains.get_domain_detail, domains.delete_domain):
        code, message = error_of(call, DomainName=name)
        assert code == "InvalidInput" and "not found" in message


def test_terraforms_calls_for_aws_route53domains_registered_domain_replayed(domains, held, broker):
    # create adopts the domain: the read, then each setting that differs from the configuration.
    detail = domains.get_domain_detail(DomainName="mine.com")
    assert (detail["DomainName"], detail["AutoRenew"], detail["TechPrivacy"]) == ("mine.com", True, True)
    # Terraform sends every string of a contact, the ones not configured empty.
    sent = {**CONTACT, "OrganizationName": "", "AddressLine2": "", "Fax": ""}
    wait(domains, broker, domains.update_domain_contact(DomainName="mine.com", TechContact=sent))
    flags = {f"{role}Privacy": False for role in ("Admin", "Billing", "Registrant", "Tech")}
    wait(domains, broker, domains.update_domain_contact_privacy(DomainName="mine.com", **flags))
    domains.disable_domain_auto_renew(DomainName="mine.com")
    servers = [{"Name": "ns1.dns-host.example"}, {"Name": "ns2.dns-host.example"}]
    wait(domains, broker, domains.update_domain_nameservers(DomainName="mine.com", Nameservers=servers))
    wait(domains, broker, domains.enable_domain_transfer_lock(DomainName="mine.com"))
    domains.update_tags_for_domain(DomainName="mine.com", TagsToUpdate=[{"Key": "Environment", "Value": "test"}])
    detail = domains.get_domain_detail(DomainName="mine.com")
    assert detail["TechContact"] == {k: v for k, v in CONTACT.items() if k != "AddressLine2"}
    assert "clientTransferProhibited" in detail["StatusList"] and detail["AutoRenew"] is False
    assert [ns["Name"] for ns in detail["Nameservers"]] == ["ns1.dns-host.example", "ns2.dns-host.example"]
    # Applying the same configuration again changes nothing at the registry.
    again = domains.update_domain_nameservers(DomainName="mine.com", Nameservers=servers)
    assert domains.get_operation_detail(OperationId=again["OperationId"])["Status"] == "SUCCESSFUL"


def test_nameservers_under_a_tld_here_must_exist_at_the_registry(domains, held):
    servers = [{"Name": "ns1.nowhere-yet.com"}, {"Name": "ns2.nowhere-yet.com"}]
    code, message = error_of(domains.update_domain_nameservers, DomainName="mine.com", Nameservers=servers)
    assert (code, message.split(":")[0]) == (
        "InvalidInput",
        "The nameserver ns1.nowhere-yet.com does not exist at the registry",
    )


def test_nameservers_under_the_domain_come_with_their_glue(domains, held, broker):
    glue = [
        {"Name": "ns1.mine.com", "GlueIps": ["192.0.2.1", "2001:db8::1"]},
        {"Name": "ns2.mine.com", "GlueIps": ["192.0.2.2"]},
    ]
    started = domains.update_domain_nameservers(DomainName="mine.com", Nameservers=glue)
    wait(domains, broker, started)
    assert domains.get_domain_detail(DomainName="mine.com")["Nameservers"] == glue
    assert registry.info_host("ns1.mine.com").addresses == ["192.0.2.1", "2001:db8::1"]
    # New glue for the same names: the hosts change, the delegation stays.
    moved = [{"Name": "ns1.mine.com", "GlueIps": ["192.0.2.11"]}, {"Name": "ns2.mine.com", "GlueIps": ["192.0.2.2"]}]
    wait(domains, broker, domains.update_domain_nameservers(DomainName="mine.com", Nameservers=moved))
    assert registry.info_host("ns1.mine.com").addresses == ["192.0.2.11"]
    for servers, problem in (
        ([{"Name": "ns1.other.com", "GlueIps": ["192.0.2.1"]}, *glue[1:]], "only for nameservers under mine.com"),
        ([{"Name": "ns1.mine.com", "GlueIps": ["192.0.2.1", "192.0.2.9"]}, *glue[1:]], "one IPv4 and one IPv6"),
        ([{"Name": "ns1.mine.com", "GlueIps": ["not-an-address"]}, *glue[1:]], "not an IPv4 or IPv6 address"),
        ([{"Name": "ns3.mine.com"}, *glue[1:]], "ns3.mine.com does not exist at the registry"),
    ):
        code, message = error_of(domains.update_domain_nameservers, DomainName="mine.com", Nameservers=servers)
        assert code == "InvalidInput" and problem in message, message


def test_operators_see_the_operations_in_the_admin(client, staff, held):
    client.force_login(staff)
    page = client.get("/admin/registrar/domainoperation/")
    assert page.status_code == 200 and "mine.com" in page.content.decode()
    operation = DomainOperation.objects.get()
    assert client.get(f"/admin/registrar/domainoperation/{operation.pk}/change/").status_code == 200


def test_list_domains_checks_its_conditions_before_it_filters(domains, customer):
    for bad in (
        {"Name": "DomainName", "Operator": "GE", "Values": ["a"]},
        {"Name": "Expiry", "Operator": "BEGINS_WITH", "Values": ["1"]},
        {"Name": "Expiry", "Operator": "LE", "Values": ["soon"]},
    ):
        assert error_of(domains.list_domains, FilterConditions=[bad])[0] == "InvalidInput"  # even with no domains
    mixed = {
        "FilterConditions": [{"Name": "DomainName", "Operator": "BEGINS_WITH", "Values": ["a"]}],
        "SortCondition": {"Name": "Expiry", "SortOrder": "ASC"},
    }
    assert error_of(domains.list_domains, **mixed) == (
        "InvalidInput",
        "The sort condition must name the attribute the filter conditions name",
    )


def test_a_name_held_already_is_a_duplicate_and_a_single_label_is_no_domain(domains, held):
    code, message = error_of(domains.register_domain, DomainName="mine.com", DurationInYears=1, **CONTACTS)
    assert (code, message) == ("DuplicateRequest", "mine.com is registered in your account already")
    assert error_of(domains.get_domain_detail, DomainName="not-a-domain") == (
        "InvalidInput",
        "Invalid domain name not-a-domain: domain name must contain more than 1 label",
    )


def test_an_unsupported_tld_is_said_first(domains, customer, card):
    assert error_of(domains.get_domain_detail, DomainName="test.non-existing-tld")[0] == "UnsupportedTLD"
    incomplete = {**CONTACTS, "AdminContact": {"FirstName": "X"}}
    code, _ = error_of(domains.register_domain, DomainName="a.non-existing-tld", DurationInYears=1, **incomplete)
    assert code == "UnsupportedTLD"


def test_an_account_holds_at_most_its_quota_of_domains(domains, customer, card, rental_pool, broker, settings):
    settings.ROUTE53_DOMAINS_LIMIT = 2
    domains.register_domain(DomainName="first.com", DurationInYears=1, **CONTACTS)
    broker.run()
    domains.register_domain(DomainName="second.com", DurationInYears=1, **CONTACTS)  # still on its way in
    code, message = error_of(domains.register_domain, DomainName="third.com", DurationInYears=1, **CONTACTS)
    assert code == "DomainLimitExceeded" and "(2, ROUTE53_DOMAINS_LIMIT)" in message
    assert Order.objects.count() == 2
