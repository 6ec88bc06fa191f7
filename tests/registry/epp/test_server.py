"""The EPP server end to end over real TLS sockets on a loopback address: framing, hostile
frames, the idle timeout, the session cap, the login throttle, a failing handler, the
drain on stop, and ``manage.py run_epp`` itself."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from registry.epp import certs
from registry.epp.runner import EppHandler, Reply
from registry.epp.session import Session
from tests.registry.epp.conftest import ADDRESS, FIXTURES, HELLO, LOGOUT, MAX_FRAME, Running

# The server's worker threads reach the database, and pytest-django lets them only in a
# database test: every test here is one (transactional, so the server sees the test's data).
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
CHECK = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check>
<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name></domain:check>
</check><clTRID>{cl_trid}</clTRID></command></epp>"""


@pytest.fixture(scope="module")
def server(tls_files):
    running = Running(*tls_files, max_sessions=2, max_failures=2, window=60)
    yield running
    running.stop()


def test_greeting_on_connect_and_on_hello(server):
    client = server.client()
    assert client.greeting.is_greeting
    assert client.send(HELLO).is_greeting
    client.close()


def test_a_tls_client_that_does_not_trust_the_certificate_gets_nowhere(server):
    raw = socket.create_connection((ADDRESS, server.port), timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(raw, server_hostname=ADDRESS)
    raw.close()
    assert server.client().greeting.is_greeting  # and the server carries on


def test_a_session_logs_in_checks_creates_reads_and_logs_out(server, alpha):
    client = server.client()
    assert client.login("alpha-reg").code == 1000
    check = client.send(CHECK.format(cl_trid="tls-check-1"))
    assert check.code == 1000
    assert check.find("epp:response/epp:resData/domain:chkData/domain:cd/domain:name").get("avail") == "1"
    created = client.send((FIXTURES / "domain_create_fee_mismatch.xml").read_text().replace("9.00", "10.00"))
    assert created.code == 1000, created
    info = client.send((FIXTURES / "domain_info.xml").read_bytes())
    assert info.findtext("epp:response/epp:resData/domain:infData/domain:clID") == "alpha-reg"
    assert info.findtext("epp:response/epp:trID/epp:clTRID") == "ABC-20006"
    assert client.send(LOGOUT).code == 1500
    assert client.closed_by_server()


def test_xxe_and_billion_laughs_get_2001_and_the_session_answers_the_next_command(server):
    client = server.client()
    for name in ("xxe", "billion_laughs"):
        response = client.send((FIXTURES / f"{name}.xml").read_bytes())
        assert response.code == 2001
        assert b"root:" not in response.data
        assert client.send(HELLO).is_greeting
    client.close()


def test_an_oversized_frame_is_read_past_answered_2001_and_the_session_goes_on(server):
    client = server.client()
    client.send_frame(b"<epp>" + b"x" * (MAX_FRAME * 3) + b"</epp>")
    response = client.receive()
    assert response.code == 2001 and f"at most {MAX_FRAME}".encode() in response.data
    assert client.send(HELLO).is_greeting
    client.close()


def test_a_frame_split_across_many_writes_is_put_back_together(server):
    client = server.client()
    body = HELLO.encode()
    data = (len(body) + 4).to_bytes(4, "big") + body
    for i in range(0, len(data), 7):
        client.send_raw(data[i : i + 7])
        time.sleep(0.001)
    assert client.receive().is_greeting
    client.close()


def test_a_broken_length_header_closes_only_that_connection(server):
    broken, other = server.client(), server.client()
    broken.send_raw((2).to_bytes(4, "big"))
    assert broken.closed_by_server()
    assert other.send(HELLO).is_greeting
    other.close()


def test_the_session_cap_refuses_a_third_session_and_closes_it(server, alpha):
    first, second, third = server.client(), server.client(), server.client()
    assert first.login("alpha-reg").code == 1000
    assert second.login("alpha-reg").code == 1000
    assert third.login("alpha-reg").code == 2502
    assert third.closed_by_server()
    assert first.send(HELLO).is_greeting
    second.close()  # a dropped connection gives its slot back too
    deadline = time.monotonic() + 5
    while server.gate.sessions("alpha-reg") > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    fourth = server.client()
    assert fourth.login("alpha-reg").code == 1000
    assert first.send(LOGOUT).code == 1500
    assert fourth.send(LOGOUT).code == 1500


def test_failed_logins_are_throttled_per_address(tls_files, alpha):
    running = Running(*tls_files, max_failures=2, window=60)
    try:
        client = running.client()
        assert client.login("alpha-reg", "wrong-password").code == 2200
        assert client.login("alpha-reg", "wrong-password").code == 2501
        assert client.closed_by_server()
        client = running.client()
        assert client.login("alpha-reg").code == 2502  # the right password, but refused for now
        assert client.closed_by_server()
    finally:
        running.stop()


def test_an_idle_session_is_closed(tls_files):
    running = Running(*tls_files, idle_timeout=0.3)
    try:
        client = running.client()
        time.sleep(0.8)
        assert client.closed_by_server()
        assert running.client().send(HELLO).is_greeting
    finally:
        running.stop()


class Faulty(EppHandler):
    """A handler whose commands blow up (the real one never raises; the server copes anyway)."""

    def serve(self, frame: bytes, session: Session) -> Reply:
        raise RuntimeError("bug in a handler")


def test_a_handler_that_raises_closes_that_connection_and_the_server_carries_on(tls_files):
    running = Running(*tls_files, handler=Faulty(max_frame=MAX_FRAME))
    try:
        client = running.client()
        client.send_frame(HELLO)
        assert client.closed_by_server()
        assert running.client().greeting.is_greeting
    finally:
        running.stop()


class Slow(EppHandler):
    def serve(self, frame: bytes, session: Session) -> Reply:
        time.sleep(0.5)
        return super().serve(frame, session)


def test_stopping_lets_a_command_in_progress_finish_then_closes(tls_files):
    running = Running(*tls_files, handler=Slow(max_frame=MAX_FRAME))
    busy, idle = running.client(), running.client()
    busy.send_frame(HELLO)
    time.sleep(0.1)
    stopper = threading.Thread(target=running.stop)
    stopper.start()
    assert busy.receive().is_greeting  # answered although the server was told to stop
    assert busy.closed_by_server() and idle.closed_by_server()
    stopper.join(10)
    with pytest.raises(OSError):
        running.client(timeout=1)


def test_run_epp_makes_a_certificate_serves_and_stops_on_sigterm(tmp_path):
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EPP_TLS_CERT", None)
    command = [sys.executable, "manage.py", "run_epp", "--address", ADDRESS, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert "made a self-signed certificate" in lines[0], lines
        assert f"serving EPP over TLS on {ADDRESS} port {port}" in lines[1], lines
        context = ssl.create_default_context(cafile=str(tmp_path / "epp-cert.pem"))
        with context.wrap_socket(socket.create_connection((ADDRESS, port), timeout=5), server_hostname=ADDRESS) as tls:
            size = int.from_bytes(tls.recv(4), "big")
            assert size > 4
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=15)
        assert process.returncode == 0, out
        assert "run_epp: stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_self_signed_certificate_is_made_once_and_again_for_a_new_address(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    assert certs.ensure(cert, key, self_signed=True, hosts=["127.53.4.1", "localhost"])
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert not certs.ensure(cert, key, self_signed=True, hosts=["127.53.4.1"])
    assert certs.ensure(cert, key, self_signed=True, hosts=["127.53.9.9"])
    certs.server_context(cert, key)


def test_a_configured_certificate_must_exist(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        certs.ensure(tmp_path / "missing.pem", tmp_path / "missing.key", self_signed=False, hosts=["localhost"])
