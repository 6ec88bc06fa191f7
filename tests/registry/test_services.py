from datetime import UTC, date, timedelta

import pytest
from django.db import IntegrityError, transaction

from registry import services
from registry.choices import CheckStatus, EppStatus, FeeClass, LedgerKind, NameList, OperationKind
from registry.errors import (
    AssociationProhibits,
    DomainReserved,
    DomainUnavailable,
    ExpiryMismatch,
    FeeMismatch,
    InsufficientFunds,
    InvalidName,
    NotSponsor,
    ObjectExists,
    ObjectNotFound,
    ParameterError,
    StatusProhibits,
    TransactionIdReused,
    UnknownTld,
)
from registry.models import Domain, DomainHistory, DomainStatus, Host, LedgerEntry, Operation, Registrar, Tld
from tests.conftest import COM_FEES, PREMIUM_FEE

CONTACT = {"name": "Alice Doe", "city": "Springfield", "country_code": "us", "email": "alice@example.org"}


def balance(registrar: Registrar) -> int:
    return Registrar.objects.get(pk=registrar.pk).balance


def nothing_written(registrar: Registrar, before_balance: int) -> None:
    assert balance(registrar) == before_balance
    assert not Domain.objects.exists()
    assert not Operation.objects.exclude(kind=OperationKind.BILLING_TOPUP).exists()
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 0


# --- check ------------------------------------------------------------------------------------


def test_check_reports_each_name_in_order(alpha):
    services.create_domain(alpha, "taken.com")
    results = services.check(["free.com", "taken.com", "nic.com", "shop.com", "bad_name.com", "x.zz", "Bücher.net"])
    assert [(r.name, r.status) for r in results] == [
        ("free.com", CheckStatus.AVAILABLE),
        ("taken.com", CheckStatus.UNAVAILABLE),
        ("nic.com", CheckStatus.RESERVED),
        ("shop.com", CheckStatus.PREMIUM),
        ("bad_name.com", CheckStatus.INVALID),
        ("x.zz", CheckStatus.INVALID),
        ("Bücher.net", CheckStatus.AVAILABLE),
    ]
    assert results[0].create_fee == 1000 and results[0].renew_fee == 1100
    assert results[3].create_fee == PREMIUM_FEE and results[3].renew_fee == PREMIUM_FEE
    assert results[2].reason == "registry operations"
    assert "contains '_'" in results[4].reason
    assert results[5].reason == ".zz is not a TLD this registry runs"
    assert (results[6].ascii, results[6].unicode) == ("xn--bcher-kva.net", "bücher.net")
    assert results[1].create_fee is None


def test_check_refuses_more_than_fifty_names(tlds):
    with pytest.raises(ParameterError, match="at most 50 names"):
        services.check([f"n{i}.com" for i in range(51)])


def test_check_marks_idn_invalid_where_the_tld_refuses_idn(tlds):
    Tld.objects.filter(name="com").update(allows_idn=False)
    [result] = services.check(["bücher.com"])
    assert result.status == CheckStatus.INVALID
    assert result.reason == ".com does not accept IDN names"


# --- create -----------------------------------------------------------------------------------


def test_create_debits_the_fee_for_the_years_and_records_history(alpha):
    result = services.create_domain(alpha, "Example.COM", years=3, cl_trid="c1")
    domain = Domain.objects.get(name="example.com")
    assert domain.registrar == alpha
    assert domain.expires_at == services.add_years(domain.created_at, 3)
    assert result.data["fee"] == 3000
    assert balance(alpha) == 100_000 - 3000
    charge = LedgerEntry.objects.get(kind=LedgerKind.CHARGE)
    assert (charge.amount, charge.balance_after, charge.object_name) == (-3000, 97_000, "example.com")
    assert charge.operation.sv_trid == result.sv_trid
    history = DomainHistory.objects.get(domain=domain)
    assert (history.kind, history.period_years, history.operation.cl_trid) == (OperationKind.DOMAIN_CREATE, 3, "c1")
    assert domain.epp_statuses() == [EppStatus.INACTIVE]


def test_create_charges_the_premium_fee(alpha):
    result = services.create_domain(alpha, "shop.com", years=2)
    assert result.data["fee"] == 2 * PREMIUM_FEE
    assert balance(alpha) == 100_000 - 2 * PREMIUM_FEE


