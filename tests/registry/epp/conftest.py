"""EPP test helpers: a session that calls the handler directly (as the server's worker
threads do), request/response fixture files, a clock frozen at one instant, and an EPP
server on a real TLS socket in a thread of its own.

Fixture files are ``fixtures/<name>.xml`` (the request) and ``fixtures/<name>.response.xml``
(the expected response). Responses are compared element by element, ignoring namespace
prefixes and whitespace; svTRIDs, repository object ids and poll message ids are
normalised, everything else (dates included, with the clock frozen) must match.
"""

from __future__ import annotations

import asyncio
import random
import re
import ssl
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from config import clock, ratelimit
from registry.epp import certs, xml
from registry.epp.client import EppClient
from registry.epp.runner import EppHandler
from registry.epp.server import EppServer
from registry.epp.session import Session, SessionGate

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
MAX_FRAME = 65_536
ADDRESS = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
LOGIN = """<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>
  <clID>{client_id}</clID><pw>{password}</pw>
  <options><version>1.0</version><lang>en</lang></options>
  <svcs>
    <objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>
    <objURI>urn:ietf:params:xml:ns:host-1.0</objURI>
    <objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>
    <svcExtension>
      <extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>
      <extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI>
      <extURI>urn:ietf:params:xml:ns:epp:fee-1.0</extURI>
    </svcExtension>
  </svcs>
</login><clTRID>login-{client_id}</clTRID></command></epp>"""
LOGOUT = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>bye-1</clTRID></command></epp>"""
HELLO = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"""


# --- reading responses ------------------------------------------------------------------------


class Response:
    """A parsed EPP response, with the few things tests ask of it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.root = etree.fromstring(data)

    @property
    def code(self) -> int:
        result = self.root.find(f"{{{xml.EPP}}}response/{{{xml.EPP}}}result")
        return int(result.get("code")) if result is not None else 0

    @property
    def message(self) -> str:
        return self.root.findtext(f"{{{xml.EPP}}}response/{{{xml.EPP}}}result/{{{xml.EPP}}}msg") or ""

    @property
    def is_greeting(self) -> bool:
        return self.root.find(f"{{{xml.EPP}}}greeting") is not None

    def find(self, path: str) -> etree._Element | None:
        """``path`` with prefixes epp, domain, host, contact, secDNS, rgp, fee."""
        return self.root.find(path, NAMESPACES)

    def findtext(self, path: str) -> str | None:
        return self.root.findtext(path, namespaces=NAMESPACES)

    def findall(self, path: str) -> list[etree._Element]:
        return self.root.findall(path, NAMESPACES)

    def __repr__(self) -> str:
        return self.data.decode()


NAMESPACES = {
    "epp": xml.EPP,
    "domain": xml.DOMAIN,
    "host": xml.HOST,
    "contact": xml.CONTACT,
    "secDNS": xml.SECDNS,
    "rgp": xml.RGP,
    "fee": xml.FEE,
}
_ROID = re.compile(r"^[DHC]\d+-NSM$")


def _shape(element: etree._Element) -> tuple:
    """What a comparison looks at: the qualified tag, attributes, text and children."""
    tag = etree.QName(element).localname
    attributes = dict(element.attrib)
    text = (element.text or "").strip()
    if tag == "svTRID":
        text = "SVTRID"
    elif _ROID.match(text):
        text = f"{text[0]}0-NSM"
    if tag == "msgQ" and "id" in attributes:
        attributes["id"] = "0"
    return (element.tag, tuple(sorted(attributes.items())), text, tuple(_shape(c) for c in element))


def _pretty(data: bytes) -> str:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), pretty_print=True, encoding="unicode")


def assert_matches(actual: bytes, expected_name: str) -> None:
    expected = (FIXTURES / f"{expected_name}.response.xml").read_bytes()
    parser = etree.XMLParser(remove_blank_text=True)
    if _shape(etree.fromstring(actual, parser)) != _shape(etree.fromstring(expected, parser)):
        assert _pretty(actual) == _pretty(expected)  # shows the difference
        raise AssertionError(f"{expected_name}: the response differs only in ids the comparison keeps")


# --- a session on the handler -----------------------------------------------------------------


def make_gate(max_sessions: int = 10, max_failures: int = 5, window: float = 60.0) -> SessionGate:
    """A gate counting failed logins in the shared limiter, under a scope of its own: no
    test sees another's failures from the same address."""
    failed_logins = ratelimit.Limit(f"epp-login-{uuid.uuid4().hex}", ratelimit.per(max_failures, window))
    return SessionGate(max_sessions=max_sessions, failed_logins=failed_logins)


