"""The registry's REST API for partner registrars (/api/registry/v1/).

Transforms are asynchronous: these tests run an operation's task body
(``operations.execute``) in the test process where a worker would; tests/e2e runs them
through a real worker."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from config import clock
from registry import services
from registry.api import operations
from registry.choices import ApiOperationState
from registry.models import ApiOperation, Domain, GracePeriod, RegistrarToken

API = "/api/registry/v1"
CONTACT = {"name": "Alice Doe", "city": "Springfield", "country_code": "US", "email": "alice@example.org"}


def client_for(registrar) -> APIClient:
    _, token = RegistrarToken.issue(registrar, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def alpha_api(alpha) -> APIClient:
    return client_for(alpha)


@pytest.fixture
def beta_api(beta) -> APIClient:
    return client_for(beta)


def run(response) -> dict:
    """Carry out the operation a transform answered with, as the worker would."""
    assert response.status_code == 202, response.content
    operations.execute(response.json()["id"])
    return ApiOperation.objects.values("state", "result", "error").get(pk=response.json()["id"])


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"{API}/problems/{code}")
    return body


# --- authentication and errors ----------------------------------------------------------------


def test_without_a_token_the_answer_is_401_problem_json(tlds):
    response = APIClient().get(f"{API}/domains/")
    problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="registry"'


def test_a_revoked_token_is_refused(alpha):
    row, token = RegistrarToken.issue(alpha, "old")
    RegistrarToken.objects.filter(pk=row.pk).update(revoked_at=row.created_at)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    problem(client.get(f"{API}/balance/"), 401, "authentication_failed")


def test_a_customer_session_is_not_a_registrar(client, django_user_model, tlds):
    client.force_login(django_user_model.objects.create_user("mallory", password="x" * 12))
    problem(client.get(f"{API}/balance/"), 401, "not_authenticated")


def test_problem_types_are_described(client):
    assert client.get(f"{API}/problems/insufficient_funds").json() == {
        "code": "insufficient_funds",
        "status": 402,
        "title": "The registrar's balance is too low",
    }
    assert client.get(f"{API}/problems/nonsense").status_code == 404


# --- check and queries ------------------------------------------------------------------------


def test_check_gives_status_and_fees_per_name(alpha_api):
    services.create_domain(services.get_registrar("alpha-reg"), "taken.com")
    response = alpha_api.get(f"{API}/domains/check/", {"name": ["free.com", "taken.com", "shop.com", "a_b.com"]})
    rows = {r["name"]: r for r in response.json()}
    assert rows["free.com"]["fees"] == {"create": 1000, "renew": 1100, "transfer": 1200, "restore": 4000}
    assert (rows["free.com"]["available"], rows["free.com"]["fee_class"]) == (True, "standard")
    assert (rows["shop.com"]["fee_class"], rows["shop.com"]["fees"]["create"]) == ("premium", 50_000)
    assert (rows["taken.com"]["status"], rows["taken.com"]["available"], rows["taken.com"]["fees"]) == (
        "unavailable",
        False,
        None,
    )
    assert rows["a_b.com"]["status"] == "invalid"


def test_check_takes_at_most_50_names(alpha_api):
    body = problem(
        alpha_api.get(f"{API}/domains/check/", {"name": [f"n{i}.com" for i in range(51)]}), 400, "validation_error"
    )
    assert body["errors"] == {"name": ["Ensure this field has no more than 50 elements."]}


def test_balance_and_ledger_are_the_registrars_own(alpha_api, beta_api):
    assert alpha_api.get(f"{API}/balance/").json() == {"registrar": "alpha-reg", "balance": 100_000, "currency": "USD"}
    entries = beta_api.get(f"{API}/ledger/").json()
    assert entries["count"] == 1 and entries["results"][0]["kind"] == "topup"


def test_lists_are_paginated(alpha_api, alpha):
    for label in ("a", "b", "c"):
        services.create_domain(alpha, f"{label}.com")
    page = alpha_api.get(f"{API}/domains/", {"limit": 2}).json()
    assert page["count"] == 3 and [d["name"] for d in page["results"]] == ["a.com", "b.com"]
    assert page["next"].endswith("/api/registry/v1/domains/?limit=2&offset=2")


def test_digits_that_are_not_ascii_are_refused_not_a_server_error(alpha_api):
    """str.isdigit() says yes to '²', which int() cannot read: numbers are ASCII digits only."""
    for value in ("²", "١٢"):
        problem(alpha_api.get(f"{API}/domains/", {"limit": value}), 400, "validation_error")
        problem(alpha_api.post(f"{API}/poll-messages/{value}/ack/"), 400, "validation_error")


# --- transforms -------------------------------------------------------------------------------


def test_create_answers_202_with_an_operation_that_ends_successful(alpha_api, alpha):
    response = alpha_api.post(
        f"{API}/domains/", {"name": "Bücher.com", "years": 2, "auth_info": "secret-one"}, format="json"
    )
    assert response.json()["state"] == "SUBMITTED"
    assert response["Location"] == f"{API}/operations/{response.json()['id']}/"
    assert run(response)["state"] == ApiOperationState.SUCCESSFUL
    operation = alpha_api.get(response["Location"]).json()
    assert operation["result"]["name"] == "xn--bcher-kva.com" and operation["result"]["fee"] == 2000
    info = alpha_api.get(f"{API}/domains/bücher.com/").json()
    assert (info["registrar"], info["auth_info"], info["statuses"]) == ("alpha-reg", "secret-one", ["inactive"])


def test_a_broken_rule_fails_the_operation_with_a_problem(alpha_api, beta):
    services.create_domain(beta, "taken.com")
    outcome = run(alpha_api.post(f"{API}/domains/", {"name": "taken.com"}, format="json"))
    assert outcome["state"] == ApiOperationState.FAILED
    assert outcome["error"] == {
        "type": f"{API}/problems/domain_unavailable",
        "title": "The domain is registered already",
        "status": 409,
        "detail": "taken.com is already registered",
        "code": "domain_unavailable",
        "epp_code": 2302,
    }


def test_bad_input_is_refused_before_any_operation(alpha_api):
    body = problem(
        alpha_api.post(f"{API}/domains/", {"name": "bad_name.com", "years": 0}, format="json"), 400, "validation_error"
    )
    assert set(body["errors"]) == {"name", "years"}
    assert not ApiOperation.objects.exists()


def test_wrong_types_and_unknown_fields_are_refused(alpha_api):
    body = problem(
        alpha_api.post(f"{API}/contacts/", {"id": "c-1", **CONTACT, "fax": 12, "nickname": "Al"}, format="json"),
        400,
        "validation_error",
    )
    assert body["errors"] == {"nickname": ["unknown field"]}
    body = problem(
        alpha_api.post(f"{API}/domains/", {"name": "x.com", "years": "2"}, format="json"), 400, "validation_error"
    )
    assert body["errors"] == {"years": ["must be a whole number"]}
    body = problem(
        alpha_api.post(f"{API}/contacts/", {"id": "c-1", **CONTACT, "fax": 12}, format="json"), 400, "validation_error"
    )
    assert body["errors"] == {"fax": ["must be a string"]}


def test_an_idempotency_key_returns_the_first_operation(alpha_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-once-1"}
    first = alpha_api.post(f"{API}/domains/", {"name": "once.com"}, format="json", **headers)
    again = alpha_api.post(f"{API}/domains/", {"name": "once.com"}, format="json", **headers)
    assert again.json()["id"] == first.json()["id"] and ApiOperation.objects.count() == 1
    other = alpha_api.post(f"{API}/domains/", {"name": "twice.com"}, format="json", **headers)
    assert "was used for domain.create once.com" in problem(other, 422, "idempotency_key_reused")["detail"]


def test_an_operation_run_twice_charges_once(alpha_api, alpha):
    response = alpha_api.post(f"{API}/domains/", {"name": "once.com"}, format="json")
    run(response)
    ApiOperation.objects.filter(pk=response.json()["id"]).update(state=ApiOperationState.IN_PROGRESS)
    operations.execute(response.json()["id"])  # a redelivered task message
    assert alpha.ledger.filter(kind="charge").count() == 1


def test_update_renew_and_delete(alpha_api, alpha):
    services.create_domain(alpha, "mine.com")
    update = alpha_api.patch(
        f"{API}/domains/mine.com/",
        {
            "add": {"nameservers": ["ns1.example.org", "ns2.example.org"], "statuses": ["clientTransferProhibited"]},
            "auth_info": "new-secret",
        },
        format="json",
    )
    assert run(update)["state"] == ApiOperationState.SUCCESSFUL
    info = services.info_domain("mine.com", registrar=alpha)
    assert (info.nameservers, info.statuses, info.auth_info) == (
        ["ns1.example.org", "ns2.example.org"],
        ["clientTransferProhibited"],
        "new-secret",
    )
    renew = alpha_api.post(
        f"{API}/domains/mine.com/renew/", {"current_expiry": str(info.expires_at.date()), "years": 1}, format="json"
    )
    assert run(renew)["result"]["fee"] == 1100
    assert run(alpha_api.delete(f"{API}/domains/mine.com/"))["state"] == ApiOperationState.SUCCESSFUL
    assert not Domain.objects.filter(name="mine.com", deleted_at=None).exists()


def test_delete_restore_and_report(alpha_api, alpha):
    services.create_domain(alpha, "mine.com")
    GracePeriod.objects.update(ends_at=clock.now())  # past its add grace period
    assert run(alpha_api.delete(f"{API}/domains/mine.com/"))["result"]["rgp_status"] == "redemptionPeriod"
    info = alpha_api.get(f"{API}/domains/mine.com/").json()
    assert info["rgp_statuses"] == ["redemptionPeriod"] and "pendingDelete" in info["statuses"]
    restore = run(alpha_api.post(f"{API}/domains/mine.com/restore/", {"expected_fee": 4000}, format="json"))
    assert restore["result"]["rgp_status"] == "pendingRestore"
    problem(
        alpha_api.post(f"{API}/domains/mine.com/restore/report/", {"reason": "oops"}, format="json"),
        400,
        "validation_error",
    )
    report = {
        "pre_data": "before",
        "post_data": "after",
        "deleted_at": "2026-01-01T00:00:00Z",
        "restored_at": "2026-01-02T00:00:00Z",
        "reason": "deleted by mistake",
        "statements": ["The information is true."],
    }
    assert (
        run(alpha_api.post(f"{API}/domains/mine.com/restore/report/", report, format="json"))["state"] == "SUCCESSFUL"
    )
    assert alpha_api.get(f"{API}/domains/mine.com/").json()["rgp_statuses"] == []


def test_hosts_and_contacts(alpha_api, alpha):
    services.create_domain(alpha, "mine.com")
    assert (
        run(alpha_api.post(f"{API}/hosts/", {"name": "ns1.mine.com", "addresses": ["192.0.2.1"]}, format="json"))[
            "state"
        ]
        == ApiOperationState.SUCCESSFUL
    )
    assert alpha_api.get(f"{API}/hosts/ns1.mine.com/").json()["addresses"] == ["192.0.2.1"]
    assert [h["name"] for h in alpha_api.get(f"{API}/hosts/").json()["results"]] == ["ns1.mine.com"]
    assert alpha_api.get(f"{API}/hosts/check/", {"name": ["ns1.mine.com", "ns2.mine.com"]}).json() == [
        {"name": "ns1.mine.com", "available": False, "reason": "in use"},
        {"name": "ns2.mine.com", "available": True, "reason": ""},
    ]
    assert (
        run(alpha_api.post(f"{API}/contacts/", {"id": "alpha-c1", **CONTACT}, format="json"))["state"] == "SUCCESSFUL"
    )
    assert (
        run(alpha_api.put(f"{API}/contacts/alpha-c1/", CONTACT | {"city": "Shelbyville"}, format="json"))["state"]
        == ApiOperationState.SUCCESSFUL
    )
    assert alpha_api.get(f"{API}/contacts/alpha-c1/").json()["data"]["city"] == "Shelbyville"
    assert alpha_api.get(f"{API}/contacts/check/", {"id": ["alpha-c1"]}).json()[0]["available"] is False


def test_the_host_list_pages_in_a_fixed_number_of_queries(alpha_api, alpha, beta, django_assert_max_num_queries):
    services.create_domain(alpha, "mine.com")
    for i in range(12):
        services.create_host(alpha, f"ns{i:02}.mine.com", [f"192.0.2.{i + 1}", f"2001:db8::{i + 1}"])
    services.create_domain(alpha, "linked.com", nameservers=["ns00.mine.com", "ns01.mine.com"])
    services.create_host(beta, "ns1.elsewhere.org")  # another registrar's: not listed
    with django_assert_max_num_queries(6):  # token, registrar, count, the page, its addresses
        page = alpha_api.get(f"{API}/hosts/", {"limit": 10}).json()
    assert page["count"] == 12 and len(page["results"]) == 10
    first = page["results"][0]
    assert first["name"] == "ns00.mine.com" and first["superordinate"] == "mine.com"
    assert first["addresses"] == ["192.0.2.1", "2001:db8::1"] and first["statuses"] == ["linked"]
    assert page["results"][2]["statuses"] == ["ok"] and page["results"][2]["registrar"] == "alpha-reg"
    rest = alpha_api.get(page["next"]).json()["results"]
    assert [h["name"] for h in rest] == ["ns10.mine.com", "ns11.mine.com"]


# --- authorization ----------------------------------------------------------------------------


def test_another_registrars_domain_shows_no_secrets_and_cannot_be_changed(alpha_api, beta_api, alpha):
    services.create_contact(alpha, "alpha-c1", CONTACT)
    services.create_domain(alpha, "mine.com", auth_info="secret-one", registrant="alpha-c1")
    seen = beta_api.get(f"{API}/domains/mine.com/").json()
    assert (seen["auth_info"], seen["registrant"], seen["registrar"]) == (None, None, "alpha-reg")
    assert "secret-one" not in beta_api.get(f"{API}/domains/mine.com/").content.decode()
    with_secret = beta_api.get(f"{API}/domains/mine.com/", HTTP_X_AUTH_INFO="secret-one").json()
    assert with_secret["registrant"] == "alpha-c1"
    for response in (
        beta_api.patch(f"{API}/domains/mine.com/", {"auth_info": "stolen-one"}, format="json"),
        beta_api.delete(f"{API}/domains/mine.com/"),
        beta_api.post(f"{API}/domains/mine.com/renew/", {"current_expiry": "2030-01-01"}, format="json"),
    ):
        outcome = run(response)
        assert (outcome["state"], outcome["error"]["code"]) == (ApiOperationState.FAILED, "not_sponsor")
    problem(beta_api.get(f"{API}/contacts/alpha-c1/"), 403, "not_sponsor")
    assert beta_api.get(f"{API}/domains/").json()["count"] == 0
    assert beta_api.get(f"{API}/contacts/").json()["count"] == 0
    assert Domain.objects.get(name="mine.com").auth_info == "secret-one"


def test_operations_and_messages_are_private(alpha_api, beta_api):
    response = alpha_api.post(f"{API}/domains/", {"name": "mine.com"}, format="json")
    problem(beta_api.get(response["Location"]), 404, "not_found")
    assert beta_api.get(f"{API}/operations/").json()["count"] == 0


# --- transfers and poll messages --------------------------------------------------------------


def test_a_transfer_through_the_api(alpha_api, beta_api, alpha, beta):
    services.create_domain(alpha, "mine.com", auth_info="secret-one")
    request = beta_api.post(f"{API}/domains/mine.com/transfer/", {"auth_info": "secret-one"}, format="json")
    assert run(request)["result"]["status"] == "pending"
    messages = alpha_api.get(f"{API}/poll-messages/").json()
    assert [m["message"] for m in messages["results"]] == ["Transfer of mine.com to beta-reg requested."]
    assert alpha_api.post(f"{API}/poll-messages/{messages['results'][0]['id']}/ack/").json() == {"remaining": 0}
    assert alpha_api.get(f"{API}/domains/mine.com/transfer/").json()["status"] == "pending"
    assert run(beta_api.post(f"{API}/domains/mine.com/transfer/approve/"))["error"]["code"] == "not_sponsor"
    assert run(alpha_api.post(f"{API}/domains/mine.com/transfer/approve/"))["state"] == ApiOperationState.SUCCESSFUL
    assert Domain.objects.get(name="mine.com").registrar == beta
    assert beta_api.get(f"{API}/domains/").json()["results"][0]["name"] == "mine.com"


def test_acking_someone_elses_message_is_404(alpha_api, beta_api, alpha, beta):
    services.create_domain(alpha, "mine.com", auth_info="secret-one")
    services.request_transfer(beta, "mine.com", auth_info="secret-one")
    message_id = alpha_api.get(f"{API}/poll-messages/").json()["results"][0]["id"]
    problem(beta_api.post(f"{API}/poll-messages/{message_id}/ack/"), 404, "object_not_found")


# --- rate limit -------------------------------------------------------------------------------


def test_over_the_rate_limit_the_answer_is_429_with_retry_after(alpha_api, beta_api, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"registry-api": "2/minute"}
    with override_settings(REST_FRAMEWORK=settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}):
        assert [alpha_api.get(f"{API}/balance/").status_code for _ in range(2)] == [200, 200]
        limited = alpha_api.get(f"{API}/balance/")
        body = problem(limited, 429, "throttled")
        assert 1 <= int(limited["Retry-After"]) <= 60 and body["retry_after"] == int(limited["Retry-After"])
        assert beta_api.get(f"{API}/balance/").status_code == 200  # per token, not per address


# --- schema -----------------------------------------------------------------------------------


def test_the_schema_and_docs_page_are_public(client):
    schema = client.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert f"{API}/domains/{{name}}/transfer/approve/" in paths and f"{API}/operations/{{id}}/" in paths
    docs = client.get(f"{API}/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
