"""RDAP at /rdap/ (RFC 7480, 9082, 9083): lookups, errors, CORS, the rate limit, and that
no answer shows auth info or a registrant's personal details."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import override_settings

from config import ratelimit
from registry import services
from registry.choices import EppStatus
from registry.models import DelegationSigner, Domain, DomainStatus, RegistrarToken
from registry.rdap import render
from tests.registry.conftest import NOW

BASE = "http://testserver/rdap/"
RDAP = "application/rdap+json"
REGISTRANT = {
    "name": "Alice Liddell",
    "organization": "Wonderland Ltd",
    "street": "1 Rabbit Hole",
    "city": "Abingdon",
    "state": "Oxfordshire",
    "postal_code": "OX1 1AA",
    "country_code": "GB",
    "voice": "+44.1865000001",
    "fax": "+44.1865000002",
    "email": "alice@wonderland.example",
}
PERSONAL = [v for k, v in REGISTRANT.items() if k not in ("state", "country_code")]
DS = {"key_tag": 12345, "algorithm": 13, "digest_type": 2, "digest": "A" * 64}


@pytest.fixture(autouse=True)
def fresh_counts():
    """Rate counters are shared by every process (config.ratelimit): no test may inherit
    another's. These are the rates and client addresses the tests count requests at."""
    for rate in {settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["rdap"], "2/day", "1/second"}:
        for address in ("127.0.0.1", "127.0.0.2"):
            ratelimit.clear("rdap", address, rate)


@pytest.fixture
def example(sponsor, frozen) -> Domain:
    services.create_contact(sponsor, "alice-1", REGISTRANT)
    services.create_domain(
        sponsor, "example.com", nameservers=["ns1.provider.org", "ns2.provider.org"], registrant="alice-1"
    )
    domain = Domain.objects.get(name="example.com")
    DelegationSigner.objects.create(domain=domain, **DS)
    return domain


def get(client, path: str, **extra):
    response = client.get(path, **extra)
    assert response["Content-Type"] == RDAP
    assert response["Access-Control-Allow-Origin"] == "*"
    return response, json.loads(response.content)


def registrar_entity(handle: str = "9991") -> dict:
    return {
        "objectClassName": "entity",
        "handle": handle,
        "roles": ["registrar"],
        "vcardArray": [
            "vcard",
            [
                ["version", {}, "text", "4.0"],
                ["fn", {}, "text", "alpha-reg Inc."],
                ["url", {}, "uri", "https://alpha.example"],
            ],
        ],
        "publicIds": [{"type": "IANA Registrar ID", "identifier": "9991"}],
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["abuse"],
                "vcardArray": [
                    "vcard",
                    [
                        ["version", {}, "text", "4.0"],
                        ["fn", {}, "text", "Abuse contact of alpha-reg Inc."],
                        ["email", {}, "text", "alpha-reg@example.net"],
                        ["tel", {"type": "voice"}, "uri", "tel:+1.5555550001"],
                    ],
                ],
            }
        ],
        "status": ["active"],
        "links": [{"value": f"{BASE}entity/9991", "rel": "self", "href": f"{BASE}entity/9991", "type": RDAP}],
    }


def self_link(path: str) -> list[dict]:
    return [{"value": BASE + path, "rel": "self", "href": BASE + path, "type": RDAP}]


def terms(context: str) -> dict:
    return {
        "title": "Terms of Use",
        "description": list(render.TERMS_OF_USE),
        "links": [{"value": context, "rel": "terms-of-service", "href": f"{BASE}help", "type": RDAP}],
    }


