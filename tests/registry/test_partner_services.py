"""Registry services the partner entry points (EPP, REST) use beyond create/renew/delete:
domain update, transfers, hosts, contacts, poll messages and EPP credentials."""

from datetime import timedelta

import pytest

from registry import services, zones
from registry.choices import EppStatus, LedgerKind, TransferStatus
from registry.errors import (
    AssociationProhibits,
    InsufficientFunds,
    InvalidAuthorization,
    NotEligibleForTransfer,
    NotSponsor,
    ObjectExists,
    ObjectNotFound,
    ParameterError,
    PendingTransfer,
    StatusProhibits,
)
from registry.models import Domain, Host, LedgerEntry, PollMessage, Registrar, Transfer
from tests.conftest import make_registrar

CONTACT = {"name": "Alice Doe", "city": "Springfield", "country_code": "US", "email": "alice@example.org"}
NS = ["ns1.example.org", "ns2.example.org"]
DS = {"key_tag": 12345, "algorithm": 13, "digest_type": 2, "digest": "ab" * 32}


def balance(registrar: Registrar) -> int:
    return Registrar.objects.get(pk=registrar.pk).balance


def statuses(name: str) -> list[str]:
    return services.info_domain(name).statuses


def auth_of(name: str) -> str:
    return Domain.objects.get(name=name, deleted_at=None).auth_info


# --- domain update ----------------------------------------------------------------------------


def test_update_adds_and_removes_client_statuses(alpha):
    services.create_domain(alpha, "locked.com", nameservers=NS)
    services.update_domain(alpha, "locked.com", add_statuses=[EppStatus.CLIENT_TRANSFER_PROHIBITED])
    assert statuses("locked.com") == ["clientTransferProhibited"]
    services.update_domain(alpha, "locked.com", remove_statuses=[EppStatus.CLIENT_TRANSFER_PROHIBITED])
    assert statuses("locked.com") == ["ok"]


def test_update_refuses_server_statuses_and_repeats(alpha):
    services.create_domain(alpha, "locked.com")
    with pytest.raises(ParameterError, match="'serverHold' is not a status a registrar may set"):
        services.update_domain(alpha, "locked.com", add_statuses=[EppStatus.SERVER_HOLD])
    services.update_domain(alpha, "locked.com", add_statuses=[EppStatus.CLIENT_HOLD])
    with pytest.raises(ParameterError, match="already has status clientHold"):
        services.update_domain(alpha, "locked.com", add_statuses=[EppStatus.CLIENT_HOLD])
    with pytest.raises(ParameterError, match="does not have status clientRenewProhibited"):
        services.update_domain(alpha, "locked.com", remove_statuses=[EppStatus.CLIENT_RENEW_PROHIBITED])


def test_client_update_prohibited_blocks_updates_except_lifting_it(alpha):
    services.create_domain(alpha, "locked.com")
    services.update_domain(alpha, "locked.com", add_statuses=[EppStatus.CLIENT_UPDATE_PROHIBITED])
    with pytest.raises(StatusProhibits, match="clientUpdateProhibited; update is not allowed"):
        services.update_domain(alpha, "locked.com", auth_info="new-secret-1")
    services.update_domain(alpha, "locked.com", remove_statuses=[EppStatus.CLIENT_UPDATE_PROHIBITED])
    services.update_domain(alpha, "locked.com", auth_info="new-secret-1")
    assert auth_of("locked.com") == "new-secret-1"


def test_update_adds_and_removes_nameservers_within_limits(alpha):
    services.create_domain(alpha, "ns.com", nameservers=NS)
    services.update_domain(alpha, "ns.com", add_nameservers=["ns3.example.org"], remove_nameservers=["ns1.example.org"])
    assert services.info_domain("ns.com").nameservers == ["ns2.example.org", "ns3.example.org"]
    with pytest.raises(ParameterError, match="2 to 13 nameservers, or none; 1 given"):
        services.update_domain(alpha, "ns.com", remove_nameservers=["ns2.example.org"])
    with pytest.raises(ParameterError, match=r"ns9.example.org is not a nameserver of ns.com"):
        services.update_domain(alpha, "ns.com", remove_nameservers=["ns9.example.org"])


def test_update_ds_records_reach_the_tld_zone(alpha):
    services.create_domain(alpha, "signed.com", nameservers=NS, ds=[DS])
    records, _ = zones.build_tld("com")
    assert ["signed.com.", zones.DELEGATION_TTL, "DS", f"12345 13 2 {'AB' * 32}"] in records
    other = DS | {"key_tag": 54321}
    services.update_domain(alpha, "signed.com", add_ds=[other], remove_ds=[DS])
    assert services.info_domain("signed.com").ds == [other | {"digest": "AB" * 32}]
    services.update_domain(alpha, "signed.com", remove_all_ds=True)
    assert not [r for r in zones.build_tld("com")[0] if r[2] == "DS"]


