"""The protocol layer through the handler: hostile and malformed frames, login rules,
the session cap and the login throttle, and errors nobody planned for."""

from __future__ import annotations

import time

import pytest

from registry import services
from registry.epp.runner import EppHandler
from registry.epp.session import Session
from registry.models import Registrar
from tests.registry.epp.conftest import HELLO, LOGIN, Epp, make_gate

pytestmark = pytest.mark.django_db

CHECK = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check>
<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name></domain:check>
</check><clTRID>{cl_trid}</clTRID></command></epp>"""


def test_an_xxe_frame_is_a_syntax_error_and_the_session_goes_on(epp):
    response = epp.exchange("xxe")
    assert b"root:" not in response.data
    assert epp.send(CHECK.format(cl_trid="after-xxe")).code == 1000


def test_a_billion_laughs_frame_is_a_syntax_error_at_once(epp):
    started = time.monotonic()
    epp.exchange("billion_laughs")
    assert time.monotonic() - started < 1
    assert epp.send(CHECK.format(cl_trid="after-laughs")).code == 1000


def test_a_doctype_in_utf16_is_refused_too(epp):
    frame = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE epp [<!ENTITY a "b">]>'
        '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>'
    ).encode("utf-16")
    assert epp.send(frame).code == 2001


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"not xml at all",
        b"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command>",
        b"<epp xmlns='urn:example:not-epp'><hello/></epp>",
        b"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><hello/><hello/></epp>",
        b"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response/></epp>",
        b"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'>" + b"<a>" * 300 + b"</a>" * 300 + b"</epp>",
    ],
    ids=["empty", "not-xml", "truncated", "other-namespace", "two-messages", "a-response", "deep"],
)
def test_frames_that_are_not_epp_are_syntax_errors(epp, frame):
    response = epp.send(frame)
    assert response.code == 2001
    assert response.findtext("epp:response/epp:trID/epp:clTRID") is None
    assert not epp.closed


def test_a_frame_over_the_size_limit_is_a_syntax_error(alpha, frozen_clock):
    handler = EppHandler(max_frame=1024)
    session = Session(peer="127.0.0.1", gate=make_gate(max_sessions=1))
    reply = handler.handle(CHECK.format(cl_trid="x" * 10).encode() + b" " * 1024, session)
    assert b'code="2001"' in reply.data and b"at most 1024" in reply.data
    assert not reply.close


def test_a_cltrid_longer_than_64_characters_is_a_syntax_error(epp):
    response = epp.send(CHECK.format(cl_trid="x" * 65))
    assert response.code == 2001
    assert epp.send(CHECK.format(cl_trid="x" * 64)).findtext("epp:response/epp:trID/epp:clTRID") == "x" * 64


def test_each_response_has_its_own_svtrid(epp):
    ids = {epp.send(CHECK.format(cl_trid=f"check-{i}")).findtext("epp:response/epp:trID/epp:svTRID") for i in range(5)}
    assert len(ids) == 5


def test_an_unexpected_error_is_2400_and_the_session_goes_on(epp, monkeypatch):
    def broken(names):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(services, "check", broken)
    response = epp.send(CHECK.format(cl_trid="broken-1"))
    assert (response.code, response.message) == (2400, "Command failed")
    assert b"fire" not in response.data
    assert response.findtext("epp:response/epp:trID/epp:clTRID") == "broken-1"
    monkeypatch.undo()
    assert epp.send(CHECK.format(cl_trid="broken-2")).code == 1000


def test_hello_works_before_and_after_login(epp):
    assert Epp().send(HELLO).is_greeting
    assert epp.send(HELLO).is_greeting


def test_logging_in_twice_is_a_use_error(epp):
    response = epp.send(LOGIN.format(client_id="alpha-reg", password="alpha-reg-password"))
    assert response.code == 2002


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("<version>1.0</version>", "<version>2.0</version>"), 2100),
        (("<lang>en</lang>", "<lang>fr</lang>"), 2102),
        (("urn:ietf:params:xml:ns:rgp-1.0", "urn:example:ns:rgp-9.9"), 2307),
        (("<clID>alpha-reg</clID>", "<clID></clID>"), 2003),
    ],
    ids=["version", "lang", "ext-uri", "no-client-id"],
)
def test_login_options_and_services_must_be_ones_we_serve(alpha, frozen_clock, change, code):
    frame = LOGIN.format(client_id="alpha-reg", password="alpha-reg-password").replace(*change)
    session = Epp()
    assert session.send(frame).code == code
    assert not session.session.logged_in


def test_a_registrar_made_inactive_is_refused_from_its_next_command(epp, alpha):
    Registrar.objects.filter(pk=alpha.pk).update(is_active=False)
    assert epp.send(CHECK.format(cl_trid="inactive-1")).code == 2200


def test_commands_and_objects_we_do_not_implement(epp):
    frame = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="request">
    <contact:transfer xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>c1</contact:id></contact:transfer>
    </transfer><clTRID>contact-transfer</clTRID></command></epp>"""
    assert epp.send(frame).code == 2101
    frame = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check>
    <loyalty:check xmlns:loyalty="urn:example:ns:loyalty-1.0"><loyalty:id>1</loyalty:id></loyalty:check>
    </check><clTRID>loyalty-check</clTRID></command></epp>"""
    assert epp.send(frame).code == 2307
    frame = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer>
    <domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.com</domain:name></domain:transfer>
    </transfer><clTRID>no-op</clTRID></command></epp>"""
    assert epp.send(frame).code == 2003


