import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registrar.models import Order
from tests.conftest import GOOD_CARD

PROBLEM = "application/problem+json"


@pytest.fixture
def api():
    return APIClient()


def as_customer(api: APIClient, customer) -> APIClient:
    token, _ = Token.objects.get_or_create(user=customer.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_check_needs_no_login_and_shows_retail_prices(api, customer):
    response = api.get("/api/v1/check/", {"name": ["free.com", "nic.com", "한국.kr"]})
    assert response.status_code == 200
    rows = response.json()
    assert [(r["name"], r["status"], r["price_per_year"]) for r in rows] == [
        ("free.com", "available", 1200),
        ("nic.com", "reserved", None),
        ("한국.kr", "available", 2200),
    ]
    assert rows[2]["ascii"] == "xn--3e0b707e.kr"


def test_check_without_a_name_is_a_clear_400(api, tlds):
    response = api.get("/api/v1/check/")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    body = response.json()
    assert (body["code"], body["type"]) == ("validation_error", "/api/v1/problems/validation_error")
    assert body["errors"] == {"name": ["give at least one name, like ?name=example.com"]}


def test_check_answers_a_blank_name_with_its_reason(api, tlds):
    response = api.get("/api/v1/check/", {"name": [""]})
    assert response.status_code == 200
    assert [(r["status"], r["reason"]) for r in response.json()] == [("invalid", "the name is empty")]


def test_a_check_of_too_many_names_is_the_registrys_refusal(api, tlds):
    response = api.get("/api/v1/check/", {"name": [f"n{i}.com" for i in range(51)]})
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    body = response.json()
    assert (body["code"], body["detail"]) == ("parameter_policy", "at most 50 names per check; 51 given")


def test_orders_need_authentication(api, customer):
    assert api.post("/api/v1/orders/", {}, format="json").status_code == 401
    response = api.get("/api/v1/orders/")
    assert (response.status_code, response["Content-Type"], response["WWW-Authenticate"]) == (401, PROBLEM, "Token")
    assert response.json() == {
        "type": "/api/v1/problems/not_authenticated",
        "title": "Log in or send a customer API token",
        "status": 401,
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_creating_an_order_answers_202_with_its_location(api, customer):
    response = as_customer(api, customer).post(
        "/api/v1/orders/", {"lines": [{"domain": "new.com", "years": 2}], "card": GOOD_CARD}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["state"] == "IN_PROGRESS" and body["total"] == 2400 and body["card"] == "Visa •••• 4242"
    assert body["payment"]["state"] == "CAPTURED" and body["paid_at"] is not None
    assert body["lines"][0]["domain"] == "new.com"
    assert response["Location"] == f"/api/v1/orders/{body['id']}/"


def test_a_declined_card_is_answered_at_once(api, customer):
    card = {**GOOD_CARD, "number": "4000000000000002"}
    response = as_customer(api, customer).post(
        "/api/v1/orders/", {"lines": [{"domain": "new.com"}], "card": card}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["state"], body["failure_reason"]) == ("FAILED", "the card Visa •••• 0002 was declined by the issuer")


def test_a_retried_checkout_with_the_same_idempotency_key_is_not_charged_twice(api, customer):
    client = as_customer(api, customer)
    payload = {"lines": [{"domain": "new.com"}], "card": GOOD_CARD}
    first = client.post("/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    second = client.post("/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1


def test_checkout_errors_name_the_line_and_field(api, customer):
    response = as_customer(api, customer).post(
        "/api/v1/orders/", {"lines": [{"domain": "ok.com"}, {"domain": "nic.com"}], "card": GOOD_CARD}, format="json"
    )
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert response.json() == {
        "type": "/api/v1/problems/validation_error",
        "title": "The request is not valid",
        "status": 400,
        "detail": "lines[1].domain: nic.com: reserved (registry operations)",
        "code": "validation_error",
        "errors": {"lines[1].domain": ["nic.com: reserved (registry operations)"]},
    }
    assert not Order.objects.exists()


def test_malformed_bodies_are_refused_by_shape(api, customer):
    response = as_customer(api, customer).post("/api/v1/orders/", {"lines": "new.com"}, format="json")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["errors"]) == {"lines", "card"}


def test_an_idempotency_key_over_100_characters_is_refused(api, customer):
    payload = {"lines": [{"domain": "new.com"}], "card": GOOD_CARD}
    response = as_customer(api, customer).post(
        "/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"Idempotency-Key": ["at most 100 characters"]}
    assert not Order.objects.exists()


def test_customers_see_only_their_own_orders(api, customer, second_customer):
    payload = {"lines": [{"domain": "mine.com"}], "card": GOOD_CARD}
    mine = as_customer(api, customer).post("/api/v1/orders/", payload, format="json").json()
    other = as_customer(APIClient(), second_customer)
    response = other.get(f"/api/v1/orders/{mine['id']}/")
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (404, PROBLEM, "not_found")
    assert other.get("/api/v1/orders/").json()["results"] == []
    assert as_customer(api, customer).get("/api/v1/orders/").json()["count"] == 1


def test_an_account_without_a_customer_profile_is_told_so(api, staff):
    token = Token.objects.create(user=staff)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/v1/orders/")
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    body = response.json()
    assert (body["code"], body["detail"]) == ("permission_denied", "this account has no customer profile")


def test_a_path_no_route_matches_is_a_problem_of_the_customer_api(api, db):
    response = api.get("/api/v1/no-such-thing/")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert response.json()["type"] == "/api/v1/problems/not_found"


def test_the_openapi_schema_describes_the_order_endpoints(api, db):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/orders/", "/api/v1/orders/{id}/", "/api/v1/check/"} <= set(paths)


def test_customers_can_log_in_to_the_browsable_api(client, customer):
    page = client.get("/api/auth/login/")
    assert page.status_code == 200
    response = client.post("/api/auth/login/", {"username": "alice", "password": "alice-password", "next": "/api/v1/"})
    assert (response.status_code, response["Location"]) == (302, "/api/v1/")
    assert client.get("/api/v1/orders/").status_code == 200
    # The browsable API shows an error as its page, in HTML.
    page = client.get("/api/v1/orders/999/", HTTP_ACCEPT="text/html")
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")


def test_an_order_with_our_nameservers_takes_few_queries_at_each_step(
    api, customer, rental_pool, monkeypatch, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """Every order pays for these (checkout, the registry's create, the registrar's
    settlement with the new hosted zone); the bounds hold on PostgreSQL, which counts
    transaction statements too."""
    from celery import current_app

    from registrar import services
    from registry import commands

    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args=None, **options: sent.append((name, args)))
    client = as_customer(api, customer)
    payload = {"lines": [{"domain": "counted.com"}], "card": GOOD_CARD}
    with django_capture_on_commit_callbacks(execute=True):  # the first order makes the registrant contact
        client.post("/api/v1/orders/", {**payload, "lines": [{"domain": "first.com"}]}, format="json")
    [(_, [first])] = sent
    services.apply_registry_result(*first["reply_to"]["args"], commands.execute(first))
    sent.clear()
    # 17: token, user and customer in one; the quote's three; the hosted zone's name; the
    # servers of other zones of the name (hosted and published) and the delegations of the
    # name and above (hosted and the TLD's), which the new delegation set avoids; the card,
    # order, line, its operation and payment in a transaction; the lines again for the answer.
    with django_assert_max_num_queries(17), django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/orders/", payload, format="json").status_code == 202
    [(_, [command])] = sent
    assert len(command["params"]["nameservers"]) == 4
    # 18: the last two note the name for com's next build (which sends that name's part
    # alone) and read when com was last built, as this create asks for that build.
    with django_assert_max_num_queries(18), django_capture_on_commit_callbacks(execute=True):
        reply = commands.execute(command)
    assert reply["ok"], reply
    # 20: with the hosted zone made, the account's count of zones, the servers of other zones
    # of the name (hosted and published), the mark of its queued publication and, on
    # PostgreSQL, the lock on the name.
    with django_assert_max_num_queries(20), django_capture_on_commit_callbacks(execute=True):
        services.apply_registry_result(*command["reply_to"]["args"], reply)
    assert Order.objects.get(pk=command["reply_to"]["args"][0]).state == "SUCCESSFUL"