def test_ds_digest_must_fit_its_type(alpha):
    with pytest.raises(ParameterError, match="a digest of type 2 has 64 hex digits"):
        services.create_domain(alpha, "signed.com", ds=[DS | {"digest": "ab" * 20}])
    assert not Domain.objects.exists()


def test_update_registrant_must_be_the_registrars_contact(alpha, beta):
    services.create_contact(beta, "beta-c1", CONTACT)
    services.create_contact(alpha, "alpha-c1", CONTACT)
    services.create_domain(alpha, "who.com")
    with pytest.raises(NotSponsor, match="contact beta-c1 is sponsored by another registrar"):
        services.update_domain(alpha, "who.com", registrant="beta-c1")
    services.update_domain(alpha, "who.com", registrant="alpha-c1")
    assert services.info_domain("who.com", registrar=alpha).registrant == "alpha-c1"


def test_only_the_sponsor_updates_and_empty_updates_are_refused(alpha, beta):
    services.create_domain(alpha, "mine.com")
    with pytest.raises(NotSponsor):
        services.update_domain(beta, "mine.com", add_statuses=[EppStatus.CLIENT_HOLD])
    with pytest.raises(ParameterError, match="changes nothing"):
        services.update_domain(alpha, "mine.com")


def test_info_shows_auth_info_to_the_sponsor_or_one_who_knows_it(alpha, beta):
    services.create_domain(alpha, "mine.com", auth_info="secret-one")
    assert services.info_domain("mine.com", registrar=alpha).auth_info == "secret-one"
    assert services.info_domain("mine.com", registrar=beta).auth_info is None
    assert services.info_domain("mine.com", registrar=beta, auth_info="secret-one").auth_info == "secret-one"
    with pytest.raises(InvalidAuthorization, match=r"the auth info given for mine.com is wrong"):
        services.info_domain("mine.com", registrar=beta, auth_info="wrong-one")


# --- transfers --------------------------------------------------------------------------------


@pytest.fixture
def pending(alpha, beta):
    """mine.com, sponsored by alpha, with a transfer to beta pending."""
    services.create_contact(alpha, "alpha-c1", CONTACT)
    services.create_domain(alpha, "mine.com", auth_info="secret-one", registrant="alpha-c1")
    services.create_host(alpha, "ns1.mine.com", ["192.0.2.1"])
    services.request_transfer(beta, "mine.com", auth_info="secret-one", cl_trid="tr-1")
    return Domain.objects.get(name="mine.com")


def test_transfer_request_needs_the_auth_info(alpha, beta):
    services.create_domain(alpha, "mine.com", auth_info="secret-one")
    before = balance(beta)
    with pytest.raises(InvalidAuthorization, match=r"auth info given for mine.com is wrong"):
        services.request_transfer(beta, "mine.com", auth_info="guess")
    with pytest.raises(NotEligibleForTransfer, match="sponsored by alpha-reg already"):
        services.request_transfer(alpha, "mine.com", auth_info="secret-one")
    assert balance(beta) == before and not Transfer.objects.exists()


def test_transfer_request_charges_marks_pending_and_tells_both(pending, alpha, beta):
    assert balance(beta) == 100_000 - 1200
    assert statuses("mine.com") == ["inactive", "pendingTransfer"]
    assert list(PollMessage.objects.filter(registrar=alpha).values_list("message", flat=True)) == [
        "Transfer of mine.com to beta-reg requested."
    ]
    assert PollMessage.objects.filter(registrar=beta).count() == 1
    with pytest.raises(PendingTransfer):
        services.request_transfer(beta, "mine.com", auth_info="secret-one", cl_trid="tr-2")
    # A resent request with the same clTRID is the first one, not a second charge.
    assert services.request_transfer(beta, "mine.com", auth_info="secret-one", cl_trid="tr-1").replayed
    assert balance(beta) == 100_000 - 1200
    with pytest.raises(StatusProhibits, match="pendingTransfer; renew is not allowed"):
        services.renew_domain(alpha, "mine.com", current_expiry=pending.expires_at.date())