def test_create_stores_idn_in_both_forms(alpha):
    services.create_domain(alpha, "한국.kr")
    domain = Domain.objects.get()
    assert (domain.name, domain.unicode_name) == ("xn--3e0b707e.kr", "한국.kr")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "taken.com"}, DomainUnavailable, "taken.com is already registered"),
        ({"name": "nic.com"}, DomainReserved, "nic.com is reserved"),
        ({"name": "x.zz"}, UnknownTld, ".zz is not a TLD this registry runs"),
        ({"name": "a_b.com"}, InvalidName, "contains '_'"),
        ({"name": "ok.com", "years": 11}, ParameterError, ".com registers for 1 to 10 years; 11 was asked"),
        ({"name": "ok.com", "years": 0}, ParameterError, "1 to 10 years"),
        ({"name": "ok.kr", "years": 6}, ParameterError, ".kr registers for 1 to 5 years"),
        (
            {"name": "ok.com", "nameservers": ["ns1.example.org"]},
            ParameterError,
            "2 to 13 nameservers, or none; 1 given",
        ),
        (
            {"name": "ok.com", "nameservers": [f"ns{i}.example.org" for i in range(14)]},
            ParameterError,
            "2 to 13 nameservers, or none; 14 given",
        ),
        ({"name": "ok.com", "nameservers": ["ns1.example.org", "NS1.example.org."]}, ParameterError, "listed twice"),
        ({"name": "ok.com", "nameservers": ["ns_1.example.org", "ns2.example.org"]}, InvalidName, "nameserver 'ns_1"),
        ({"name": "ok.com", "nameservers": ["ns1.taken.com", "ns2.example.org"]}, ObjectNotFound, "host ns1.taken.com"),
        ({"name": "ok.com", "registrant": "nobody"}, ObjectNotFound, "contact nobody does not exist"),
        ({"name": "ok.com", "expected_fee": 999}, FeeMismatch, "is 10.00 USD, not 9.99 USD"),
        ({"name": "shop.com", "expected_fee": 1000}, FeeMismatch, "is 500.00 USD, not 10.00 USD"),
    ],
)
def test_create_refuses_bad_requests_and_writes_nothing(alpha, beta, kwargs, error, message):
    services.create_domain(beta, "taken.com")
    domains_before = Domain.objects.count()
    before = balance(alpha)
    with pytest.raises(error) as excinfo:
        services.create_domain(alpha, **kwargs)
    assert message in excinfo.value.message
    assert balance(alpha) == before
    assert Domain.objects.count() == domains_before
    assert not Operation.objects.filter(registrar=alpha).exclude(kind=OperationKind.BILLING_TOPUP).exists()
    assert not Host.objects.filter(registrar=alpha).exists()


def test_create_with_insufficient_funds_names_the_shortfall_and_writes_nothing(tlds):
    from tests.conftest import make_registrar

    poor = make_registrar("poor-reg", 500)
    with pytest.raises(InsufficientFunds) as excinfo:
        services.create_domain(poor, "ok.com", nameservers=["ns1.example.org", "ns2.example.org"])
    assert excinfo.value.epp_code == 2104
    assert excinfo.value.message == (
        "Create ok.com for 1 year(s) costs 10.00 USD but the balance of registrar poor-reg is 5.00 USD"
    )
    nothing_written(poor, 500)
    assert not Host.objects.exists()


def test_create_refuses_another_registrars_contact(alpha, beta):
    services.create_contact(beta, "beta-c1", CONTACT)
    with pytest.raises(NotSponsor, match="contact beta-c1 is sponsored by another registrar"):
        services.create_domain(alpha, "ok.com", registrant="beta-c1")


def test_create_links_external_hosts_creating_them_once(alpha, beta):
    ns = ["ns1.dns.example.org", "ns2.dns.example.org"]
    services.create_domain(alpha, "one.com", nameservers=ns)
    services.create_domain(beta, "two.com", nameservers=ns)
    assert Host.objects.count() == 2
    assert all(h.registrar == alpha and not h.is_internal for h in Host.objects.all())
    assert sorted(Domain.objects.get(name="two.com").nameservers.values_list("name", flat=True)) == ns
    assert Domain.objects.get(name="two.com").epp_statuses() == [EppStatus.OK]


def test_create_replays_the_first_result_for_a_repeated_cltrid(alpha):
    first = services.create_domain(alpha, "once.com", years=2, cl_trid="order-1")
    again = services.create_domain(alpha, "once.com", years=2, cl_trid="order-1")
    assert again.replayed and not first.replayed
    assert (again.sv_trid, again.data) == (first.sv_trid, first.data)
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
    assert balance(alpha) == 100_000 - 2000


