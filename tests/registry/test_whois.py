"""WHOIS (RFC 3912): the answers, the framing, the rate limit, and the server end to end
through Debian's ``whois`` client and the ``run_whois`` command."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from prometheus_client import REGISTRY

from config import ratelimit
from registry import services
from registry.choices import EppStatus
from registry.models import DelegationSigner, Domain, DomainStatus
from registry.rdap.render import TERMS_OF_USE
from registry.whois import query
from registry.whois.server import QueryError, WhoisServer, read_query
from tests.registry.conftest import NOW

ADDRESS = settings.NETWORK_PLAN.whois.address
REGISTRANT = {
    "name": "Alice Liddell",
    "organization": "Wonderland Ltd",
    "street": "1 Rabbit Hole",
    "city": "Abingdon",
    "state": "Oxfordshire",
    "postal_code": "OX1 1AA",
    "country_code": "GB",
    "voice": "+44.1865000001",
    "email": "alice@wonderland.example",
}
FOOTER = [
    ">>> Last update of whois database: 2025-03-04T05:06:07Z <<<",
    "",
    "For more information on Whois status codes, please visit https://icann.org/epp",
    "",
    *(f"TERMS OF USE: {sentence}" for sentence in TERMS_OF_USE),
]


@pytest.fixture
def example(sponsor, frozen) -> Domain:
    services.create_contact(sponsor, "alice-1", REGISTRANT)
    services.create_domain(
        sponsor, "example.com", nameservers=["ns2.provider.org", "ns1.provider.org"], registrant="alice-1"
    )
    domain = Domain.objects.get(name="example.com")
    DomainStatus.objects.create(domain=domain, status=EppStatus.CLIENT_TRANSFER_PROHIBITED, created_at=NOW)
    DelegationSigner.objects.create(domain=domain, key_tag=12345, algorithm=13, digest_type=2, digest="AB" * 32)
    return domain


def example_record(domain: Domain) -> list[str]:
    return [
        "   Domain Name: EXAMPLE.COM",
        f"   Registry Domain ID: {domain.roid}",
        f"   Registrar WHOIS Server: {ADDRESS}",
        "   Registrar URL: https://alpha.example",
        "   Updated Date: 2025-03-04T05:06:07Z",
        "   Creation Date: 2025-03-04T05:06:07Z",
        "   Registry Expiry Date: 2026-03-04T05:06:07Z",
        "   Registrar: alpha-reg Inc.",
        "   Registrar IANA ID: 9991",
        "   Registrar Abuse Contact Email: alpha-reg@example.net",
        "   Registrar Abuse Contact Phone: +1.5555550001",
        "   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited",
        "   Domain Status: addPeriod https://icann.org/epp#addPeriod",
        "   Name Server: NS1.PROVIDER.ORG",
        "   Name Server: NS2.PROVIDER.ORG",
        "   DNSSEC: signedDelegation",
        f"   DNSSEC DS Data: 12345 13 2 {'AB' * 32}",
        *FOOTER,
    ]


def crlf(lines: list[str]) -> str:
    return "".join(f"{line}\r\n" for line in lines)


# --- the answers ------------------------------------------------------------------------------


def test_a_domain_record_lists_registrar_dates_statuses_nameservers_and_dnssec(example):
    assert query.answer("example.com\r\n") == crlf(example_record(example))
    assert query.answer("domain EXAMPLE.COM.") == crlf(example_record(example))  # Verisign's keyword


def test_a_bare_domain_is_inactive_and_unsigned(beta, frozen):
    services.create_domain(beta, "bare.net")
    lines = query.answer("bare.net").split("\r\n")
    assert "   Domain Status: inactive https://icann.org/epp#inactive" in lines
    assert "   DNSSEC: unsigned" in lines
    assert "   Registrar IANA ID:" in lines and "   Registrar URL:" in lines  # no value, no trailing space
    assert not [line for line in lines if line.startswith("   Name Server:")]


def test_a_unicode_query_finds_the_idn_by_its_a_labels(sponsor, frozen):
    services.create_domain(sponsor, "bücher.com")
    for asked in ("bücher.com", "BÜCHER.COM", "xn--bcher-kva.com"):
        assert query.answer(asked).startswith("   Domain Name: XN--BCHER-KVA.COM\r\n"), asked


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("nothere.com", "NOTHERE.COM"), ("example.org", "EXAMPLE.ORG"), ("www.example.com", "WWW.EXAMPLE.COM")],
)
def test_a_name_not_registered_here_has_no_match(tlds, frozen, asked, shown):
    assert query.answer(asked) == crlf([f'No match for "{shown}".', *FOOTER])


def test_a_deleted_domain_has_no_match(example):
    Domain.objects.filter(pk=example.pk).update(deleted_at=NOW)
    assert query.answer("example.com").startswith('No match for "EXAMPLE.COM".\r\n')


@pytest.mark.parametrize(
    ("asked", "line"),
    [
        ("", "% Error: empty query; ask for a domain name like example.com"),
        ("domain ", "% Error: empty query; ask for a domain name like example.com"),
        (
            "exa_mple.com",
            "% Error: invalid query \"exa_mple.com\": label 'exa_mple' contains '_'; only letters a-z, "
            "digits 0-9 and hyphens are allowed",
        ),
        ("com", "% Error: invalid query \"com\": 'com' has no TLD; a domain name looks like 'example.com'"),
        (
            "a..com",
            "% Error: invalid query \"a..com\": 'a..com' has an empty label (two dots in a row, or a leading dot)",
        ),
        (
            "bad\x07name.com",
            "% Error: invalid query \"bad?name.com\": label 'bad\\x07name' contains U+0007; "
            "only letters a-z, digits 0-9 and hyphens are allowed",
        ),
    ],
)
def test_an_invalid_query_answers_one_error_line(tlds, asked, line):
    assert query.answer(asked) == line + "\r\n"


def test_no_whois_answer_shows_auth_info_or_contact_details(example):
    text = query.answer("example.com")
    for secret in [example.auth_info, example.registrant.auth_info, "alice-1", *REGISTRANT.values()]:
        assert secret not in text


# --- framing and the rate limit, without a socket ---------------------------------------------


def read(data: bytes, *, eof: bool = True, limit: int = 255) -> str:
    async def main() -> str:
        reader = asyncio.StreamReader(limit=limit + 2)
        reader.feed_data(data)
        if eof:
            reader.feed_eof()
        return await read_query(reader, limit)

    return asyncio.run(main())


def test_a_query_is_one_line_of_utf8():
    assert read(b"example.com\r\nignored\r\n") == "example.com"
    assert read("bücher.com\n".encode()) == "bücher.com"
    assert read(b"example.com") == "example.com"  # half-closed without a line ending
    assert read(b"x" * 255 + b"\r\n") == "x" * 255
    for data, message in [
        (b"x" * 256 + b"\r\n", "the query is longer than 255 bytes"),
        (b"x" * 600, "the query is longer than 255 bytes"),
        (b"\xff\xfe.com\r\n", "the query is not UTF-8 text"),
        (b"", "no query was sent"),
    ]:
        with pytest.raises(QueryError, match=message):
            read(data)


def whois_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("namesmith_whois_queries_total", {"outcome": outcome}) or 0.0


def test_answers_are_counted_by_outcome(example):
    before = {outcome: whois_count(outcome) for outcome in ("answered", "not_found", "invalid")}
    query.answer("example.com")
    query.answer("domain example.com")
    query.answer("nothere.com")
    query.answer("exa_mple.com")
    after = {outcome: whois_count(outcome) for outcome in before}
    assert {outcome: after[outcome] - before[outcome] for outcome in before} == {
        "answered": 2,
        "not_found": 1,
        "invalid": 1,
    }


# --- end to end -------------------------------------------------------------------------------


class Running:
    """A WhoisServer on a free port of the plan's WHOIS address, on its own loop thread."""

    def __init__(self, answer: Callable[[str], str], **options) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = WhoisServer(answer, ADDRESS, 0, **options)
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def main() -> None:
                await self.server.start()
                started.set()
                await self.server.run(signals=False)

            self.loop.run_until_complete(main())
            self.loop.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10)
        self.port = self.server.port

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.server.stopping.set)
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def serve():
    started: list[Running] = []

    def start(answer: Callable[[str], str] = query.serve, **options) -> Running:
        options.setdefault("release", query.release)
        started.append(Running(answer, **options))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def whois(port: int, asked: str) -> str:
    """What Debian's whois client prints for ``asked`` (it drops the CRs of CRLF)."""
    path = shutil.which("whois")
    if path is None:
        pytest.fail("the whois client is not installed: `make test` installs it (Debian package whois)")
    result = subprocess.run(
        [path, "-h", ADDRESS, "-p", str(port), asked], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stderr == ""
    return result.stdout


def ask(port: int, data: bytes) -> bytes:
    with socket.create_connection((ADDRESS, port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_the_debian_whois_client_gets_the_domain_record(example, serve):
    running = serve()
    assert whois(running.port, "example.com").splitlines() == example_record(example)
    assert whois(running.port, "nothere.com").splitlines() == ['No match for "NOTHERE.COM".', *FOOTER]


@pytest.mark.django_db(transaction=True)
def test_the_debian_whois_client_finds_an_idn_by_its_unicode_name(sponsor, frozen, serve):
    services.create_domain(sponsor, "bücher.com")
    running = serve()
    assert whois(running.port, "bücher.com").splitlines()[0] == "   Domain Name: XN--BCHER-KVA.COM"


@pytest.mark.django_db(transaction=True)
def test_over_the_rate_a_client_gets_one_line_saying_so(example, serve):
    limited = whois_count("rate_limited")
    running = serve(limit=ratelimit.Limit(f"whois-{uuid.uuid4().hex}", "2/minute").hit)
    assert [whois(running.port, "example.com").splitlines()[0] for _ in range(2)] == ["   Domain Name: EXAMPLE.COM"] * 2
    refused = whois(running.port, "example.com")
    found = re.fullmatch(r"% Error: query rate exceeded for 127\.0\.0\.1; try again in (\d+) second\(s\)\.\n", refused)
    assert found and 1 <= int(found.group(1)) <= 60, refused  # when the first of the two leaves the minute
    assert whois_count("rate_limited") == limited + 1


def test_malformed_input_gets_an_error_line_and_the_server_keeps_serving(serve):
    malformed = whois_count("malformed")
    running = serve(answer=lambda asked: f"asked {asked}\r\n", idle_timeout=0.3)
    assert ask(running.port, b"x" * 300 + b"\r\n") == b"% Error: the query is longer than 255 bytes\r\n"
    assert ask(running.port, b"\xc3\x28.com\r\n") == b"% Error: the query is not UTF-8 text\r\n"
    with socket.create_connection((ADDRESS, running.port), timeout=10) as idle:
        idle.sendall(b"exam")  # and then nothing
        started = time.monotonic()
        assert idle.recv(4096) == b"% Error: no query line within 0.3 seconds\r\n"
        assert time.monotonic() - started < 5
    assert ask(running.port, b"example.com\r\n") == b"asked example.com\r\n"
    assert whois_count("malformed") == malformed + 3


def test_a_failing_answer_becomes_an_error_line(serve, caplog):
    def broken(asked: str) -> str:
        raise RuntimeError("database away")

    errors = whois_count("error")
    running = serve(answer=broken)
    assert ask(running.port, b"example.com\r\n") == b"% Error: the query could not be answered; try again later.\r\n"
    assert "answering the WHOIS query 'example.com' failed" in caplog.text
    assert ask(running.port, b"example.com\r\n").startswith(b"% Error")  # still serving
    assert whois_count("error") == errors + 2


def test_stopping_finishes_answers_under_way_and_drops_clients_that_asked_nothing(serve):
    answering = threading.Event()

    def slow(asked: str) -> str:
        answering.set()
        time.sleep(0.5)
        return f"asked {asked}\r\n"

    running = serve(answer=slow)
    idle = socket.create_connection((ADDRESS, running.port), timeout=10)
    busy = socket.create_connection((ADDRESS, running.port), timeout=10)
    busy.sendall(b"example.com\r\n")
    assert answering.wait(5)
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 3
    assert busy.recv(4096) == b"asked example.com\r\n"
    assert idle.recv(4096) == b""
    busy.close()
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ADDRESS, running.port), timeout=10)


def test_stopping_lets_every_worker_thread_release_what_it_holds(serve):
    # query.release closes the thread's database connections: a connection left open
    # keeps the database busy after the server has gone (and a test database undroppable).
    released: list[str] = []
    running = serve(
        answer=lambda asked: f"asked {asked}\r\n",
        workers=3,
        release=lambda: released.append(threading.current_thread().name),
    )
    assert ask(running.port, b"example.com\r\n") == b"asked example.com\r\n"
    running.stop()
    assert len(released) == len(set(released)) == 3
    assert all(name.startswith("whois") for name in released)


@pytest.mark.django_db(transaction=True)
def test_run_whois_answers_on_the_plan_address_and_stops_cleanly_on_sigterm(example, tmp_path):
    from tests.e2e.processes import database_url

    log = tmp_path / "run_whois.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url()}
    env["PYTHONUNBUFFERED"] = "1"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_whois", "--port", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"answering on (\S+) port (\d+)", log.read_text())):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert found.group(1) == ADDRESS
        lines = whois(int(found.group(2)), "example.com").splitlines()
        assert lines[0] == "   Domain Name: EXAMPLE.COM"
        assert "   Registrar: alpha-reg Inc." in lines and "   Name Server: NS1.PROVIDER.ORG" in lines
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert log.read_text().splitlines()[-1] == "run_whois: stopped"
