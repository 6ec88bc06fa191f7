from __future__ import annotations

import time

import pytest
from django.conf import settings

from registrar.choices import FINAL_ORDER_STATES
from registrar.models import Order
from registry import demo as registry_demo
from registry import services, zones
from resolver import demo as resolver_demo
from resolver import platform
from resolver.choices import ZoneKind
from resolver.services import publish_zone
from tests.e2e.dnsworld import COM, ROOT, delegated, wait_until
from tests.e2e.processes import Stack, purge_queues, wait_until_idle


@pytest.fixture(scope="session", autouse=True)
def forget_redis_keys_at_the_end():
    """This run's broker keys live under its own prefix; remove them when the run ends."""
    yield
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)


@pytest.fixture(autouse=True)
def settle_workers(request, transactional_db):
    """After a test with a worker, let its follow-up tasks finish (a registration goes on
    to publish a hosted zone after the order is final) before the database is flushed."""
    yield
    if {"module_stack", "stack", "chain"} & set(request.fixturenames):
        wait_until_idle()


@pytest.fixture(scope="module")
def module_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """A worker shared by the tests of one module (starting one takes a few seconds)."""
    with django_db_blocker.unblock():
        purge_queues()
        stack = Stack(tmp_path_factory.mktemp("processes"))
        try:
            stack.worker()
            yield stack
        finally:
            stack.close()


@pytest.fixture
def stack(transactional_db, tmp_path):
    purge_queues()
    stack = Stack(tmp_path)
    yield stack
    stack.close()


def wait_for_order(order_id: int, timeout: float = 30) -> Order:
    deadline = time.monotonic() + timeout
    while True:
        order = Order.objects.get(pk=order_id)
        if order.state in FINAL_ORDER_STATES:
            return order
        if time.monotonic() > deadline:
            lines = list(order.lines.values_list("domain", "state", "dispatch_count"))
            raise TimeoutError(f"order {order_id} still {order.state} after {timeout}s; lines {lines}")
        time.sleep(0.05)


@pytest.fixture
def chain(transactional_db, tmp_path):
    """The demo registry, the rental pool, a worker and run_dns; the whole chain published."""
    purge_queues()
    stack = Stack(tmp_path)
    try:
        yield stack, start_chain(stack)
    finally:
        stack.close()


def start_chain(stack: Stack, **env: str) -> list[str]:
    """Seed the demo registry and rental pool, start a worker and run_dns (with ``env``),
    publish the whole chain; the demo zone's nameservers."""
    registry_demo.seed()
    resolver_demo.seed()
    nameservers = resolver_demo.demo_nameservers()
    # What the demo customer's order makes: the hosted zone, and the domain at the registry.
    records = [[f"{name}example.com.", 300, "A", resolver_demo.DEMO_ADDRESS] for name in ("", "www.")]
    demo = platform.zone_records("example.com", nameservers, records)
    publish_zone("example.com", ZoneKind.HOSTED, demo, nameservers)
    services.create_domain(
        services.get_registrar(settings.REGISTRAR_CLIENT_ID), resolver_demo.DEMO_DOMAIN, nameservers=nameservers
    )
    stack.worker(**env)
    stack.dns(**env)
    zones.request_all()
    wait_until(lambda: delegated("example.com.", COM), what="com zone published")
    wait_until(lambda: delegated("com.", ROOT), what="root zone published")
    return nameservers
