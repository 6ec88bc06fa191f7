"""The web app as ``make run`` serves it (gunicorn with config/gunicorn.py): requests that
wait never hold the others up, and /metrics adds up every worker process's figures."""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
import time

import pytest

from registry.models import RegistrarToken
from tests.e2e.processes import Process

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web(stack):
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]
    process = Process("web", args, stack.env(WEB_PORT=str(port), WEB_WORKERS="2"), stack.log_dir)
    stack.processes.append(process)
    process.wait_for_output("Booting worker")
    deadline = time.monotonic() + 30
    while get(port, "/healthz")[0] != 200:
        assert time.monotonic() < deadline, process.output()[-3000:]
        time.sleep(0.2)
    return port


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        connection.close()


def test_two_requests_waiting_ten_seconds_leave_healthz_answering_at_once(web, alpha):
    # No worker runs: each create waits its whole 10 s for an outcome that never comes.
    token = RegistrarToken.issue(alpha, "wait")[1]
    waited = []

    def create(name: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", web, timeout=30)
        body = json.dumps({"name": name, "auth_info": "secret-one"})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Prefer": "wait=10"}
        started = time.monotonic()
        connection.request("POST", "/api/registry/v1/domains/", body, headers)
        connection.getresponse().read()
        waited.append(time.monotonic() - started)

    waiting = [threading.Thread(target=create, args=(f"wait{n}.com",)) for n in range(2)]
    for thread in waiting:
        thread.start()
    time.sleep(1)  # both are inside their wait now
    timings = []
    for _ in range(10):
        started = time.monotonic()
        assert get(web, "/healthz")[0] == 200
        timings.append(time.monotonic() - started)
    still_waiting = sum(thread.is_alive() for thread in waiting)
    for thread in waiting:
        thread.join(30)
    assert still_waiting == 2
    # Blocked behind the two waits, the first would take some 9 s: 2 s tells the two apart
    # on a busy machine (a speed target would belong in bench/, not here).
    assert max(timings) < 2, timings
    assert min(waited) >= 9.5


def test_metrics_adds_up_the_requests_of_every_worker_process(web):
    before = sum(1 for _ in range(20) if get(web, "/healthz")[0] == 200)
    status, body = get(web, "/metrics")
    assert status == 200
    line = next(
        line
        for line in body.decode().splitlines()
        if line.startswith('namesmith_http_requests_total{method="GET",status="200",view="healthz"}')
    )
    # At least the 20 here (and those of the fixture's wait for /healthz), whichever
    # worker process answered each.
    assert float(line.rsplit(" ", 1)[1]) >= before == 20
    assert "namesmith_http_request_seconds_bucket" in body.decode()