def test_transfer_approved_moves_domain_hosts_and_a_year(pending, alpha, beta):
    with pytest.raises(NotSponsor, match="only the sponsoring registrar decides"):
        services.approve_transfer(beta, "mine.com")
    services.approve_transfer(alpha, "mine.com")
    domain = Domain.objects.get(name="mine.com")
    assert domain.registrar == beta
    assert domain.expires_at == services.add_years(pending.expires_at, 1)
    assert domain.auth_info != "secret-one"
    assert statuses("mine.com") == ["inactive"]
    assert Host.objects.get(name="ns1.mine.com").registrar == beta
    assert Transfer.objects.get().status == TransferStatus.CLIENT_APPROVED
    assert PollMessage.objects.filter(registrar=alpha, message__endswith="approved.").count() == 1
    assert balance(beta) == 100_000 - 1200
    info = services.transfer_query("mine.com", registrar=alpha)
    assert (info.status, info.gaining, info.losing) == ("clientApproved", "beta-reg", "alpha-reg")


@pytest.mark.parametrize(
    ("who", "act", "status"),
    [("alpha", services.reject_transfer, "clientRejected"), ("beta", services.cancel_transfer, "clientCancelled")],
)
def test_transfer_rejected_or_cancelled_refunds_the_gaining_registrar(pending, alpha, beta, who, act, status):
    act({"alpha": alpha, "beta": beta}[who], "mine.com")
    assert balance(beta) == 100_000
    assert LedgerEntry.objects.filter(registrar=beta, kind=LedgerKind.REFUND).get().amount == 1200
    assert Domain.objects.get(name="mine.com").registrar == alpha
    assert statuses("mine.com") == ["inactive"]
    assert Transfer.objects.get().status == status


def test_cancel_is_the_gaining_registrars_and_approval_the_losing_ones(pending, alpha, beta):
    with pytest.raises(NotSponsor, match="only the gaining registrar cancels"):
        services.cancel_transfer(alpha, "mine.com")
    services.reject_transfer(alpha, "mine.com")
    with pytest.raises(NotEligibleForTransfer, match=r"no transfer of mine.com is pending"):
        services.approve_transfer(alpha, "mine.com")


def test_transfer_is_approved_by_the_registry_when_due(pending, alpha, beta):
    assert services.approve_due_transfers() == 0
    Transfer.objects.update(act_by=pending.created_at - timedelta(seconds=1))
    assert services.approve_due_transfers() == 1
    assert services.approve_due_transfers() == 0
    assert Domain.objects.get(name="mine.com").registrar == beta
    assert Transfer.objects.get().status == TransferStatus.SERVER_APPROVED


def test_transfer_query_is_for_the_parties_or_who_knows_the_auth_info(pending, tlds):
    gamma = make_registrar("gamma-reg", 0)
    with pytest.raises(NotSponsor):
        services.transfer_query("mine.com", registrar=gamma)
    with pytest.raises(InvalidAuthorization):
        services.transfer_query("mine.com", registrar=gamma, auth_info="nope-nope")
    assert services.transfer_query("mine.com", registrar=gamma, auth_info="secret-one").status == "pending"


def test_transfer_fee_needs_funds(alpha, tlds):
    services.create_domain(alpha, "mine.com", auth_info="secret-one")
    poor = make_registrar("poor-reg", 100)
    with pytest.raises(InsufficientFunds):
        services.request_transfer(poor, "mine.com", auth_info="secret-one")
    assert not Transfer.objects.exists() and statuses("mine.com") == ["inactive"]


def test_restore_is_refused_while_no_domain_is_in_redemption(alpha):
    services.create_domain(alpha, "mine.com")
    with pytest.raises(StatusProhibits, match="not deleted; only a domain in its redemption period"):
        services.restore_domain(alpha, "mine.com")


# --- hosts ------------------------------------------------------------------------------------


def test_host_check_info_update_and_delete(alpha, beta):
    services.create_domain(alpha, "mine.com")
    services.create_host(alpha, "ns1.mine.com", ["192.0.2.1"])
    assert [(c.name, c.available) for c in services.check_hosts(["ns1.mine.com", "ns2.mine.com", "bad_"])] == [
        ("ns1.mine.com", False),
        ("ns2.mine.com", True),
        ("bad_", False),
    ]
    services.update_host(alpha, "ns1.mine.com", add_addresses=["2001:db8::1"], remove_addresses=["192.0.2.1"])
    info = services.info_host("ns1.mine.com", registrar=beta)
    assert (info.addresses, info.statuses, info.superordinate, info.registrar) == (
        ["2001:db8::1"],
        ["ok"],
        "mine.com",
        "alpha-reg",
    )
    with pytest.raises(ParameterError, match="needs a glue address"):
        services.update_host(alpha, "ns1.mine.com", remove_addresses=["2001:db8::1"])
    with pytest.raises(NotSponsor):
        services.update_host(beta, "ns1.mine.com", add_addresses=["192.0.2.9"])
    services.update_host(alpha, "ns1.mine.com", new_name="dns.mine.com", add_addresses=["192.0.2.7"])
    assert services.info_host("dns.mine.com").addresses == ["192.0.2.7", "2001:db8::1"]
    services.delete_host(alpha, "dns.mine.com")
    with pytest.raises(ObjectNotFound):
        services.info_host("dns.mine.com")