def test_a_domain_lookup_answers_the_full_rdap_domain_object(client, example):
    response, body = get(client, "/rdap/domain/example.com")
    assert response.status_code == 200
    nameserver_handles = {h.name: f"H{h.pk}-NSM" for h in example.nameservers.all()}
    assert body == {
        "rdapConformance": ["rdap_level_0", "redacted"],
        "objectClassName": "domain",
        "handle": example.roid,
        "ldhName": "example.com",
        "unicodeName": "example.com",
        "status": ["active", "add period"],
        "events": [
            {"eventAction": "registration", "eventDate": "2025-03-04T05:06:07Z"},
            {"eventAction": "expiration", "eventDate": "2026-03-04T05:06:07Z"},
            {"eventAction": "last changed", "eventDate": "2025-03-04T05:06:07Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "2025-03-04T05:06:07Z"},
        ],
        "entities": [
            registrar_entity(),
            {
                "objectClassName": "entity",
                "roles": ["registrant"],
                "vcardArray": [
                    "vcard",
                    [
                        ["version", {}, "text", "4.0"],
                        ["fn", {}, "text", ""],
                        ["adr", {"cc": "GB"}, "text", ["", "", "", "", "Oxfordshire", "", ""]],
                    ],
                ],
                "remarks": [
                    {
                        "title": "Redacted contact details",
                        "description": [
                            "Contact details of registrants are withheld; reach the registrant through the "
                            "sponsoring registrar."
                        ],
                    }
                ],
            },
        ],
        "nameservers": [
            {
                "objectClassName": "nameserver",
                "handle": nameserver_handles[name],
                "ldhName": name,
                "unicodeName": name,
                "links": self_link(f"nameserver/{name}"),
            }
            for name in ("ns1.provider.org", "ns2.provider.org")
        ],
        "secureDNS": {
            "delegationSigned": True,
            "dsData": [{"keyTag": 12345, "algorithm": 13, "digestType": 2, "digest": "A" * 64}],
        },
        "links": self_link("domain/example.com"),
        "port43": settings.NETWORK_PLAN.whois.address,
        "redacted": body["redacted"],  # checked on its own below
        "notices": [
            terms(f"{BASE}domain/example.com"),
            {
                "title": "Status Codes",
                "description": ["For more information on domain status codes, please visit https://icann.org/epp"],
                "links": [
                    {
                        "value": f"{BASE}domain/example.com",
                        "rel": "glossary",
                        "href": "https://icann.org/epp",
                        "type": "text/html",
                    }
                ],
            },
        ],
    }


def test_a_domain_lookup_takes_the_same_few_queries_however_many_nameservers(
    client, example, django_assert_num_queries
):
    services.create_host(example.registrar, "ns1.example.com", ["192.0.2.53"])
    services.create_host(example.registrar, "ns2.example.com", ["192.0.2.54", "2001:db8::54"])
    services.update_nameservers(example.registrar, "example.com", ["ns1.example.com", "ns2.example.com", "ns3.dns.org"])
    # The TLD, the domain with its sponsor and registrant, statuses, grace periods, DS
    # records, hosts, glue.
    with django_assert_num_queries(7):
        assert client.get("/rdap/domain/example.com").status_code == 200


def test_a_registrant_is_listed_as_redacted_per_rfc_9537(client, example):
    _, body = get(client, "/rdap/domain/example.com")
    where = "$.entities[?(@.roles[0]=='registrant')]"
    assert [(r["name"]["type"], r["method"], r.get("prePath") or r.get("postPath")) for r in body["redacted"]] == [
        ("Registry Registrant ID", "removal", f"{where}.handle"),
        ("Registrant Name", "emptyValue", f"{where}.vcardArray[1][?(@[0]=='fn')][3]"),
        ("Registrant Organization", "removal", f"{where}.vcardArray[1][?(@[0]=='org')]"),
        ("Registrant Street", "emptyValue", f"{where}.vcardArray[1][?(@[0]=='adr')][3][2]"),
        ("Registrant City", "emptyValue", f"{where}.vcardArray[1][?(@[0]=='adr')][3][3]"),
        ("Registrant Postal Code", "emptyValue", f"{where}.vcardArray[1][?(@[0]=='adr')][3][5]"),
        ("Registrant Phone", "removal", f"{where}.vcardArray[1][?(@[0]=='tel' && @[1].type=='voice')]"),
        ("Registrant Fax", "removal", f"{where}.vcardArray[1][?(@[0]=='tel' && @[1].type=='fax')]"),
        ("Registrant Email", "removal", f"{where}.vcardArray[1][?(@[0]=='email')]"),
    ]
    assert {r["pathLang"] for r in body["redacted"]} == {"jsonpath"}


def test_epp_statuses_map_to_rdap_status_values_per_rfc_8056(client, sponsor, frozen):
    services.create_domain(sponsor, "held.com")  # no nameservers: inactive
    domain = Domain.objects.get(name="held.com")
    for status in (EppStatus.CLIENT_HOLD, EppStatus.SERVER_TRANSFER_PROHIBITED, EppStatus.PENDING_TRANSFER):
        DomainStatus.objects.create(domain=domain, status=status, created_at=NOW)
    _, body = get(client, "/rdap/domain/held.com")
    assert body["status"] == ["client hold", "inactive", "pending transfer", "server transfer prohibited", "add period"]
    assert body["secureDNS"] == {"delegationSigned": False}
    assert "redacted" not in body and [e["roles"] for e in body["entities"]] == [["registrar"]]


def test_every_epp_status_has_an_rdap_value():
    assert set(render.RDAP_STATUS) == set(EppStatus)
    assert render.RDAP_STATUS[EppStatus.OK] == "active"
    assert render.RDAP_STATUS[EppStatus.CLIENT_HOLD] == "client hold"


def test_an_idn_is_found_by_its_unicode_and_its_punycode_name(client, sponsor):
    services.create_domain(sponsor, "bücher.com")
    for path in (
        f"/rdap/domain/{quote('bücher.com')}",
        "/rdap/domain/xn--bcher-kva.com",
        "/rdap/domain/XN--BCHER-KVA.COM.",
    ):
        response, body = get(client, path)
        assert response.status_code == 200, path
        assert (body["ldhName"], body["unicodeName"]) == ("xn--bcher-kva.com", "bücher.com")
        assert body["links"] == self_link("domain/xn--bcher-kva.com")


@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("/rdap/domain/nothere.com", "nothere.com is not registered"),
        ("/rdap/domain/example.org", ".org is not a TLD this registry runs"),
        (
            "/rdap/domain/www.example.com",
            "www.example.com is not a name directly under a TLD; no such domain is registered here",
        ),
        ("/rdap/nameserver/ns9.provider.org", "no nameserver ns9.provider.org is registered here"),
        ("/rdap/entity/nobody", "no registrar or contact 'nobody' is known here"),
        ("/rdap/autnum/64496", "/rdap/autnum/64496 is not a query this server answers; see /rdap/help"),
        ("/rdap/", "/rdap/ is not a query this server answers; see /rdap/help"),
    ],
)
def test_nothing_found_is_an_rdap_404(client, example, path, description):
    response, body = get(client, path)
    assert response.status_code == 404
    assert body == {
        "rdapConformance": ["rdap_level_0", "redacted"],
        "errorCode": 404,
        "title": "Not Found",
        "description": [description],
    }


