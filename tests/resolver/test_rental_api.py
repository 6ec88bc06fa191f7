"""The customer API of the rental service: a customer sees and changes only their own zones,
and every error is problem+json."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from resolver.choices import ChangeStatus
from resolver.models import Change, HostedZone
from tests.resolver.test_rental import hold, upsert


def client_for(customer) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=customer.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


@pytest.fixture
def alice(customer):
    hold(customer, "example.com")
    return client_for(customer)


@pytest.fixture
def zone_id(alice) -> str:
    response = alice.post("/api/v1/hosted-zones/", {"name": "example.com", "caller_reference": "r1"}, format="json")
    assert response.status_code == 201
    return response.json()["hosted_zone"]["id"]


def test_creating_a_zone_returns_it_with_its_delegation_set_and_first_change(alice):
    response = alice.post(
        "/api/v1/hosted-zones/", {"name": "example.com", "caller_reference": "r1", "comment": "mine"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["hosted_zone"]["name"] == "example.com." and len(body["hosted_zone"]["nameservers"]) == 4
    assert body["change"]["status"] == "PENDING"
    again = alice.post("/api/v1/hosted-zones/", {"name": "example.com", "caller_reference": "r1"}, format="json")
    assert again.status_code == 200 and again.json()["hosted_zone"]["id"] == body["hosted_zone"]["id"]


def test_a_zone_for_a_reserved_name_is_a_clear_400(alice):
    body = {"name": "ns-1.namesmith-dns.com", "caller_reference": "r2"}
    response = alice.post("/api/v1/hosted-zones/", body, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "/api/v1/problems/reserved_name",
        "title": "The name is reserved for the emulator's own use",
        "status": 400,
        "detail": "ns-1.namesmith-dns.com. is reserved by Namesmith (its rental nameservers' domain)",
        "code": "reserved_name",
    }


def test_a_change_batch_is_accepted_and_its_status_can_be_polled(alice, zone_id):
    batch = {"changes": [upsert("www.example.com", "A", "192.0.2.44")], "comment": "www"}
    response = alice.post(f"/api/v1/hosted-zones/{zone_id}/changes/", batch, format="json")
    assert response.status_code == 202
    change = response.json()
    assert change["status"] == "PENDING" and change["zone"] == zone_id
    assert change["changes"] == [
        {
            "action": "UPSERT",
            "record_set": {"name": "www.example.com.", "type": "A", "ttl": 300, "values": ["192.0.2.44"]},
        }
    ]
    Change.objects.filter(pk=change["id"]).update(status=ChangeStatus.INSYNC)
    assert alice.get(f"/api/v1/changes/{change['id']}/").json()["status"] == "INSYNC"
    listed = alice.get(f"/api/v1/hosted-zones/{zone_id}/record-sets/", {"type": "a"}).json()
    assert [(r["name"], r["values"]) for r in listed["results"]] == [("www.example.com.", ["192.0.2.44"])]


def test_a_bad_batch_names_the_change_at_fault(alice, zone_id):
    batch = {
        "changes": [upsert("www.example.com", "A", "192.0.2.44"), upsert("example.com", "CNAME", "x.example.net.")]
    }
    response = alice.post(f"/api/v1/hosted-zones/{zone_id}/changes/", batch, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["status"], problem["code"], problem["index"]) == (
        "/api/v1/problems/invalid_change_batch",
        400,
        "invalid_change_batch",
        1,
    )
    assert problem["detail"].startswith("change 1 (UPSERT example.com CNAME): ") and "apex" in problem["detail"]
    assert not HostedZone.objects.get(pk=zone_id).record_sets.exists()


def test_a_batch_is_checked_for_its_shape_before_the_service_sees_it(alice, zone_id):
    url = f"/api/v1/hosted-zones/{zone_id}/changes/"
    misspelt = {"changes": [upsert("www.example.com", "A", "192.0.2.44", tll=60)]}
    response = alice.post(url, misspelt, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem["status"]) == ("validation_error", 400)
    assert problem["errors"] == {"changes": {"0": {"record_set": {"tll": ["not a field of this object"]}}}}
    not_a_list = alice.post(url, {"changes": "UPSERT www"}, format="json").json()
    assert not_a_list["code"] == "validation_error" and set(not_a_list["errors"]) == {"changes"}
    ttl_as_text = alice.post(url, {"changes": [upsert("www.example.com", "A", "192.0.2.44", ttl=[60])]}, format="json")
    assert ttl_as_text.json()["errors"] == {"changes": {"0": {"record_set": {"ttl": ["A valid integer is required."]}}}}
    assert not HostedZone.objects.get(pk=zone_id).record_sets.exists()


def test_the_service_keeps_its_rules_and_its_leniency_behind_the_serializer(alice, zone_id):
    url = f"/api/v1/hosted-zones/{zone_id}/changes/"
    empty = alice.post(url, {"changes": []}, format="json").json()
    assert (empty["code"], empty["detail"]) == ("invalid_request", "changes: a list of at least one change")
    soa = alice.post(url, {"changes": [upsert("example.com", "SOA", "x. y. 1 2 3 4 5")]}, format="json").json()
    assert soa["code"] == "invalid_change_batch" and soa["index"] == 0 and "kept by the service" in soa["detail"]
    lower = {
        "changes": [
            {
                "action": "upsert",
                "record_set": {
                    "name": "www.example.com",
                    "type": "a",
                    "ttl": "60",
                    "values": ["192.0.2.44"],
                    "set_identifier": None,
                },
            }
        ]
    }
    accepted = alice.post(url, lower, format="json")
    assert accepted.status_code == 202, accepted.json()
    assert accepted.json()["changes"][0]["record_set"] == {
        "name": "www.example.com.",
        "type": "A",
        "ttl": 60,
        "values": ["192.0.2.44"],
    }


def test_another_customers_zone_and_changes_are_invisible(alice, zone_id, second_customer):
    change_id = alice.post(
        f"/api/v1/hosted-zones/{zone_id}/changes/",
        {"changes": [upsert("www.example.com", "A", "192.0.2.44")]},
        format="json",
    ).json()["id"]
    bob = client_for(second_customer)
    assert bob.get("/api/v1/hosted-zones/").json()["results"] == []
    assert bob.get(f"/api/v1/hosted-zones/{zone_id}/").status_code == 404
    assert bob.get(f"/api/v1/hosted-zones/{zone_id}/record-sets/").status_code == 404
    posted = bob.post(
        f"/api/v1/hosted-zones/{zone_id}/changes/",
        {"changes": [upsert("www.example.com", "A", "192.0.2.66")]},
        format="json",
    )
    assert posted.status_code == 404
    assert posted.json() == {
        "type": "/api/v1/problems/not_found",
        "title": "Not found",
        "status": 404,
        "detail": f"no hosted zone {zone_id}",
        "code": "not_found",
    }
    assert bob.delete(f"/api/v1/hosted-zones/{zone_id}/").status_code == 404
    assert bob.get(f"/api/v1/changes/{change_id}/").status_code == 404
    assert HostedZone.objects.get(pk=zone_id).record_sets.get().values == ["192.0.2.44"]


def test_the_api_needs_authentication(client, db):
    response = APIClient().get("/api/v1/hosted-zones/")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["status"]) == ("not_authenticated", 401)


def test_the_openapi_schema_describes_the_rental_endpoints(db):
    paths = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {
        "/api/v1/hosted-zones/",
        "/api/v1/hosted-zones/{id}/",
        "/api/v1/hosted-zones/{id}/record-sets/",
        "/api/v1/hosted-zones/{id}/changes/",
        "/api/v1/changes/{id}/",
        "/api/v1/health-checks/",
        "/api/v1/health-checks/{id}/override/",
        "/api/v1/health-checks/{id}/events/",
    } <= set(paths)


def test_health_checks_over_the_api_are_private_and_can_be_overridden(alice, customer, second_customer):
    created = alice.post(
        "/api/v1/health-checks/", {"kind": "TCP", "ip_address": "127.0.0.1", "port": 9, "interval": 10}, format="json"
    )
    assert created.status_code == 201
    check = created.json()
    assert (check["kind"], check["status"], check["healthy"], check["failure_threshold"]) == ("TCP", "HEALTHY", True, 3)
    forced = alice.post(f"/api/v1/health-checks/{check['id']}/override/", {"override": "UNHEALTHY"}, format="json")
    assert forced.status_code == 200 and forced.json()["healthy"] is False
    events = alice.get(f"/api/v1/health-checks/{check['id']}/events/").json()["results"]
    assert [(e["status"], e["reason"]) for e in events] == [("UNHEALTHY", "override set to UNHEALTHY")]
    bad = alice.post(
        "/api/v1/health-checks/", {"kind": "HTTP", "ip_address": "10.0.0.1", "interval": 20}, format="json"
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert (bad.json()["type"], bad.json()["code"]) == ("/api/v1/problems/invalid_health_check", "invalid_health_check")
    misspelt = alice.post(
        "/api/v1/health-checks/", {"kind": "TCP", "ip_address": "127.0.0.1", "prot": 9}, format="json"
    )
    assert misspelt.json()["errors"] == {"prot": ["not a field of this object"]}
    wrong = alice.post(f"/api/v1/health-checks/{check['id']}/override/", {"override": "SICK"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_health_check")
    cleared = alice.post(f"/api/v1/health-checks/{check['id']}/override/", {"override": "healthy"}, format="json")
    assert cleared.status_code == 200 and cleared.json()["override"] == "HEALTHY"
    bob = client_for(second_customer)
    assert bob.get(f"/api/v1/health-checks/{check['id']}/").status_code == 404
    assert (
        bob.post(f"/api/v1/health-checks/{check['id']}/override/", {"override": ""}, format="json").status_code == 404
    )
    assert bob.delete(f"/api/v1/health-checks/{check['id']}/").status_code == 404
    assert alice.delete(f"/api/v1/health-checks/{check['id']}/").status_code == 204


def test_the_openapi_schema_documents_problems_and_validates(db, capsys, settings):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--file", "/dev/null")
    ours = f"{settings.BASE_DIR}/resolver/"
    warnings = [line for line in capsys.readouterr().err.splitlines() if ours in line]
    assert warnings == []  # nothing of the rental API's the generator has to guess at
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    problem = schema["components"]["schemas"]["RentalProblem"]["properties"]
    assert {"type", "title", "status", "detail", "code", "index", "errors"} <= set(problem)
    record_type = schema["components"]["schemas"]["RecordSetRequest"]["properties"]["type"]["$ref"].split("/")[-1]
    assert schema["components"]["schemas"][record_type]["enum"] == [
        "A",
        "AAAA",
        "CAA",
        "CNAME",
        "DS",
        "HTTPS",
        "MX",
        "NAPTR",
        "NS",
        "PTR",
        "SPF",
        "SRV",
        "SSHFP",
        "SVCB",
        "TLSA",
        "TXT",
    ]


def test_the_browsable_api_shows_an_error_as_its_page(customer, client):
    client.force_login(customer.user)
    page = client.get("/api/v1/hosted-zones/HZNOSUCHZONE/", HTTP_ACCEPT="text/html")
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert client.get("/api/v1/hosted-zones/HZNOSUCHZONE/")["Content-Type"] == "application/problem+json"


def test_a_customer_makes_lists_and_deletes_tsig_keys_of_their_zone(alice, zone_id, second_customer):
    made = alice.post(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/", {}, format="json")
    assert made.status_code == 201
    key = made.json()
    assert key["name"] == "update.example.com." and key["algorithm"] == "hmac-sha256"
    secret = key["secret"]
    assert key["key_file"] == f'key "update.example.com" {{\n\talgorithm hmac-sha256;\n\tsecret "{secret}";\n}};\n'
    named = alice.post(
        f"/api/v1/hosted-zones/{zone_id}/tsig-keys/", {"name": "certbot.example.com", "algorithm": "hmac-sha512"}
    )
    assert named.status_code == 201 and named.json()["algorithm"] == "hmac-sha512"
    listed = alice.get(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/").json()
    assert [k["name"] for k in listed] == ["certbot.example.com.", "update.example.com."]
    bad = alice.post(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/", {"algorithm": "hmac-md5", "extra": 1})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert alice.delete(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/update.example.com/").status_code == 204
    assert alice.delete(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/update.example.com/").status_code == 404
    bob = client_for(second_customer)
    assert bob.get(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/").status_code == 404
    assert bob.post(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/", {}).status_code == 404


def test_a_customer_names_the_secondaries_of_their_zone(alice, zone_id, second_customer):
    url = f"/api/v1/hosted-zones/{zone_id}/secondaries/"
    assert alice.get(url).json() == {"notify": [], "allow": [], "key": ""}
    refused = alice.put(url, {"notify": ["127.0.0.1:5301"], "key": "update.example.com"}, format="json")
    assert refused.status_code == 400 and "not one of the zone's TSIG keys" in refused.json()["detail"]
    alice.post(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/", {}, format="json")
    body = {"notify": ["127.0.0.1:5301"], "allow": ["127.0.0.0/8"], "key": "update.example.com"}
    version = HostedZone.objects.get(pk=zone_id).version
    saved = alice.put(url, body, format="json")
    assert saved.status_code == 200
    assert saved.json() == {"notify": ["127.0.0.1:5301"], "allow": ["127.0.0.0/8"], "key": "update.example.com."}
    assert HostedZone.objects.get(pk=zone_id).version == version + 1  # published again with them
    outside = alice.put(url, {"notify": ["192.0.2.1"]}, format="json")
    assert outside.status_code == 400 and "only loopback addresses" in outside.json()["detail"]
    in_use = alice.delete(f"/api/v1/hosted-zones/{zone_id}/tsig-keys/update.example.com/")
    assert in_use.status_code == 409 and "signs the zone's transfers" in in_use.json()["detail"]
    assert client_for(second_customer).get(url).status_code == 404
