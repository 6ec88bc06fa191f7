"""A registrar sees the auth info of, and may change, only its own objects: beta sending
alpha's commands gets 2201 (or 2202 for a wrong auth info) and nothing changes."""

from __future__ import annotations

import pytest

from registry import services
from registry.models import Domain, DomainHistory, Operation, Registrar
from tests.registry.epp.conftest import Epp
from tests.registry.epp.test_flows import CONTACT, example_domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def alphas_objects(alpha: Registrar) -> None:
    services.create_contact(alpha, "alpha-c1", CONTACT)
    example_domain(alpha, registrant="alpha-c1", nameservers=["ns1.example.org", "ns2.example.org"])
    services.create_host(alpha, "ns1.example.com", ["192.0.2.1"])


def snapshot() -> tuple:
    domain = Domain.objects.get(name="example.com", deleted_at=None)
    return (
        domain.registrar_id,
        domain.expires_at,
        domain.auth_info,
        sorted(domain.nameservers.values_list("name", flat=True)),
        sorted(domain.stored_statuses()),
        DomainHistory.objects.count(),
        services.info_contact("alpha-c1", registrar=domain.registrar).data,
        services.info_host("ns1.example.com").addresses,
    )


@pytest.mark.parametrize(
    "fixture",
    [
        "domain_update",
        "domain_renew",
        "domain_delete",
        "host_update",
        "host_delete",
        "contact_info",
        "contact_update",
        "contact_delete",
    ],
)
def test_another_registrar_cannot_touch_alphas_objects(alphas_objects, epp_beta, beta, fixture):
    before = snapshot()
    response = epp_beta.request(fixture)
    assert response.code == 2201, response
    assert snapshot() == before
    assert not Operation.objects.filter(registrar=beta).exclude(cl_trid="opening").exists()


def test_a_registrar_cannot_act_on_a_transfer_it_is_no_party_to(alphas_objects, alpha, beta, inhouse, frozen_clock):
    services.request_transfer(inhouse, "example.com", auth_info="2fooBAR!")
    session = Epp()
    session.login("beta-reg")
    for op in ("approve", "reject", "cancel", "query"):
        assert session.request(f"domain_transfer_{op}").code == 2201, op
    assert services.transfer_query("example.com", registrar=alpha).status == "pending"


def test_domain_info_hides_the_auth_info_from_another_registrar(alphas_objects, epp_beta):
    response = epp_beta.request("domain_info")
    assert response.code == 1000
    assert response.find("epp:response/epp:resData/domain:infData/domain:authInfo") is None
    assert response.findtext("epp:response/epp:resData/domain:infData/domain:clID") == "alpha-reg"


def test_domain_info_with_a_guessed_auth_info_is_refused(alphas_objects, epp_beta):
    response = epp_beta.request("domain_info_wrong_auth")
    assert response.code == 2202
    assert b"2fooBAR!" not in response.data


def test_a_transfer_request_with_a_wrong_auth_info_is_refused(alphas_objects, epp_beta, beta):
    before = Registrar.objects.get(pk=beta.pk).balance
    response = epp_beta.request("domain_transfer_request_wrong_auth")
    assert response.code == 2202, response
    assert Domain.objects.get(name="example.com", deleted_at=None).registrar.client_id == "alpha-reg"
    assert Registrar.objects.get(pk=beta.pk).balance == before


def test_the_sponsor_sees_its_auth_info(alphas_objects, epp):
    response = epp.request("domain_info")
    assert response.findtext("epp:response/epp:resData/domain:infData/domain:authInfo/domain:pw") == "2fooBAR!"
