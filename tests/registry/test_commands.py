"""Commands arriving over the registry queue (registry.commands.execute)."""

from datetime import date

import pytest

from registry import commands, services
from registry.choices import OperationKind, QueryKind
from registry.errors import ParameterError
from registry.models import Contact, Domain, Operation

REGISTRANT = {
    "handle": "nsm-c7",
    "name": "Dana Doe",
    "city": "Busan",
    "country_code": "KR",
    "email": "dana@example.org",
}


def create_command(name: str, cl_trid: str, registrant: dict | None = None) -> dict:
    params = {"name": name, "years": 1, "expected_fee": 1000}
    if registrant:
        params["registrant"] = registrant
    return {"op": "domain.create", "registrar": "namesmith", "cl_trid": cl_trid, "params": params}


def test_a_create_command_makes_the_registrant_and_the_domain(inhouse):
    reply = commands.execute(create_command("first.com", "c-1", REGISTRANT))
    assert reply["ok"] and reply["data"]["fee"] == 1000 and not reply["replayed"]
    assert Domain.objects.get().registrant == Contact.objects.get(handle="nsm-c7")


def test_an_unchanged_registrant_is_not_written_again_and_a_changed_one_is(inhouse):
    commands.execute(create_command("first.com", "c-1", REGISTRANT))
    commands.execute(create_command("second.com", "c-2", REGISTRANT))
    assert not Operation.objects.filter(kind=OperationKind.CONTACT_UPDATE).exists()
    commands.execute(create_command("third.com", "c-3", {**REGISTRANT, "city": "Daegu"}))
    assert Operation.objects.filter(kind=OperationKind.CONTACT_UPDATE).count() == 1
    assert Contact.objects.get().city == "Daegu"


def test_a_repeated_command_replays_its_reply(inhouse):
    first = commands.execute(create_command("first.com", "c-1"))
    again = commands.execute(create_command("first.com", "c-1"))
    assert again["replayed"] and again["sv_trid"] == first["sv_trid"] and again["data"] == first["data"]


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        (
            {"op": "domain.explode", "registrar": "namesmith", "cl_trid": "x", "params": {}},
            "parameter_policy",
            "unknown command 'domain.explode'",
        ),
        (
            {"op": "domain.create", "registrar": "namesmith", "params": {"name": "a.com"}},
            "parameter_policy",
            "need a cl_trid",
        ),
        (
            {"op": "domain.create", "registrar": "namesmith", "cl_trid": "x", "params": "a.com"},
            "parameter_policy",
            "params must be an object",
        ),
        (
            {"op": "domain.create", "registrar": "nobody", "cl_trid": "x", "params": {"name": "a.com"}},
            "unknown_registrar",
            "no active registrar with client id 'nobody'",
        ),
        (
            {"op": "domain.delete", "registrar": "namesmith", "cl_trid": "x", "params": {}},
            "parameter_policy",
            "missing parameter 'name'",
        ),
        (
            {"op": "domain.renew", "registrar": "namesmith", "cl_trid": "x", "params": {"name": "a.com"}},
            "parameter_policy",
            "missing parameter 'current_expiry'",
        ),
        (
            {
                "op": "domain.renew",
                "registrar": "namesmith",
                "cl_trid": "x",
                "params": {"name": "a.com", "current_expiry": "31/01/2027"},
            },
            "parameter_policy",
            "current_expiry must be a date like 2027-01-31",
        ),
        ("not a command", "parameter_policy", "unknown command None"),
    ],
)
def test_malformed_commands_get_a_failed_reply_not_an_exception(inhouse, command, code, message):
    reply = commands.execute(command)
    assert reply["ok"] is False
    assert reply["error"]["code"] == code
    assert message in reply["error"]["message"]


REGISTRY_ONLY = {
    OperationKind.DOMAIN_AUTO_RENEW,
    OperationKind.DOMAIN_DELETION_PHASE,
    OperationKind.DOMAIN_PURGE,
    OperationKind.DOMAIN_SERVER_STATUS,
    OperationKind.BILLING_TOPUP,
}


def test_the_catalogue_has_every_transform_a_registrar_may_ask_for_and_every_queue_read():
    assert set(commands.CATALOGUE) == (set(OperationKind) - REGISTRY_ONLY) | set(QueryKind)


def test_a_command_is_named_as_its_operation_over_the_queue_too(inhouse, beta):
    services.create_domain(beta, "move.com", auth_info="move-me-2026")
    reply = commands.execute(
        {
            "op": "domain.transfer.request",
            "registrar": "namesmith",
            "cl_trid": "t-1",
            "params": {"name": "move.com", "auth_info": "move-me-2026", "years": 1},
        }
    )
    assert reply["ok"], reply
    assert Operation.objects.get(cl_trid="t-1").kind == "domain.transfer.request"


def test_a_parameter_the_command_does_not_take_is_refused_and_nothing_runs(inhouse):
    command = create_command("first.com", "c-1")
    command["params"]["colour"] = "blue"
    reply = commands.execute(command)
    assert reply["error"]["message"] == "unknown parameter 'colour'"
    assert not Domain.objects.exists()


def test_every_adapter_decodes_a_renew_date_the_same_way():
    renew = commands.CATALOGUE[OperationKind.DOMAIN_RENEW]
    assert renew.decoder.decode({"name": "a.com", "current_expiry": "2027-01-31"})["current_expiry"] == date(
        2027, 1, 31
    )
    with pytest.raises(ParameterError, match="current_expiry must be a date like 2027-01-31"):
        renew.decoder.decode({"name": "a.com", "current_expiry": None})