class Epp:
    """One EPP session talking to the handler the server uses, in the test's thread (so
    it sees the test's transaction)."""

    def __init__(self, gate: SessionGate | None = None, peer: str = "127.0.0.1") -> None:
        self.handler = EppHandler(max_frame=MAX_FRAME)
        self.gate = gate or make_gate()
        self.session = Session(peer=peer, gate=self.gate)
        self.closed = False

    def send(self, frame: bytes | str) -> Response:
        reply = self.handler.handle(frame.encode() if isinstance(frame, str) else frame, self.session)
        self.closed = reply.close
        return Response(reply.data)

    def request(self, name: str, **values: object) -> Response:
        """Send fixture ``name``; ``values`` replace their upper-case names in it."""
        frame = (FIXTURES / f"{name}.xml").read_text()
        for key, value in values.items():
            frame = frame.replace(key.upper(), str(value))
        return self.send(frame)

    def exchange(self, name: str, response: str | None = None, **values: object) -> Response:
        """Send fixture ``name`` and check the answer against ``<response or name>.response.xml``."""
        answer = self.request(name, **values)
        assert_matches(answer.data, response or name)
        return answer

    def login(self, client_id: str, password: str | None = None) -> Response:
        response = self.send(LOGIN.format(client_id=client_id, password=password or f"{client_id}-password"))
        assert response.code == 1000, response
        return response


@pytest.fixture
def frozen_clock(monkeypatch) -> datetime:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def epp(alpha, frozen_clock) -> Epp:
    """A session logged in as alpha, the clock frozen at NOW."""
    session = Epp()
    session.login("alpha-reg")
    return session


@pytest.fixture
def epp_beta(beta, frozen_clock) -> Epp:
    session = Epp()
    session.login("beta-reg")
    return session


# --- a server on a real socket ----------------------------------------------------------------


class Running:
    """An EppServer on its own event loop thread, on ADDRESS and a free port."""

    def __init__(self, cert: Path, key: Path, **options) -> None:
        self.cert = cert
        options.setdefault("idle_timeout", 30.0)
        options.setdefault("max_frame", MAX_FRAME)
        gate_options = {k: options.pop(k) for k in ("max_sessions", "max_failures", "window") if k in options}
        self.gate = make_gate(**gate_options)
        self.handler = options.pop("handler", None) or EppHandler(max_frame=options["max_frame"])
        self.loop = asyncio.new_event_loop()
        self.server: EppServer | None = None
        self.error: BaseException | None = None
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def main() -> None:
                self.server = EppServer(
                    self.handler,
                    ADDRESS,
                    0,
                    certs.server_context(cert, key),
                    gate=self.gate,
                    workers=4,
                    drain_timeout=5,
                    **options,
                )
                await self.server.start()
                started.set()
                await self.server.run(signals=False)

            try:
                self.loop.run_until_complete(main())
            except BaseException as exc:  # reported by the test that starts or stops it
                self.error = exc
                started.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10)
        assert self.error is None, self.error
        self.port = self.server.port

    def client(self, timeout: float = 10) -> Client:
        return Client(ADDRESS, self.port, self.cert, timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stopping.set)
        self.thread.join(15)
        assert not self.thread.is_alive()
        assert self.error is None, self.error


class Client(EppClient):
    """A bare EPP client on a real socket whose answers are parsed ``Response``s."""

    def __init__(self, address: str, port: int, cafile: Path, timeout: float = 10) -> None:
        super().__init__(address, port, ssl.create_default_context(cafile=str(cafile)), timeout=timeout)

    def receive(self) -> Response:
        return Response(super().receive())

    def send(self, data: bytes | str) -> Response:
        self.send_frame(data)
        return self.receive()

    def login(self, client_id: str, password: str | None = None) -> Response:
        return self.send(LOGIN.format(client_id=client_id, password=password or f"{client_id}-password"))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("epp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    certs.make_self_signed(cert, key, [ADDRESS, "localhost"])
    return cert, key
