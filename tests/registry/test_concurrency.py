"""Races on PostgreSQL: many transactions at once, each on its own connection."""

import threading

import pytest
from django.db import connection, connections

from registry import services
from registry.choices import LedgerKind
from registry.errors import DomainUnavailable, RegistryError
from registry.models import Domain, LedgerEntry, Registrar
from tests.conftest import make_registrar

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

ATTEMPTS = 20


def race(fn, count: int) -> list:
    """Run ``fn(i)`` in ``count`` threads released at the same moment; collect results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # recorded and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_registrars_racing_for_one_name_make_one_domain_and_one_charge(tlds):
    registrars = [make_registrar(f"racer-{i:02d}", 10_000) for i in range(ATTEMPTS)]
    results = race(lambda i: services.create_domain(registrars[i], "contested.com", cl_trid=f"race-{i}"), ATTEMPTS)

    winners = [r for r in results if isinstance(r, services.OperationResult)]
    losers = [r for r in results if isinstance(r, RegistryError)]
    assert len(winners) == 1
    assert len(losers) == ATTEMPTS - 1
    assert all(isinstance(e, DomainUnavailable) and e.message == "contested.com is already registered" for e in losers)
    assert Domain.objects.filter(name="contested.com").count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
    winner = Domain.objects.get().registrar
    assert winner.balance == 9_000
    assert sorted(Registrar.objects.exclude(pk=winner.pk).values_list("balance", flat=True)) == [10_000] * 19


def test_twenty_attempts_by_one_registrar_charge_once(tlds):
    registrar = make_registrar("busy-reg", 100_000)
    results = race(lambda i: services.create_domain(registrar, "contested.com", cl_trid=f"attempt-{i}"), ATTEMPTS)
    assert sum(isinstance(r, services.OperationResult) for r in results) == 1
    assert sum(isinstance(r, DomainUnavailable) for r in results) == ATTEMPTS - 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
    assert Registrar.objects.get(pk=registrar.pk).balance == 99_000


def test_twenty_retries_of_one_cltrid_run_once_and_all_see_the_same_result(tlds):
    registrar = make_registrar("retry-reg", 100_000)
    results = race(lambda i: services.create_domain(registrar, "retried.com", years=2, cl_trid="one-id"), ATTEMPTS)
    assert all(isinstance(r, services.OperationResult) for r in results), results
    assert len({r.sv_trid for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
    assert Registrar.objects.get(pk=registrar.pk).balance == 98_000


def test_concurrent_charges_never_overdraw(tlds):
    registrar = make_registrar("thin-reg", 5_500)  # enough for five names at 10.00, not six
    results = race(lambda i: services.create_domain(registrar, f"name-{i}.com", cl_trid=f"n-{i}"), ATTEMPTS)
    assert sum(isinstance(r, services.OperationResult) for r in results) == 5
    assert Registrar.objects.get(pk=registrar.pk).balance == 500
    assert Domain.objects.count() == 5
