"""Every EPP command through the handler the server uses, request and response as fixture
files side by side (fixtures/<name>.xml and fixtures/<name>.response.xml)."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from registry import services
from registry.models import Domain, GracePeriod, LedgerEntry, Operation, Registrar
from tests.conftest import COM_FEES
from tests.registry.epp.conftest import NOW, Epp, assert_matches

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Alice Example",
    "organization": "Alpha Names",
    "street": "1 Main Street\nFloor 2",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country_code": "US",
    "voice": "+1.5555550100",
    "fax": "",
    "email": "alice@alpha.example",
}
DS = {
    "key_tag": 12345,
    "algorithm": 13,
    "digest_type": 2,
    "digest": "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4AC69CB",
}


def balance(registrar: Registrar) -> int:
    return Registrar.objects.get(pk=registrar.pk).balance


def example_domain(registrar: Registrar, **kwargs) -> None:
    """example.com for one year with auth info 2fooBAR!, created at the frozen clock."""
    services.create_domain(registrar, "example.com", auth_info="2fooBAR!", **kwargs)


# --- session ----------------------------------------------------------------------------------


def test_hello_answers_with_the_greeting(frozen_clock):
    Epp().exchange("hello", response="greeting")


def test_login_opens_a_session_with_the_services_the_client_announced(alpha, frozen_clock):
    session = Epp()
    session.exchange("login")
    assert session.session.client_id == "alpha-reg"
    assert session.gate.sessions("alpha-reg") == 1
    assert "urn:ietf:params:xml:ns:epp:fee-1.0" in session.session.ext_uris


def test_login_with_a_wrong_password_is_an_authentication_error(alpha, frozen_clock):
    session = Epp()
    session.exchange("login_bad_password")
    assert not session.session.logged_in and not session.closed
    session.exchange("login")


def test_login_naming_a_service_we_do_not_serve_is_refused_with_2307(alpha, frozen_clock):
    session = Epp()
    session.exchange("login_unknown_service")
    assert not session.session.logged_in


def test_login_with_new_pw_changes_the_password(alpha, frozen_clock):
    session = Epp()
    session.exchange("login_new_password")
    assert services.authenticate_epp("alpha-reg", "new-Secret-1") == alpha
    assert services.authenticate_epp("alpha-reg", "alpha-reg-password") is None


def test_logout_ends_the_session_and_frees_its_slot(epp):
    epp.exchange("logout")
    assert epp.closed
    assert not epp.session.logged_in
    assert epp.gate.sessions("alpha-reg") == 0


def test_commands_before_login_are_a_use_error(alpha, frozen_clock):
    session = Epp()
    session.exchange("domain_check", response="not_logged_in")


def test_an_unknown_command_is_2000(epp):
    epp.exchange("unknown_command")


def test_an_extension_the_command_does_not_take_is_2103(epp):
    epp.exchange("host_create_with_secdns")


# --- domains ----------------------------------------------------------------------------------


def test_domain_check_tells_availability_and_fees(epp, beta):
    services.create_domain(beta, "taken.com")
    epp.exchange("domain_check")


def test_domain_create_registers_with_ds_data_and_charges_the_agreed_fee(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    before = balance(alpha)
    epp.exchange("domain_create")
    assert balance(alpha) == before - 2000
    info = services.info_domain("example.com", registrar=alpha)
    assert info.ds == [DS]
    assert info.nameservers == ["ns1.example.org", "ns2.example.org"]
    assert (info.registrant, info.auth_info) == ("alpha-c1", "2fooBAR!")


def test_a_resent_create_answers_the_first_response_and_charges_once(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    first = epp.request("domain_create")
    second = epp.request("domain_create")
    assert (first.code, second.code) == (1000, 1000)
    assert first.findtext("epp:response/epp:trID/epp:svTRID") == second.findtext("epp:response/epp:trID/epp:svTRID")
    assert Operation.objects.filter(registrar=alpha, cl_trid="ABC-20002").count() == 1
    assert LedgerEntry.objects.filter(registrar=alpha, amount=-2000).count() == 1


def test_domain_create_beyond_the_balance_is_a_billing_failure(epp, alpha):
    epp.exchange("domain_create_premium_no_funds")
    assert not Domain.objects.filter(name="shop.com").exists()


def test_domain_create_with_a_fee_other_than_ours_is_refused(epp):
    epp.exchange("domain_create_fee_mismatch")
    assert not Domain.objects.filter(name="example.com").exists()


def test_domain_create_of_a_registered_name_is_2302(epp, beta):
    services.create_domain(beta, "taken.com")
    epp.exchange("domain_create_taken")


def full_example(alpha: Registrar) -> None:
    """example.com with a registrant, two nameservers, a DS record and a host under it."""
    services.create_contact(alpha, "alpha-c1", CONTACT)
    example_domain(alpha, registrant="alpha-c1", nameservers=["ns1.example.org", "ns2.example.org"], ds=[DS])
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1"])


def test_domain_info_shows_the_sponsor_everything(epp, alpha):
    full_example(alpha)
    epp.exchange("domain_info")


def test_domain_info_shows_another_registrar_no_auth_info(epp_beta, alpha):
    full_example(alpha)
    epp_beta.exchange("domain_info", response="domain_info_other")


def test_domain_info_with_a_wrong_auth_info_is_2202(epp_beta, alpha):
    example_domain(alpha)
    epp_beta.exchange("domain_info_wrong_auth")


def test_domain_info_with_the_right_auth_info_shows_it(epp_beta, alpha):
    example_domain(alpha)
    epp_beta.exchange("domain_info_with_auth")


def test_domain_update_changes_nameservers_status_auth_info_and_ds(epp, alpha):
    example_domain(alpha, nameservers=["ns1.example.org", "ns2.example.org"], ds=[DS])
    epp.exchange("domain_update")
    info = services.info_domain("example.com", registrar=alpha)
    assert info.nameservers == ["ns2.example.org", "ns3.example.org"]
    assert info.statuses == ["clientHold"]
    assert info.auth_info == "2BARfoo!"
    assert info.ds == [
        {"key_tag": 54321, "algorithm": 8, "digest_type": 1, "digest": "38EC35D5B3A34B33C99B38EC35D5B3A34B33C99B"}
    ]


def test_domain_renew_extends_by_the_period(epp, alpha):
    example_domain(alpha)
    before = balance(alpha)
    epp.exchange("domain_renew")
    assert services.info_domain("example.com").expires_at.date() == date(2028, 1, 15)
    assert balance(alpha) == before - 1100


def test_domain_delete_frees_the_name(epp, alpha):
    example_domain(alpha)
    epp.exchange("domain_delete")
    assert services.check(["example.com"])[0].registrable


def test_a_delete_after_the_add_grace_period_is_pending_and_restorable(epp, alpha):
    example_domain(alpha)
    GracePeriod.objects.update(ends_at=NOW)  # the add grace period is over
    epp.exchange("domain_delete", response="domain_delete_pending")
    assert services.info_domain("example.com").rgp_statuses == ["redemptionPeriod"]
    before = balance(alpha)
    epp.exchange("domain_restore_request", response="domain_restore_request_pending")
    assert balance(alpha) == before - COM_FEES["restore_fee"]
    epp.exchange("domain_restore_report")
    info = services.info_domain("example.com")
    assert info.rgp_statuses == [] and "pendingDelete" not in info.statuses


def test_restore_of_a_domain_that_is_not_deleted_is_refused(epp, alpha):
    example_domain(alpha)
    epp.exchange("domain_restore_request")


# --- transfers and poll -----------------------------------------------------------------------


def test_transfer_request_is_pending_and_charges_the_gaining_registrar(epp_beta, alpha, beta):
    example_domain(alpha)
    before = balance(beta)
    epp_beta.exchange("domain_transfer_request")
    assert balance(beta) == before - 1200
    assert "pendingTransfer" in services.info_domain("example.com").statuses


def test_transfer_query_shows_the_pending_transfer(epp, alpha, beta):
    example_domain(alpha)
    services.request_transfer(beta, "example.com", auth_info="2fooBAR!")
    epp.exchange("domain_transfer_query")


def test_transfer_approve_moves_the_domain(epp, alpha, beta):
    example_domain(alpha)
    services.request_transfer(beta, "example.com", auth_info="2fooBAR!")
    epp.exchange("domain_transfer_approve")
    assert services.info_domain("example.com").registrar == "beta-reg"


def test_transfer_reject_keeps_the_domain_and_refunds(epp, alpha, beta):
    example_domain(alpha)
    before = balance(beta)
    services.request_transfer(beta, "example.com", auth_info="2fooBAR!")
    epp.exchange("domain_transfer_reject")
    assert services.info_domain("example.com").registrar == "alpha-reg"
    assert balance(beta) == before


def test_transfer_cancel_by_the_gaining_registrar(epp_beta, alpha, beta):
    example_domain(alpha)
    services.request_transfer(beta, "example.com", auth_info="2fooBAR!")
    epp_beta.exchange("domain_transfer_cancel")


def test_poll_with_an_empty_queue_is_1300(epp):
    epp.exchange("poll_request", response="poll_empty")


def test_poll_shows_the_oldest_message_until_it_is_acked(epp, alpha, beta):
    example_domain(alpha)
    services.request_transfer(beta, "example.com", auth_info="2fooBAR!")
    services.cancel_transfer(beta, "example.com")
    first = epp.exchange("poll_request")
    message_id = first.find("epp:response/epp:msgQ").get("id")
    assert epp.request("poll_request").find("epp:response/epp:msgQ").get("id") == message_id
    epp.exchange("poll_ack", msgid=message_id)
    second = epp.request("poll_request")
    assert second.code == 1301
    assert second.find("epp:response/epp:msgQ").get("count") == "1"
    assert second.findtext("epp:response/epp:resData/domain:trnData/domain:trStatus") == "clientCancelled"


def test_poll_ack_of_an_unknown_message_is_2303(epp):
    epp.exchange("poll_ack", response="poll_ack_unknown", msgid="999999")


# --- hosts ------------------------------------------------------------------------------------


def test_host_check(epp, alpha):
    example_domain(alpha)
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1"])
    epp.exchange("host_check")


def test_host_create_with_glue(epp, alpha):
    example_domain(alpha)
    epp.exchange("host_create")
    assert services.info_host("ns2.example.com").addresses == ["192.0.2.2", "2001:db8::2"]


def test_host_info(epp, beta, alpha):
    example_domain(alpha, nameservers=["ns1.example.org", "ns2.example.org"])
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1", "2001:db8::1"])
    services.update_domain(alpha, "example.com", add_nameservers=["ns1.example.com"])
    epp.exchange("host_info")


def test_host_update_renames_and_changes_glue(epp, alpha):
    example_domain(alpha)
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1", "192.0.2.3"])
    epp.exchange("host_update")
    assert services.info_host("ns9.example.com").addresses == ["192.0.2.3", "192.0.2.22"]


def test_host_delete(epp, alpha):
    example_domain(alpha)
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1"])
    epp.exchange("host_delete")


def test_host_delete_of_a_host_in_use_is_2305(epp, alpha):
    example_domain(alpha, nameservers=["ns1.example.org", "ns2.example.org"])
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1"])
    services.update_domain(alpha, "example.com", add_nameservers=["ns1.example.com"])
    epp.exchange("host_delete", response="host_delete_linked")


# --- contacts ---------------------------------------------------------------------------------


def test_contact_check(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    epp.exchange("contact_check")


def test_contact_create(epp, alpha):
    epp.exchange("contact_create")
    data = services.info_contact("alpha-c2", registrar=alpha).data
    assert data["street"] == "123 Example Dr.\nSuite 100"
    assert data["voice"] == "+1.7035555555x1234"


def test_contact_info_for_the_sponsor(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    response = epp.request("contact_info")
    pw = response.find("epp:response/epp:resData/contact:infData/contact:authInfo/contact:pw")
    assert pw.text == services.info_contact("alpha-c1", registrar=alpha).auth_info
    pw.text = "RANDOM"  # the registry makes a contact's auth info
    assert_matches(etree.tostring(response.root), "contact_info")


def test_contact_update_changes_only_the_fields_given(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    epp.exchange("contact_update")
    data = services.info_contact("alpha-c1", registrar=alpha).data
    assert data == {
        **CONTACT,
        "organization": "Alpha Holdings",
        "voice": "+1.5555550199",
        "email": "ops@alpha.example",
    }


def test_contact_delete(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    epp.exchange("contact_delete")


def test_contact_delete_of_a_registrant_is_2305(epp, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    example_domain(alpha, registrant="alpha-c1")
    epp.exchange("contact_delete", response="contact_delete_linked")
