"""``python -m config.procfile``: how many Celery worker processes ``make run`` starts."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from honcho.environ import expand_processes, parse_procfile

from config.procfile import with_worker_processes
from config.settings import BASE_DIR

START = ["--procfile", "Procfile", "start"]


def test_start_runs_two_worker_processes_by_default(monkeypatch):
    monkeypatch.delenv("WORKER_CONCURRENCY", raising=False)
    assert with_worker_processes(START) == [*START, "--concurrency", "worker=2"]


def test_worker_concurrency_sets_how_many(monkeypatch):
    monkeypatch.setenv("WORKER_CONCURRENCY", "3")
    assert with_worker_processes([*START, "web", "worker"]) == [*START, "--concurrency", "worker=3", "web", "worker"]


@pytest.mark.parametrize("value", ["0", "two"])
def test_a_bad_worker_concurrency_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("WORKER_CONCURRENCY", value)
    with pytest.raises(ImproperlyConfigured, match="WORKER_CONCURRENCY"):
        with_worker_processes(START)


def test_a_concurrency_on_the_command_line_wins(monkeypatch):
    monkeypatch.setenv("WORKER_CONCURRENCY", "5")
    for argv in ([*START, "-c", "worker=1"], [*START, "--concurrency=worker=1"], ["--procfile", "Procfile", "check"]):
        assert with_worker_processes(argv) == argv


def test_each_worker_process_runs_the_solo_pool_under_its_own_node_name():
    procfile = parse_procfile((BASE_DIR / "Procfile").read_text())
    expanded = expand_processes(procfile.processes, concurrency={"worker": 2})
    workers = [p for p in expanded if p.name.startswith("worker")]
    assert [p.env["HONCHO_PROCESS_NAME"] for p in workers] == ["worker.1", "worker.2"]
    assert all("--pool solo" in p.cmd and "--hostname ${HONCHO_PROCESS_NAME:-worker}@%h" in p.cmd for p in workers)
