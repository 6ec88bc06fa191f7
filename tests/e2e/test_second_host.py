"""Multi-host mode: a second "host" (another 127.x block, its own VAR_DIR, nothing shared
but PostgreSQL and Redis) serves the zones the first publishes, hearing of each change
through Redis, and its worker takes its share of the work."""

from __future__ import annotations

import ipaddress
import secrets

import pytest
from django.conf import settings
from django.db import connection

from config import network
from tests.e2e.dnsworld import COM, create_fresh_domain, delegated, udp, wait_until

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def other_block() -> str:
    """A /16 of loopback that is not this run's."""
    second = ipaddress.ip_network(settings.NETWORK_PLAN.block).network_address.packed[1]
    return f"127.{second - 60 if second > 160 else second + 60}.0.0/16"


@pytest.fixture
def second_host(chain, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("multi-host mode shares PostgreSQL and Redis (make test's first pass has them)")
    stack, nameservers = chain
    block = other_block()
    # What the second host's processes have of their own; the rest (DATABASE_URL,
    # REDIS_URL and its prefix) is what the hosts share.
    own = {
        "MULTI_HOST": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NETWORK_BLOCK": block,
        "VAR_DIR": str(tmp_path / "second-host"),
    }
    stack.dns(**own)
    plan = network.default_plan(block, settings.NETWORK_PLAN.dns_port, True)
    return stack, nameservers, plan, own


def test_a_second_host_serves_what_the_first_publishes_and_its_worker_shares_the_work(second_host, tmp_path):
    stack, nameservers, plan, own = second_host
    com_b = plan.servers_for_tld("com")[0].address
    rental_b = plan.rental_nameservers[0].address
    assert com_b != COM

    # What the first host published before the second started.
    assert delegated("example.com.", com_b)
    assert udp("example.com", "A", rental_b).answer

    # A change built by the first host's worker, which NOTIFYs the first host's servers
    # only: the second's hear of it through Redis (they poll only every 30 s).
    first = f"first-{secrets.token_hex(3)}.com"
    create_fresh_domain(first, nameservers)
    wait_until(lambda: delegated(f"{first}.", com_b), timeout=10, what=f"{first} delegated on the second host")

    # A change built by the second host's worker alone (the first's is stopped).
    for process in list(stack.processes):
        if process.name.startswith("worker"):
            process.stop()
    stack.worker(**own)
    second = f"second-{secrets.token_hex(3)}.com"
    create_fresh_domain(second, nameservers)
    wait_until(lambda: delegated(f"{second}.", com_b), timeout=15, what=f"{second} delegated on the second host")
    wait_until(lambda: delegated(f"{second}.", COM), timeout=10, what=f"{second} delegated on the first host")
