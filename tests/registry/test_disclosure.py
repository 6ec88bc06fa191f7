"""Every entry point shows the same fields of a domain to the same caller.

The rule is ``registry.services.disclosure``'s: the sponsor and one who gives the right
auth info see the auth info and the registrant; anyone else (another registrar, every
RDAP and WHOIS client) sees neither, and of the registrant only its public details; a
wrong auth info is refused. Each row asks one entry point as one caller and reads back
what it showed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from registry import services
from registry.services.disclosure import PUBLIC_CONTACT_FIELDS, Viewer
from registry.whois import query
from tests.registry.epp.conftest import NAMESPACES, Epp
from tests.registry.test_registry_api import API, client_for

pytestmark = pytest.mark.django_db

SECRET = "secret-one"
REGISTRANT = {
    "name": "Alice Doe",
    "street": "1 Main Street",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country_code": "US",
    "voice": "+1.5555550100",
    "email": "alice@example.org",
}
SHOWN_TO = {
    # What each kind of caller sees: (auth info, registrant handle, registrant details).
    Viewer.SPONSOR: (SECRET, "alpha-c1", None),
    Viewer.AUTH_HOLDER: (SECRET, "alpha-c1", None),
    Viewer.ANYONE: (None, None, {field: REGISTRANT[field] for field in PUBLIC_CONTACT_FIELDS}),
}


@pytest.fixture
def domain(alpha, beta) -> None:
    services.create_contact(alpha, "alpha-c1", REGISTRANT)
    services.create_domain(alpha, "seen.com", auth_info=SECRET, registrant="alpha-c1")


def epp(client_id: str, auth_info: str | None) -> tuple:
    session = Epp()
    session.login(client_id)
    auth = f"<domain:authInfo><domain:pw>{auth_info}</domain:pw></domain:authInfo>" if auth_info else ""
    response = session.send(
        '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info>'
        '<domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">'
        f"<domain:name>seen.com</domain:name>{auth}</domain:info></info><clTRID>t-1</clTRID></command></epp>"
    )
    if response.code != 1000:
        return ("refused", response.code)
    data = response.find("epp:response/epp:resData/domain:infData")
    return (
        data.findtext("domain:authInfo/domain:pw", namespaces=NAMESPACES),
        data.findtext("domain:registrant", namespaces=NAMESPACES),
        None,
    )


def rest(registrar, auth_info: str | None) -> tuple:
    headers = {"HTTP_X_AUTH_INFO": auth_info} if auth_info else {}
    response = client_for(registrar).get(f"{API}/domains/seen.com/", **headers)
    if response.status_code != 200:
        return ("refused", response.json()["code"])
    body = response.json()
    return (body["auth_info"], body["registrant"], None)


def rdap() -> tuple:
    body = Client().get("/rdap/domain/seen.com").json()
    [registrant] = [e for e in body["entities"] if e["roles"] == ["registrant"]]
    properties = {item[0]: item for item in registrant["vcardArray"][1]}
    details = {"state": properties["adr"][3][4], "country_code": properties["adr"][1]["cc"]}
    hidden = [properties["fn"][3], *properties["adr"][3][:4], *properties["adr"][3][5:]]
    assert not any(hidden) and not {"email", "tel", "org"} & properties.keys()
    return (SECRET if SECRET in json.dumps(body) else None, registrant.get("handle"), details)


def whois() -> tuple:
    text = query.answer("seen.com")
    assert "SEEN.COM" in text
    # A thin registry's answer: no contact at all, never the auth info.
    personal = ("name", "street", "city", "postal_code", "voice", "email")  # values no other line has
    shown = {field: REGISTRANT[field] for field in personal if REGISTRANT[field] in text}
    assert shown == {}, shown
    return (SECRET if SECRET in text else None, "alpha-c1" if "alpha-c1" in text else None, None)


@pytest.mark.parametrize(
    ("entry_point", "caller", "auth_info", "seen_as"),
    [
        ("epp", "alpha", None, Viewer.SPONSOR),
        ("epp", "beta", SECRET, Viewer.AUTH_HOLDER),
        ("epp", "beta", None, Viewer.ANYONE),
        ("rest", "alpha", None, Viewer.SPONSOR),
        ("rest", "beta", SECRET, Viewer.AUTH_HOLDER),
        ("rest", "beta", None, Viewer.ANYONE),
        ("rdap", None, None, Viewer.ANYONE),
    ],
)
def test_each_entry_point_shows_a_caller_what_the_rule_gives(domain, request, entry_point, caller, auth_info, seen_as):
    registrar = request.getfixturevalue(caller) if caller else None
    if entry_point == "epp":
        shown = epp(registrar.client_id, auth_info)
    elif entry_point == "rest":
        shown = rest(registrar, auth_info)
    else:
        shown = rdap()
    secret, handle, details = SHOWN_TO[seen_as]
    if entry_point == "rdap":
        assert shown == (None, handle, details)
    else:  # EPP and REST carry the handle and the secret, not the contact's details
        assert shown == (secret, handle, None)


def test_whois_shows_no_more_than_anyone_may_see(domain):
    assert whois() == (None, None, None)


def test_a_wrong_auth_info_is_refused_by_every_entry_point_that_takes_one(domain, beta):
    assert epp(beta.client_id, "wrong-one") == ("refused", 2202)
    assert rest(beta, "wrong-one") == ("refused", "invalid_authorization")


def test_the_sponsor_is_not_refused_for_a_wrong_auth_info(domain, alpha):
    assert epp(alpha.client_id, "wrong-one") == (SECRET, "alpha-c1", None)
    assert rest(alpha, "wrong-one") == (SECRET, "alpha-c1", None)
