"""What run_epp exports to Prometheus: commands by name and result code, their time, and
the sessions logged in."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.registry.epp.conftest import HELLO, LOGIN, LOGOUT, Epp

pytestmark = pytest.mark.django_db

INFO = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info>
<domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>{name}</domain:name></domain:info>
</info><clTRID>metrics-info</clTRID></command></epp>"""
POLL = """<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/>
<clTRID>metrics-poll</clTRID></command></epp>"""


def commands(command: str, code: str) -> float:
    return REGISTRY.get_sample_value("namesmith_epp_commands_total", {"command": command, "result_code": code}) or 0.0


def timed(command: str) -> float:
    return REGISTRY.get_sample_value("namesmith_epp_command_seconds_count", {"command": command}) or 0.0


def sessions() -> float:
    return REGISTRY.get_sample_value("namesmith_epp_sessions") or 0.0


def test_each_command_is_counted_by_name_and_result_code(alpha, frozen_clock):
    counted = [("login", "2200"), ("login", "1000"), ("domain:info", "2303"), ("poll", "1300")]
    counted += [("unknown", "2001"), ("logout", "1500")]
    before = {key: commands(*key) for key in counted}
    timed_before = {name: timed(name) for name in ("login", "domain:info")}

    epp = Epp()
    assert epp.send(LOGIN.format(client_id="alpha-reg", password="wrong-password")).code == 2200
    epp.login("alpha-reg")
    assert epp.send(INFO.format(name="nothere.com")).code == 2303
    assert epp.send(POLL).code == 1300
    assert epp.send("<epp>not EPP</epp>").code == 2001
    assert epp.send(HELLO).is_greeting  # a hello is no command: not counted
    assert epp.send(LOGOUT).code == 1500

    assert {key: commands(*key) - before[key] for key in counted} == dict.fromkeys(counted, 1.0)
    assert {name: timed(name) - timed_before[name] for name in timed_before} == {"login": 2, "domain:info": 1}


def test_the_sessions_gauge_counts_logged_in_sessions(alpha, beta, frozen_clock):
    before = sessions()
    first, second = Epp(), Epp()
    first.login("alpha-reg")
    second.login("beta-reg")
    assert sessions() == before + 2
    assert first.send(LOGOUT).code == 1500
    assert sessions() == before + 1
    second.session.end()  # the connection dropped
    second.session.end()  # ends once
    assert sessions() == before