# --- session cap and login throttle -----------------------------------------------------------


def test_a_registrar_at_its_session_cap_is_refused_and_disconnected(alpha, frozen_clock):
    gate = make_gate(max_sessions=2)
    first, second, third = Epp(gate), Epp(gate), Epp(gate)
    first.login("alpha-reg")
    second.login("alpha-reg")
    response = third.send(LOGIN.format(client_id="alpha-reg", password="alpha-reg-password"))
    assert response.code == 2502 and third.closed
    assert gate.sessions("alpha-reg") == 2
    first.send("""<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/></command></epp>""")
    Epp(gate).login("alpha-reg")


def test_failed_logins_from_one_address_are_throttled(alpha, beta, frozen_clock):
    gate = make_gate(max_sessions=5, max_failures=3, window=60)
    wrong = LOGIN.format(client_id="alpha-reg", password="wrong-password")
    right = LOGIN.format(client_id="alpha-reg", password="alpha-reg-password")
    session = Epp(gate, peer="127.9.9.9")
    assert [session.send(wrong).code for _ in range(2)] == [2200, 2200]
    assert not session.closed
    assert session.send(wrong).code == 2501 and session.closed

    blocked = Epp(gate, peer="127.9.9.9")
    assert blocked.send(right).code == 2502 and blocked.closed
    Epp(gate, peer="127.9.9.10").login("beta-reg")  # another address is not affected


def test_an_address_may_log_in_again_once_its_failures_leave_the_window(alpha, frozen_clock):
    gate = make_gate(max_sessions=5, max_failures=1, window=1)
    wrong = LOGIN.format(client_id="alpha-reg", password="wrong-password")
    assert Epp(gate, peer="127.9.9.9").send(wrong).code == 2501
    right = LOGIN.format(client_id="alpha-reg", password="alpha-reg-password")
    assert Epp(gate, peer="127.9.9.9").send(right).code == 2502
    time.sleep(1.05)
    Epp(gate, peer="127.9.9.9").login("alpha-reg")


def test_a_successful_login_clears_the_failures_of_its_address(alpha, frozen_clock):
    gate = make_gate(max_sessions=5, max_failures=2)
    wrong = LOGIN.format(client_id="alpha-reg", password="wrong-password")
    session = Epp(gate)
    assert session.send(wrong).code == 2200
    session.login("alpha-reg")
    assert Epp(gate).send(wrong).code == 2200
