"""A third-party EPP client from PyPI (epptools: TLS, RFC 5734 framing, its own XML
builder and parser, services mirrored from our greeting) against our server."""

from __future__ import annotations

import pytest
from epptools import Client, Config
from epptools.exceptions import CommandException

from registry import services
from registry.models import Registrar
from tests.registry.epp.conftest import ADDRESS, Running

pytestmark = pytest.mark.django_db(transaction=True)

# RFC 5730 passwords are 6 to 16 characters, and epptools holds to that: the personas'
# 18-character password is set to a demo-style one for this test.
PASSWORD = "alpha-epp-2026"


@pytest.fixture(scope="module")
def server(tls_files):
    running = Running(*tls_files)
    yield running
    running.stop()


@pytest.fixture
def client(server, alpha: Registrar):
    alpha.set_epp_password(PASSWORD)
    alpha.save(update_fields=["epp_password"])
    config = Config(
        host=ADDRESS, port=server.port, clid="alpha-reg", password=PASSWORD, ca_file=str(server.cert), read_timeout=10
    )
    with Client(config) as client:
        yield client


def test_epptools_logs_in_checks_creates_reads_and_logs_out(client, alpha):
    greeting = client.connect()
    assert "urn:ietf:params:xml:ns:epp:fee-1.0" in greeting.service_ext_uris()
    assert client.login().code() == 1000

    check = client.domain.check(["example.com", "nic.com"], fee={"create": 2})
    assert check.availability() == {"example.com": True, "nic.com": False}
    assert check.fees()["example.com"]["commands"]["create"] == {"years": 2, "fee": "20.00"}

    created = client.domain.create(
        "example.com",
        years=2,
        nameservers=["ns1.example.org", "ns2.example.org"],
        sec_dns={
            "ds_data": [
                {
                    "key_tag": 12345,
                    "alg": 13,
                    "digest_type": 2,
                    "digest": "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4AC69CB",
                }
            ]
        },
        fee={"amount": "20.00", "currency": "USD"},
    )
    assert created.code() == 1000
    assert created.charged_fee() == {"currency": "USD", "fee": "20.00"}
    assert created.cl_trid().startswith("PYTHON-SDK-")

    info = client.domain.info("example.com")
    assert info.sponsor() == "alpha-reg"
    assert info.nameservers() == ["ns1.example.org", "ns2.example.org"]
    assert info.auth_info() == services.info_domain("example.com", registrar=alpha).auth_info
    assert [(ds["keyTag"], ds["alg"], ds["digestType"]) for ds in info.ds_records()] == [(12345, 13, 2)]

    host = client.host.create("ns1.example.com", ["192.0.2.1"])
    assert host.code() == 1000
    assert client.host.info("ns1.example.com").host_addresses() == [{"ip": "192.0.2.1", "version": "v4"}]

    assert client.poll.request().code() == 1300
    assert client.logout().code() == 1500


def test_epptools_sees_our_error_codes(client):
    client.connect()
    client.login()
    with pytest.raises(CommandException) as raised:
        client.domain.create("shop.com", years=3)  # premium: more than alpha's balance
    assert raised.value.epp_code == 2104
    with pytest.raises(CommandException) as raised:
        client.domain.info("no-such-name.com")
    assert raised.value.epp_code == 2303
    assert client.logout().code() == 1500