def test_a_cltrid_cannot_be_reused_for_another_command(alpha):
    services.create_domain(alpha, "once.com", cl_trid="order-1")
    with pytest.raises(TransactionIdReused, match="'order-1' was already used for a different command"):
        services.create_domain(alpha, "twice.com", cl_trid="order-1")


def test_cltrids_are_scoped_per_registrar(alpha, beta):
    services.create_domain(alpha, "one.com", cl_trid="same")
    result = services.create_domain(beta, "two.com", cl_trid="same")
    assert not result.replayed
    assert Domain.objects.count() == 2


def test_a_failed_command_can_be_retried_with_the_same_cltrid(tlds):
    from tests.conftest import make_registrar

    registrar = make_registrar("late-reg", 0)
    with pytest.raises(InsufficientFunds):
        services.create_domain(registrar, "ok.com", cl_trid="t1")
    services.top_up(registrar, 5000, cl_trid="topup-1")
    result = services.create_domain(registrar, "ok.com", cl_trid="t1")
    assert not result.replayed
    assert balance(registrar) == 4000


# --- renew ------------------------------------------------------------------------------------


def test_renew_extends_expiry_by_years_and_charges_renew_fee(alpha):
    services.create_domain(alpha, "keep.com")
    domain = Domain.objects.get()
    expiry = domain.expires_at
    result = services.renew_domain(alpha, "keep.com", current_expiry=expiry.date(), years=2, cl_trid="r1")
    domain.refresh_from_db()
    assert domain.expires_at == services.add_years(expiry, 2)
    assert result.data["fee"] == 2200
    assert balance(alpha) == 100_000 - 1000 - 2200
    assert DomainHistory.objects.filter(kind=OperationKind.DOMAIN_RENEW).get().changes == {
        "expires_at": [expiry.isoformat(), domain.expires_at.isoformat()]
    }


def test_renew_guards_on_the_current_expiry_date(alpha):
    services.create_domain(alpha, "keep.com")
    expiry = Domain.objects.get().expires_at.date()
    services.renew_domain(alpha, "keep.com", current_expiry=expiry)
    # A client that did not see the first renew sends the old date again: nothing happens.
    with pytest.raises(ExpiryMismatch, match=f"is {date(expiry.year + 1, expiry.month, expiry.day)}, not {expiry}"):
        services.renew_domain(alpha, "keep.com", current_expiry=expiry)
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 2


def test_renew_cannot_go_past_ten_years(alpha):
    services.create_domain(alpha, "keep.com", years=9)
    expiry = Domain.objects.get().expires_at.date()
    with pytest.raises(ParameterError, match="past 10 years from today"):
        services.renew_domain(alpha, "keep.com", current_expiry=expiry, years=2)


def test_renew_by_another_registrar_is_refused(alpha, beta):
    services.create_domain(alpha, "keep.com")
    with pytest.raises(NotSponsor) as excinfo:
        services.renew_domain(beta, "keep.com", current_expiry=Domain.objects.get().expires_at.date())
    assert excinfo.value.epp_code == 2201


def test_renew_prohibited_status_gives_2304(alpha):
    services.create_domain(alpha, "keep.com")
    domain = Domain.objects.get()
    DomainStatus.objects.create(domain=domain, status=EppStatus.SERVER_RENEW_PROHIBITED, created_at=domain.created_at)
    with pytest.raises(StatusProhibits) as excinfo:
        services.renew_domain(alpha, "keep.com", current_expiry=domain.expires_at.date())
    assert excinfo.value.epp_code == 2304
    assert "serverRenewProhibited" in excinfo.value.message


def test_renew_of_unknown_domain_is_object_not_found(alpha):
    with pytest.raises(ObjectNotFound, match=r"domain nowhere.com does not exist"):
        services.renew_domain(alpha, "nowhere.com", current_expiry=date(2030, 1, 1))


# --- update, delete, info ---------------------------------------------------------------------


