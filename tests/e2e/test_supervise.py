"""Under ``python -m config.supervise`` (what ``make run`` starts), a process killed with
SIGKILL is restarted alone: it serves again within seconds while DNS, the web app and EPP
keep answering, and the orders in flight complete once each."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import pytest
from django.conf import settings

from registrar.choices import OrderState
from registrar.models import Order
from registry.models import Domain
from tests.e2e.processes import Process

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

TOKEN = "demo-customer-token-00000000000000000001"  # seed_demo's demo customer
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
PROGRAMS = ["web", "worker.1", "beat", "dns", "origins", "resolver", "epp", "whois"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """The supervised processes of one test, and a probe per kind of process."""

    def __init__(self, tmp_path: Path, env: dict[str, str], procfile: str = "Procfile") -> None:
        self.web_port = free_port()
        self.var_dir = tmp_path / "var"
        self.env = {
            **env,
            "VAR_DIR": str(self.var_dir),
            "WEB_PORT": str(self.web_port),
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        self.process = Process(
            "supervise", [sys.executable, "-m", "config.supervise", "--procfile", procfile], self.env, tmp_path
        )
        self.plan = settings.NETWORK_PLAN

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.var_dir / "supervisord.conf"), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout

    @staticmethod
    def _name(program: str) -> str:
        return f"worker:{program}" if program.startswith("worker.") else program

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", self._name(program)).strip())

    def state(self, program: str) -> str:
        """supervisord's state of ``program``: RUNNING, STARTING, BACKOFF, FATAL, ..."""
        fields = self.ctl("status", self._name(program)).split()
        return fields[1] if len(fields) > 1 else ""

    # --- probes: True when the process answers -----------------------------------------------

    def web(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        finally:
            connection.close()

    def dns(self) -> bool:
        query = dns.message.make_query("example.com", dns.rdatatype.A)
        answer = dns.query.udp(query, self.plan.rental_nameservers[0].address, port=self.plan.dns_port, timeout=1)
        return bool(answer.answer)

    def resolver(self) -> bool:
        query = dns.message.make_query("example.com", dns.rdatatype.A)
        answer = dns.query.udp(query, self.plan.resolver.address, port=self.plan.resolver.port, timeout=2)
        return bool(answer.answer)

    def epp(self) -> bool:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        address = (self.plan.epp.address, self.plan.epp.port)
        with socket.create_connection(address, timeout=2) as raw, context.wrap_socket(raw) as tls:
            return b"greeting" in tls.recv(4096)

    def whois(self) -> bool:
        with socket.create_connection((self.plan.whois.address, self.plan.whois.port), timeout=2) as s:
            s.sendall(b"example.com\r\n")
            return b"example.com" in s.recv(4096).lower()

    def origins(self) -> bool:
        origin = self.plan.origins[0]
        connection = http.client.HTTPConnection(origin.address, origin.port, timeout=2)
        try:
            connection.request("GET", "/")
            return connection.getresponse().status == 200
        finally:
            connection.close()

    def probe(self, program: str) -> Callable[[], bool]:
        """How to see ``program`` serve: its protocol, or for a worker and beat (which
        answer nobody) supervisord's word that it has stayed up past its start."""
        kind = program.split(".")[0]
        if kind in ("worker", "beat"):
            return lambda: self.state(program) == "RUNNING"
        return getattr(self, kind)


def answers(probe: Callable[[], bool]) -> bool:
    try:
        return probe()
    except (OSError, dns.exception.DNSException, http.client.HTTPException):
        return False


def wait_until(probe: Callable[[], bool], timeout: float) -> float:
    """Seconds until ``probe`` answers; AssertionError after ``timeout``."""
    started = time.monotonic()
    while not answers(probe):
        assert time.monotonic() - started < timeout, f"{probe} did not answer within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


def place_order(emulator: Emulator, name: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.web_port, timeout=10)
    body = json.dumps({"lines": [{"domain": name}], "card": CARD})
    headers = {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}
    connection.request("POST", "/api/v1/orders/", body, headers)
    response = connection.getresponse()
    assert response.status in (201, 202), response.read()
    return json.loads(response.read())["id"]


@pytest.fixture
def emulator(stack, tmp_path):
    seeded = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], env=stack.env(), capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode == 0, seeded.stderr
    running = Emulator(tmp_path, stack.env(WORKER_CONCURRENCY="2", METRICS_PORT="0"))
    try:
        for program in PROGRAMS:
            wait_until(running.probe(program), timeout=60)
        yield running
    finally:
        if running.process.popen.poll() is None:
            running.process.popen.send_signal(signal.SIGINT)  # what Ctrl-C sends
            running.process.popen.wait(60)


def test_each_process_killed_comes_back_alone_and_no_order_is_lost_or_doubled(emulator):
    names = []
    for program in PROGRAMS:
        names.append(f"survive-{secrets.token_hex(3)}.com")
        place_order(emulator, names[-1])
        old = emulator.pid(program)
        os.kill(old, signal.SIGKILL)
        others = [p for p in ("web", "dns", "epp") if p != program]
        # The others keep answering while it is down ...
        for other in others:
            assert answers(emulator.probe(other)), (
                f"{other} stopped answering when {program} was killed:\n" + (emulator.process.output()[-3000:])
            )
        # ... and it serves again within 5 s, as a new process.
        probe = emulator.probe(program)
        wait_until(lambda p=program, o=old, a=probe: emulator.pid(p) not in (0, o) and answers(a), 5)
    log = emulator.process.output()
    assert f"supervise: {PROGRAMS[0]} exited unexpectedly" in log

    deadline = time.monotonic() + 90
    while Order.objects.filter(lines__domain__in=names).exclude(state=OrderState.SUCCESSFUL).exists():
        assert time.monotonic() < deadline, list(Order.objects.filter(lines__domain__in=names).values("state"))
        time.sleep(0.5)
    assert Order.objects.filter(lines__domain__in=names).count() == len(names)
    assert Domain.objects.filter(name__in=names).count() == len(names)


def test_a_process_that_keeps_crashing_is_given_up_while_the_others_serve(stack, tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "web: gunicorn config.wsgi --config config/gunicorn.py\ncrash: python -c 'import sys; sys.exit(3)'\n"
    )
    running = Emulator(tmp_path, stack.env(METRICS_PORT="0"), procfile=str(procfile))
    try:
        running.process.wait_for_output("GAVE UP on crash", timeout=60)
        assert answers(running.web)
        assert running.state("crash") == "FATAL"
        assert running.state("web") == "RUNNING"
    finally:
        running.process.popen.send_signal(signal.SIGINT)
        assert running.process.popen.wait(60) == 0
