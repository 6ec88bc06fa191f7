"""The registry API's asynchronous operations through a real Celery worker process and
the configured broker (make test runs this on Redis and on the embedded broker)."""

import pytest
from rest_framework.test import APIClient

from registry import services
from registry.models import Domain, RegistrarToken
from tests.conftest import make_registrar

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]
API = "/api/registry/v1"


def api_for(registrar) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RegistrarToken.issue(registrar, 'e2e')[1]}")
    return client


def test_the_worker_carries_out_operations_and_prefer_wait_returns_them_final(module_stack, tlds):
    alpha, beta = make_registrar("alpha-reg", 100_000), make_registrar("beta-reg", 100_000)
    alpha_api, beta_api = api_for(alpha), api_for(beta)

    created = alpha_api.post(
        f"{API}/domains/", {"name": "worker.com", "auth_info": "secret-one"}, format="json", HTTP_PREFER="wait=10"
    )
    assert created.status_code == 200, created.content
    assert (created.json()["state"], created["Preference-Applied"]) == ("SUCCESSFUL", "wait=10")

    transfer = beta_api.post(
        f"{API}/domains/worker.com/transfer/", {"auth_info": "secret-one"}, format="json", HTTP_PREFER="wait=10"
    )
    assert transfer.json()["result"]["status"] == "pending"
    approve = alpha_api.post(f"{API}/domains/worker.com/transfer/approve/", HTTP_PREFER="wait=10")
    assert approve.json()["state"] == "SUCCESSFUL"
    assert Domain.objects.get(name="worker.com", deleted_at=None).registrar == beta

    refused = alpha_api.delete(f"{API}/domains/worker.com/", HTTP_PREFER="wait=10")
    assert (refused.status_code, refused.json()["state"], refused.json()["error"]["code"]) == (
        200,
        "FAILED",
        "not_sponsor",
    )
    assert services.info_domain("worker.com").registrar == "beta-reg"
