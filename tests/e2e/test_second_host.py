"""Multi-host mode: a second "host" (another 127.x block, its own VAR_DIR, nothing shared
but PostgreSQL and Redis) serves the zones the first publishes, and its worker takes its
share of the work."""

from __future__ import annotations

import ipaddress
import secrets
import sys

import pytest
from django.conf import settings
from django.db import connection

from config import network
from tests.e2e.dnsworld import COM, create_fresh_domain, delegated, udp, wait_until
from tests.e2e.processes import Process

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
    env = stack.env(
        MULTI_HOST="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        NETWORK_BLOCK=block,
        VAR_DIR=str(tmp_path / "second-host"),
        DNS_POLL_EVERY="30",
    )
    dns_b = Process("second-dns", [sys.executable, "manage.py", "run_dns"], env, stack.log_dir)
    stack.processes.append(dns_b)
    dns_b.wait_for_output("run_dns: serving")
    plan = network.default_plan(block, settings.NETWORK_PLAN.dns_port, True)
    return stack, nameservers, plan, env


def test_a_second_host_serves_what_the_first_publishes_and_its_worker_shares_the_work(second_host, tmp_path):
    stack, nameservers, plan, env = second_host
    com_b = plan.servers_for_tld("com")[0].address
    rental_b = plan.rental_nameservers[0].address
    assert com_b != COM

    # What the first host published before the second started.
    assert delegated("example.com.", com_b)
    assert udp("example.com", "A", rental_b).answer

    # A change made after, built by the second host's worker alone (the first's is
    # stopped), which NOTIFYs the servers of its own plan.
    for process in list(stack.processes):
        if process.name.startswith("worker"):
            process.stop()  # the first host's worker is gone: only the second's can build
    worker_b = Process(
        "second-worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            "b@localhost",
            "--queues",
            "registry,registrar,resolver",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        env,
        stack.log_dir,
    )
    stack.processes.append(worker_b)
    worker_b.wait_for_output("ready.")
    name = f"second-{secrets.token_hex(3)}.com"
    create_fresh_domain(name, nameservers)
    wait_until(lambda: delegated(f"{name}.", com_b), timeout=15, what=f"{name} delegated on the second host")