def test_a_deleted_domain_is_not_found(client, example):
    Domain.objects.filter(pk=example.pk).update(deleted_at=NOW)
    response, body = get(client, "/rdap/domain/example.com")
    assert response.status_code == 404 and body["errorCode"] == 404


@pytest.mark.parametrize("name", ["exa_mple.com", "-example.com", "example..com"])
def test_a_malformed_name_is_an_rdap_400(client, tlds, name):
    response, body = get(client, f"/rdap/domain/{name}")
    assert response.status_code == 400
    assert (body["errorCode"], body["title"]) == (400, "Bad Request")
    assert body["description"][0]


def test_a_nameserver_lookup_shows_its_glue_status_and_sponsor(client, example):
    services.create_host(example.registrar, "ns1.example.com", ["192.0.2.53", "2001:db8::53"])
    host = example.registrar.hosts.get(name="ns1.example.com")
    response, body = get(client, "/rdap/nameserver/NS1.Example.Com")
    assert response.status_code == 200
    assert body == {
        "rdapConformance": ["rdap_level_0", "redacted"],
        "objectClassName": "nameserver",
        "handle": f"H{host.pk}-NSM",
        "ldhName": "ns1.example.com",
        "unicodeName": "ns1.example.com",
        "ipAddresses": {"v4": ["192.0.2.53"], "v6": ["2001:db8::53"]},
        "status": ["active"],
        "events": [
            {"eventAction": "registration", "eventDate": "2025-03-04T05:06:07Z"},
            {"eventAction": "last changed", "eventDate": "2025-03-04T05:06:07Z"},
        ],
        "entities": [registrar_entity()],
        "links": self_link("nameserver/ns1.example.com"),
        "notices": [terms(f"{BASE}nameserver/NS1.Example.Com")],
    }
    _, linked = get(client, "/rdap/nameserver/ns1.provider.org")
    assert linked["status"] == ["associated"] and "ipAddresses" not in linked