def test_update_nameservers_replaces_the_set_and_records_before_and_after(alpha):
    services.create_domain(alpha, "dns.com", nameservers=["a.example.org", "b.example.org"])
    services.update_nameservers(alpha, "dns.com", ["c.example.org", "b.example.org"], cl_trid="u1")
    domain = Domain.objects.get()
    assert sorted(domain.nameservers.values_list("name", flat=True)) == ["b.example.org", "c.example.org"]
    history = DomainHistory.objects.get(kind=OperationKind.DOMAIN_UPDATE)
    assert history.changes == {"nameservers": [["a.example.org", "b.example.org"], ["b.example.org", "c.example.org"]]}
    assert balance(alpha) == 100_000 - 1000  # updates are free


def test_update_is_refused_under_update_prohibited(alpha):
    services.create_domain(alpha, "dns.com")
    domain = Domain.objects.get()
    DomainStatus.objects.create(domain=domain, status=EppStatus.CLIENT_UPDATE_PROHIBITED, created_at=domain.created_at)
    with pytest.raises(StatusProhibits):
        services.update_nameservers(alpha, "dns.com", ["a.example.org", "b.example.org"])


def test_delete_frees_the_name_and_keeps_history(alpha, beta):
    services.create_domain(alpha, "gone.com")
    services.delete_domain(alpha, "gone.com", cl_trid="d1")
    assert services.check(["gone.com"])[0].status == CheckStatus.AVAILABLE
    services.create_domain(beta, "gone.com")
    old, new = Domain.objects.order_by("id")
    assert old.deleted_at is not None and new.deleted_at is None
    assert [h.kind for h in old.history.all()] == [OperationKind.DOMAIN_CREATE, OperationKind.DOMAIN_DELETE]
    with pytest.raises(NotSponsor):
        services.delete_domain(alpha, "gone.com")  # the live gone.com is beta's now


def test_delete_by_another_registrar_is_refused(alpha, beta):
    services.create_domain(alpha, "mine.com")
    with pytest.raises(NotSponsor):
        services.delete_domain(beta, "mine.com")
    assert Domain.objects.get().deleted_at is None


def test_delete_is_refused_while_hosts_under_the_domain_exist(alpha):
    services.create_domain(alpha, "parent.com")
    services.create_host(alpha, "ns1.parent.com", ["192.0.2.1"])
    with pytest.raises(AssociationProhibits) as excinfo:
        services.delete_domain(alpha, "parent.com")
    assert excinfo.value.epp_code == 2305
    assert "ns1.parent.com" in excinfo.value.message


def test_info_shows_auth_info_only_to_the_sponsor(alpha, beta):
    services.create_domain(alpha, "info.com", nameservers=["a.example.org", "b.example.org"])
    mine = services.info_domain("info.com", registrar=alpha)
    theirs = services.info_domain("INFO.com", registrar=beta)
    assert mine.auth_info == Domain.objects.get().auth_info and len(mine.auth_info) >= 12
    assert theirs.auth_info is None
    assert (mine.registrar, mine.statuses, mine.nameservers) == (
        "alpha-reg",
        ["ok"],
        ["a.example.org", "b.example.org"],
    )


# --- hosts, contacts, money -------------------------------------------------------------------


def test_internal_host_needs_its_domain_same_sponsor_and_glue(alpha, beta):
    with pytest.raises(ObjectNotFound, match=r"needs its domain parent.com"):
        services.create_host(alpha, "ns1.parent.com", ["192.0.2.1"])
    services.create_domain(alpha, "parent.com")
    with pytest.raises(ParameterError, match="needs a glue address"):
        services.create_host(alpha, "ns1.parent.com")
    with pytest.raises(NotSponsor):
        services.create_host(beta, "ns1.parent.com", ["192.0.2.1"])
    services.create_host(alpha, "ns1.parent.com", ["192.0.2.1", "2001:db8::1"])
    host = Host.objects.get()
    assert host.is_internal and host.superordinate.name == "parent.com"
    assert sorted(a.address for a in host.addresses.all()) == ["192.0.2.1", "2001:db8::1"]
    with pytest.raises(ObjectExists):
        services.create_host(alpha, "ns1.parent.com", ["192.0.2.2"])


def test_external_host_takes_no_glue(alpha):
    with pytest.raises(ParameterError, match="takes no glue addresses"):
        services.create_host(alpha, "ns1.example.org", ["192.0.2.1"])
    with pytest.raises(ParameterError, match="'not-an-ip' is not an IPv4 or IPv6 address"):
        services.create_host(alpha, "ns1.example.org", ["not-an-ip"])


