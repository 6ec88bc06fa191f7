"""``manage.py dig`` against the resolver of the small loopback Internet."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.resolver.internet import EXAMPLE_COM, RESOLVER


def dig(*words: str, port: int) -> str:
    out = io.StringIO()
    call_command("dig", *words, "-p", str(port), stdout=out)
    return out.getvalue()


def test_dig_prints_the_answer_as_dig_lays_it_out(net):
    text = dig("www.example.com", f"@{RESOLVER}", port=net.port)
    assert text.startswith(f"; <<>> Namesmith dig <<>> www.example.com @{RESOLVER}\n;; global options: +cmd\n")
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: " in text
    assert ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1" in text
    assert "\n;; ANSWER SECTION:\nwww.example.com.\t300\tIN\tA\t192.0.2.44\n" in text
    assert f";; SERVER: {RESOLVER}#{net.port}({RESOLVER}) (UDP)" in text


def test_dig_short_norec_and_types(net):
    assert dig("chain.example.com", f"@{RESOLVER}", "+short", port=net.port).splitlines() == [
        "alias.example.com.",
        "www.example.net.",
        "192.0.2.80",
    ]
    norec = dig("example.com", "NS", f"@{EXAMPLE_COM}", "+norec", port=net.port)
    assert ";; flags: qr aa; QUERY: 1" in norec and "example.com.\t\t3600\tIN\tNS\tns1.example.com." in norec
    assert "status: NXDOMAIN" in dig("nope.example.com", "MX", f"@{RESOLVER}", "+tcp", port=net.port)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["www.example.com", "+bogus"], r"unknown option \+bogus"),
        (["www.example.com", "NOTATYPE"], "is not a record type"),
        (["www.example.com", "@192.0.2.1"], "not on loopback"),
        (["www.example.com", "@ns9.nowhere.example"], "not a server of the network plan"),
        (["bad..name"], "not a valid domain name"),
        (["+short"], r"which name\?"),
    ],
)
def test_dig_says_what_is_wrong_with_its_arguments(words, message):
    with pytest.raises(CommandError, match=message):
        call_command("dig", *words)
