"""The emulated DNS chain for end-to-end tests: the network plan's addresses, small
query helpers, and making a fresh delegated domain. The ``chain`` fixture (conftest)
starts a worker and run_dns over the demo registry."""

from __future__ import annotations

import shutil
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest
from django.conf import settings

from registry import services
from resolver import platform
from resolver.choices import ZoneKind
from resolver.services import publish_zone

PLAN = settings.NETWORK_PLAN
PORT = PLAN.dns_port
ROOT = PLAN.root_servers[0].address
COM = PLAN.servers_for_tld("com")[0].address
RENTAL = PLAN.rental_nameservers[0].address
FRESH_ADDRESS = "192.0.2.77"


def dig(*args: str) -> str:
    if shutil.which("dig") is None:
        pytest.fail("dig is missing: make test installs bind9-dnsutils")
    result = subprocess.run(
        ["dig", "-p", str(PORT), "+time=2", "+tries=1", *args], capture_output=True, text=True, timeout=30
    )
    return result.stdout


def udp(name: str, rdtype: str, address: str, **kwargs) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **kwargs)
    query.flags = 0
    return dns.query.udp(query, address, port=PORT, timeout=3)


def wait_until(check, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout}s")
        time.sleep(0.05)


def delegated(name: str, address: str) -> bool:
    response = udp(name, "NS", address)
    return response.rcode() == dns.rcode.NOERROR and any(r.name.to_text() == name for r in response.authority)


def create_fresh_domain(name: str, nameservers: list[str]) -> None:
    registrar = services.get_registrar(settings.REGISTRAR_CLIENT_ID)
    origin = f"{name}."
    records = [[origin, 300, "A", FRESH_ADDRESS], [f"www.{origin}", 300, "CNAME", origin]]
    publish_zone(name, ZoneKind.HOSTED, platform.zone_records(name, nameservers, records), nameservers)
    services.create_domain(registrar, name, nameservers=nameservers)