def test_contacts_are_validated_and_only_their_sponsor_updates_them(alpha, beta):
    with pytest.raises(ParameterError, match="contact email 'nope' is not an address"):
        services.create_contact(alpha, "c-1", {**CONTACT, "email": "nope"})
    with pytest.raises(ParameterError, match="voice '555' is not in the form"):
        services.create_contact(alpha, "c-1", {**CONTACT, "voice": "555"})
    services.create_contact(alpha, "c-1", CONTACT)
    with pytest.raises(ObjectExists):
        services.create_contact(beta, "c-1", CONTACT)
    with pytest.raises(NotSponsor):
        services.update_contact(beta, "c-1", {**CONTACT, "city": "Elsewhere"})
    result = services.update_contact(alpha, "c-1", {**CONTACT, "city": "Shelbyville"})
    assert result.data["changed"] == ["city"]


def test_top_up_is_idempotent_on_its_cltrid(alpha):
    services.top_up(alpha, 2500, cl_trid="wire-77")
    services.top_up(alpha, 2500, cl_trid="wire-77")
    assert balance(alpha) == 102_500
    assert LedgerEntry.objects.filter(registrar=alpha, kind=LedgerKind.TOPUP).count() == 2  # opening + wire-77


def test_ledger_rows_cannot_be_changed_or_deleted(alpha):
    entry = LedgerEntry.objects.get(registrar=alpha)
    entry.amount = 1
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.all().delete()


def test_the_database_refuses_a_negative_balance(alpha):
    with pytest.raises(IntegrityError), transaction.atomic():
        Registrar.objects.filter(pk=alpha.pk).update(balance=-1)


def test_add_years_moves_29_february_to_28_february():
    from datetime import datetime

    assert services.add_years(datetime(2028, 2, 29, tzinfo=UTC), 1).date() == date(2029, 2, 28)
    assert services.add_years(datetime(2027, 3, 1, tzinfo=UTC), 1) - datetime(2027, 3, 1, tzinfo=UTC) == timedelta(
        days=366
    )


# --- registry staff: server statuses ----------------------------------------------------------


def test_server_hold_adds_the_status_and_records_the_staff_user(alpha):
    services.create_domain(alpha, "held.com", nameservers=["a.example.org", "b.example.org"])
    result = services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=True, actor="staff", reason="abuse")
    domain = Domain.objects.get()
    assert domain.stored_statuses() == {EppStatus.SERVER_HOLD}
    assert domain.statuses.get().reason == "abuse"
    assert result.data == {"name": "held.com", "statuses": ["serverHold"]}
    history = DomainHistory.objects.get(kind=OperationKind.DOMAIN_SERVER_STATUS)
    assert (history.actor, history.registrar) == ("staff", alpha)
    assert history.changes == {"statuses": [[], ["serverHold"]], "reason": "abuse"}
    assert history.operation.registrar == alpha and not history.operation.ledger_entries.exists()

    services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=False, actor="staff")
    assert not domain.statuses.exists()
    last = DomainHistory.objects.filter(kind=OperationKind.DOMAIN_SERVER_STATUS).order_by("id").last()
    assert (last.actor, last.changes) == ("staff", {"statuses": [["serverHold"], []]})
    assert balance(alpha) == 100_000 - 1000  # staff actions are free


def test_server_hold_blocks_no_command(alpha):
    services.create_domain(alpha, "held.com")
    services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=True, actor="staff")
    expiry = Domain.objects.get().expires_at.date()
    services.renew_domain(alpha, "held.com", current_expiry=expiry)
    services.update_nameservers(alpha, "held.com", ["a.example.org", "b.example.org"])
    services.delete_domain(alpha, "held.com")
    assert Domain.objects.get().deleted_at is not None


@pytest.mark.parametrize(
    "status, on, actor, message",
    [
        (EppStatus.CLIENT_HOLD, True, "staff", "is not a server status"),
        (EppStatus.SERVER_HOLD, True, "", "names the staff user"),
        (EppStatus.SERVER_HOLD, False, "staff", "does not have status serverHold"),
    ],
)
def test_server_status_refuses_bad_requests_and_writes_nothing(alpha, status, on, actor, message):
    services.create_domain(alpha, "held.com")
    with pytest.raises(ParameterError, match=message):
        services.set_server_status("held.com", status, on=on, actor=actor)
    assert not DomainStatus.objects.exists()
    assert not Operation.objects.filter(kind=OperationKind.DOMAIN_SERVER_STATUS).exists()