def test_a_registrar_is_found_by_iana_id_and_by_client_id(client, sponsor):
    for handle in ("9991", "alpha-reg"):
        response, body = get(client, f"/rdap/entity/{handle}")
        assert response.status_code == 200
        assert body == {
            "rdapConformance": ["rdap_level_0", "redacted"],
            **registrar_entity(),
            "notices": [terms(f"{BASE}entity/{handle}")],
        }


def test_a_registrar_without_iana_id_is_handled_by_client_id(client, beta):
    _, body = get(client, "/rdap/entity/beta-reg")
    assert body["handle"] == "beta-reg" and "publicIds" not in body
    assert body["links"] == self_link("entity/beta-reg")


def test_a_contact_lookup_shows_only_public_details(client, example):
    contact = example.registrant
    response, body = get(client, "/rdap/entity/alice-1")
    assert response.status_code == 200
    assert body["handle"] == "alice-1"
    assert body["vcardArray"] == [
        "vcard",
        [
            ["version", {}, "text", "4.0"],
            ["fn", {}, "text", ""],
            ["adr", {"cc": "GB"}, "text", ["", "", "", "", "Oxfordshire", "", ""]],
        ],
    ]
    assert body["status"] == ["associated"]
    assert body["events"] == [
        {"eventAction": "registration", "eventDate": "2025-03-04T05:06:07Z"},
        {"eventAction": "last changed", "eventDate": "2025-03-04T05:06:07Z"},
    ]
    assert [e["handle"] for e in body["entities"]] == ["9991"]
    assert [r["name"]["type"] for r in body["redacted"]][:2] == ["Registrant Name", "Registrant Organization"]
    assert body["redacted"][0]["postPath"] == "$.vcardArray[1][?(@[0]=='fn')][3]"
    text = response.content.decode()
    for value in [*PERSONAL, contact.auth_info]:
        assert value not in text


def test_no_rdap_answer_shows_auth_info_or_personal_details(client, example, beta):
    """Every query, asked anonymously or with the sponsor's or another registrar's API token."""
    services.create_host(example.registrar, "ns1.example.com", ["192.0.2.53"])
    secrets = [example.auth_info, example.registrant.auth_info, *PERSONAL]
    _, alpha_token = RegistrarToken.issue(example.registrar, "rdap test")
    _, beta_token = RegistrarToken.issue(beta, "rdap test")
    paths = [
        "/rdap/domain/example.com",
        "/rdap/nameserver/ns1.example.com",
        "/rdap/entity/alice-1",
        "/rdap/entity/9991",
        "/rdap/domains?name=exa*.com",
        "/rdap/help",
    ]
    answers = {}
    for credentials in (
        {},
        {"HTTP_AUTHORIZATION": f"Bearer {alpha_token}"},
        {"HTTP_AUTHORIZATION": f"Token {beta_token}"},
    ):
        for path in paths:
            response, _ = get(client, path, **credentials)
            assert response.status_code == 200, path
            text = response.content.decode()
            assert [s for s in secrets if s in text] == [], path
            answers.setdefault(path, set()).add(text)
    assert all(len(texts) == 1 for texts in answers.values())  # credentials change nothing