def test_a_host_in_use_cannot_be_deleted(alpha):
    services.create_domain(alpha, "mine.com")
    services.create_host(alpha, "ns1.mine.com", ["192.0.2.1"])
    services.create_host(alpha, "ns2.mine.com", ["192.0.2.2"])
    services.create_domain(alpha, "other.com", nameservers=["ns1.mine.com", "ns2.mine.com"])
    assert services.info_host("ns1.mine.com").statuses == ["linked"]
    with pytest.raises(AssociationProhibits, match=r"host ns1.mine.com is a nameserver of other.com"):
        services.delete_host(alpha, "ns1.mine.com")


# --- contacts ---------------------------------------------------------------------------------


def test_contact_info_is_for_its_sponsor_or_who_knows_the_auth_info(alpha, beta):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    secret = services.info_contact("alpha-c1", registrar=alpha).auth_info
    assert services.info_contact("alpha-c1", registrar=alpha).data["email"] == "alice@example.org"
    with pytest.raises(NotSponsor):
        services.info_contact("alpha-c1", registrar=beta)
    with pytest.raises(InvalidAuthorization):
        services.info_contact("alpha-c1", registrar=beta, auth_info="wrong-one")
    assert services.info_contact("alpha-c1", registrar=beta, auth_info=secret).handle == "alpha-c1"


def test_contact_delete_frees_the_handle_unless_in_use(alpha, beta):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    services.create_domain(alpha, "mine.com", registrant="alpha-c1")
    with pytest.raises(AssociationProhibits, match=r"registrant of mine.com"):
        services.delete_contact(alpha, "alpha-c1")
    services.create_contact(alpha, "alpha-c2", CONTACT)
    with pytest.raises(NotSponsor):
        services.delete_contact(beta, "alpha-c2")
    services.delete_contact(alpha, "alpha-c2")
    assert [(c.name, c.available) for c in services.check_contacts(["alpha-c1", "alpha-c2", "x"])] == [
        ("alpha-c1", False),
        ("alpha-c2", True),
        ("x", False),
    ]
    services.create_contact(beta, "alpha-c2", CONTACT)
    with pytest.raises(ObjectExists):
        services.create_contact(alpha, "alpha-c2", CONTACT)


# --- poll messages and credentials ------------------------------------------------------------


def test_poll_returns_the_oldest_message_until_acknowledged(pending, alpha, beta):
    services.reject_transfer(alpha, "mine.com")
    count, first = services.poll_request(alpha)
    assert count == 2 and first.message == "Transfer of mine.com to beta-reg requested."
    assert first.data["status"] == "pending"
    with pytest.raises(ObjectNotFound):
        services.poll_ack(beta, first.id)
    assert services.poll_ack(alpha, first.id) == 1
    count, second = services.poll_request(alpha)
    assert (count, second.message) == (1, "Transfer of mine.com to beta-reg rejected.")
    assert services.poll_ack(alpha, second.id) == 0
    assert services.poll_request(alpha) == (0, None)


def test_epp_credentials(alpha):
    assert services.authenticate_epp("alpha-reg", "alpha-reg-password") == alpha
    assert services.authenticate_epp("alpha-reg", "wrong") is None
    assert services.authenticate_epp("nobody", "alpha-reg-password") is None
    with pytest.raises(ParameterError, match="6 to 16 characters"):
        services.change_epp_password(alpha, "short")
    services.change_epp_password(alpha, "new-pass-2026")
    assert services.authenticate_epp("alpha-reg", "new-pass-2026") == alpha


def test_a_partial_contact_update_changes_only_the_fields_it_names(alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT | {"voice": "+1.5555550100"})
    services.update_contact(alpha, "alpha-c1", {"city": "Shelbyville"}, partial=True)
    data = services.info_contact("alpha-c1", registrar=alpha).data
    assert (data["city"], data["voice"], data["email"]) == ("Shelbyville", "+1.5555550100", "alice@example.org")
    with pytest.raises(ParameterError, match="unknown contact fields: nickname"):
        services.update_contact(alpha, "alpha-c1", {"nickname": "Al"}, partial=True)


def test_check_prices_every_command_of_a_registrable_name(tlds):
    standard, premium = services.check(["free.com", "shop.com"])
    assert (standard.transfer_fee, standard.restore_fee) == (1200, 4000)
    assert (premium.transfer_fee, premium.restore_fee) == (50_000, 4000)