def test_a_second_server_hold_is_refused_and_keeps_one_status(alpha):
    services.create_domain(alpha, "held.com")
    services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=True, actor="staff")
    with pytest.raises(ParameterError, match="already has status serverHold"):
        services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=True, actor="staff")
    assert DomainStatus.objects.count() == 1
    assert Operation.objects.filter(kind=OperationKind.DOMAIN_SERVER_STATUS).count() == 1


def test_server_status_of_an_unknown_domain_is_object_not_found(tlds):
    with pytest.raises(ObjectNotFound):
        services.set_server_status("nowhere.com", EppStatus.SERVER_HOLD, on=True, actor="staff")


# --- registry staff: reserved and premium lists -----------------------------------------------


def test_import_adds_and_updates_reserved_names(tlds):
    result = services.import_name_list(
        "com", NameList.RESERVED, [["label", "reason"], ["NIC", "ours"], [], ["example"], ["bücher", "idn"]]
    )
    assert (result.created, result.updated) == (2, 1)
    assert dict(tlds["com"].reserved_names.values_list("label", "reason")) == {
        "nic": "ours",
        "example": "",
        "xn--bcher-kva": "idn",
    }


def test_import_adds_premium_names_with_their_fee(tlds):
    result = services.import_name_list("com", NameList.PREMIUM, [["shop", "70000"], ["gold", "99900"]])
    assert (result.created, result.updated) == (1, 1)
    assert dict(tlds["com"].premium_names.values_list("label", "annual_fee")) == {"shop": 70000, "gold": 99900}
    assert services.check(["gold.com"])[0].create_fee == 99900


@pytest.mark.parametrize(
    "kind, rows, message",
    [
        (NameList.RESERVED, [["ok"], ["bad label"]], "row 2: 'bad label' is not a label under .com"),
        (NameList.RESERVED, [["ok"], ["a.b"]], "row 2: 'a.b' is not a label"),
        (NameList.RESERVED, [["ok"], ["x", "why", "extra"]], "row 2: .* got 3 columns"),
        (NameList.RESERVED, [["ok"], ["OK"]], "row 2: ok is listed already in row 1"),
        (NameList.PREMIUM, [["gold", "100"], ["silver"]], "row 2: .* got 1 columns"),
        (NameList.PREMIUM, [["gold", "100"], ["silver", "12.50"]], "row 2: the fee '12.50' is not a positive"),
        (NameList.PREMIUM, [["gold", "0"]], "row 1: the fee '0'"),
        (NameList.PREMIUM, [["label", "fee"]], "no rows to import"),
    ],
)
def test_import_with_a_bad_row_names_it_and_writes_nothing(tlds, kind, rows, message):
    with pytest.raises(ParameterError, match=message):
        services.import_name_list("com", kind, rows)
    assert list(tlds["com"].reserved_names.values_list("label", flat=True)) == ["nic"]
    assert list(tlds["com"].premium_names.values_list("label", flat=True)) == ["shop"]


def test_import_into_an_unknown_tld_is_refused(tlds):
    with pytest.raises(UnknownTld):
        services.import_name_list("example", NameList.RESERVED, [["nic"]])


def test_every_fee_question_of_a_checked_name_has_one_answer(alpha):
    available, premium = services.check(["plain.com", "shop.com"])
    assert services.fees_for(available) == services.Fees(
        FeeClass.STANDARD,
        COM_FEES["create_fee"],
        COM_FEES["renew_fee"],
        COM_FEES["transfer_fee"],
        COM_FEES["restore_fee"],
    )
    assert services.fees_for(premium).as_dict() == {
        "create": PREMIUM_FEE,
        "renew": PREMIUM_FEE,
        "transfer": PREMIUM_FEE,
        "restore": COM_FEES["restore_fee"],
    }
    fees = services.fees_for(available)
    assert [fees.total(c, 3) for c in ("create", "restore", "delete", "update")] == [
        3 * COM_FEES["create_fee"],
        COM_FEES["restore_fee"],
        0,
        0,
    ]


def test_a_registered_premium_name_is_priced_as_premium_for_its_renewal(alpha):
    services.create_domain(alpha, "shop.com")
    [taken] = services.check(["shop.com"])
    assert services.fees_of(taken) is None  # nothing to register, so the check priced nothing
    fees = services.fees_for(taken)
    assert (fees.fee_class, fees.total("renew", 2)) == (FeeClass.PREMIUM, 2 * PREMIUM_FEE)