def test_help_answers_conformance_and_terms(client, db):
    response, body = get(client, "/rdap/help")
    assert response.status_code == 200
    assert body["rdapConformance"] == ["rdap_level_0", "redacted"]
    assert body["notices"] == [terms(f"{BASE}help")]
    assert body["remarks"][0]["title"] == "Queries"


def test_a_domain_search_matches_a_label_prefix(client, sponsor):
    for name in ("exam.com", "example.com", "other.com", "example.net"):
        services.create_domain(sponsor, name)
    response, body = get(client, "/rdap/domains?name=exa*.com")
    assert response.status_code == 200
    assert [d["ldhName"] for d in body["domainSearchResults"]] == ["exam.com", "example.com"]
    _, exact = get(client, "/rdap/domains?name=other.com")
    assert [d["ldhName"] for d in exact["domainSearchResults"]] == ["other.com"]
    for bad in ("/rdap/domains", "/rdap/domains?name=*.com", "/rdap/domains?name=e*x*.com"):
        response, body = get(client, bad)
        assert (response.status_code, body["errorCode"]) == (400, 400), bad


def test_a_domain_search_takes_the_same_queries_however_many_it_finds(client, sponsor, django_assert_max_num_queries):
    def search() -> list:
        with django_assert_max_num_queries(9) as captured:
            _, body = get(client, "/rdap/domains?name=gr*.com")
        return [len(captured.captured_queries), [d["status"] for d in body["domainSearchResults"]]]

    services.create_domain(sponsor, "grace-1.com")
    few, statuses = search()
    assert statuses == [["inactive", "add period"]]
    for i in range(2, 8):
        services.create_domain(sponsor, f"grace-{i}.com")
    many, statuses = search()
    assert many == few and len(statuses) == 7 and all("add period" in s for s in statuses)


def test_a_long_search_is_truncated_with_a_notice(client, sponsor, monkeypatch):
    monkeypatch.setattr("registry.rdap.queries.MAX_SEARCH_RESULTS", 2)
    for name in ("aa.com", "ab.com", "ac.com"):
        services.create_domain(sponsor, name)
    _, body = get(client, "/rdap/domains?name=a*.com")
    assert [d["ldhName"] for d in body["domainSearchResults"]] == ["aa.com", "ab.com"]
    assert body["notices"][-1]["type"] == "result set truncated due to unexplainable reasons"


def test_a_cors_preflight_is_answered_for_any_origin(client, db):
    response = client.options(
        "/rdap/domain/example.com", HTTP_ORIGIN="https://elsewhere.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_other_methods_are_refused_as_rdap_errors(client, db):
    response = client.post("/rdap/domain/example.com")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Content-Type"] == RDAP and json.loads(response.content)["errorCode"] == 405


def rdap_rate(rate: str) -> dict:
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "rdap": rate},
    }


def test_over_the_rate_a_client_gets_429_with_retry_after(client, example):
    with override_settings(REST_FRAMEWORK=rdap_rate("2/day")):
        for _ in range(2):
            assert get(client, "/rdap/domain/example.com")[0].status_code == 200
        response, body = get(client, "/rdap/domain/example.com")
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 86400
        assert (body["errorCode"], body["title"]) == (429, "Too Many Requests")
        assert get(client, "/rdap/help")[0].status_code == 429  # every query counts
        # The limit is per client address: another address is still answered.
        assert get(client, "/rdap/domain/example.com", REMOTE_ADDR="127.0.0.2")[0].status_code == 200
        # A forwarded-for header is the client's word: it does not make a new client.
        assert get(client, "/rdap/help", HTTP_X_FORWARDED_FOR="198.51.100.7")[0].status_code == 429


def test_the_rate_window_ends_and_counting_starts_again(client, example):
    with override_settings(REST_FRAMEWORK=rdap_rate("1/second")):
        assert get(client, "/rdap/help")[0].status_code == 200
        response, body = get(client, "/rdap/help")
        assert (response.status_code, response["Retry-After"]) == (429, "1")
        assert body["description"] == ["Query rate exceeded; try again in 1 seconds."]
        time.sleep(1.05)
        assert get(client, "/rdap/help")[0].status_code == 200
