"""The emulated DNS chain for end-to-end tests: the network plan's addresses, small
query helpers, and making a fresh delegated domain. The ``chain`` fixture (conftest)
starts a worker and run_dns over the demo registry."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest
from django.conf import settings

from registry import services
from resolver import platform
from resolver.choices import ZoneKind
from resolver.management.commands.roothints import root_hints
from resolver.services import publish_zone

PLAN = settings.NETWORK_PLAN
PORT = PLAN.dns_port
ROOT = PLAN.root_servers[0].address
COM = PLAN.servers_for_tld("com")[0].address
RENTAL = PLAN.rental_nameservers[0].address
FRESH_ADDRESS = "192.0.2.77"


def dig(*args: str) -> str:
    if shutil.which("dig") is None:
        pytest.fail("dig is missing: make test installs bind9-dnsutils")
    result = subprocess.run(
        ["dig", "-p", str(PORT), "+time=2", "+tries=1", *args], capture_output=True, text=True, timeout=30
    )
    return result.stdout


def udp(name: str, rdtype: str, address: str, **kwargs) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **kwargs)
    query.flags = 0
    return dns.query.udp(query, address, port=PORT, timeout=3)


def wait_until(check, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout}s")
        time.sleep(0.05)


def dns01_challenge(name: str) -> tuple[object, str]:
    """A DNS-01 challenge for ``name`` as certbot's DNS plugins take it, without an ACME
    server, and the TXT value (quoted) it publishes."""
    import josepy
    from acme import challenges, messages
    from certbot import achallenges
    from cryptography.hazmat.primitives.asymmetric import rsa

    account_key = josepy.JWKRSA(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    challenge = messages.ChallengeBody(
        chall=challenges.DNS01(token=os.urandom(16)), uri="http://127.0.0.1/challenge", status=messages.STATUS_PENDING
    )
    identifier = messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=name)
    achall = achallenges.KeyAuthorizationAnnotatedChallenge(
        challb=challenge, identifier=identifier, account_key=account_key
    )
    return achall, f'"{achall.validation(account_key)}"'


def delegated(name: str, address: str) -> bool:
    response = udp(name, "NS", address)
    return response.rcode() == dns.rcode.NOERROR and any(r.name.to_text() == name for r in response.authority)


def create_fresh_domain(name: str, nameservers: list[str]) -> None:
    registrar = services.get_registrar(settings.REGISTRAR_CLIENT_ID)
    origin = f"{name}."
    records = [[origin, 300, "A", FRESH_ADDRESS], [f"www.{origin}", 300, "CNAME", origin]]
    publish_zone(name, ZoneKind.HOSTED, platform.zone_records(name, nameservers, records), nameservers)
    services.create_domain(registrar, name, nameservers=nameservers)


class Unbound:
    """A stock Unbound that ``stock_unbound`` started: where it listens, what it printed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.output = ""


@contextlib.contextmanager
def stock_unbound(tmp_path):
    """A stock Unbound on 127.0.0.1 (a free port) given the emulator's root hints. It asks
    authorities on port 53 only, so the test is skipped when the DNS port is another."""
    if PORT != 53:
        pytest.skip(f"Unbound asks authorities on port 53 only; this run's DNS port is {PORT}")
    program = shutil.which("unbound") or "/usr/sbin/unbound"
    if not shutil.which(program):
        pytest.fail("unbound is missing: make test installs it")
    hints = tmp_path / "root.hints"
    hints.write_text(root_hints())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unbound = Unbound(probe.getsockname()[1])
    config = tmp_path / "unbound.conf"
    config.write_text(
        "server:\n"
        f"  interface: 127.0.0.1@{unbound.port}\n"
        '  do-daemonize: no\n  username: ""\n  chroot: ""\n  pidfile: ""\n'
        f'  directory: "{tmp_path}"\n  use-syslog: no\n  logfile: ""\n'
        f'  root-hints: "{hints}"\n'
        "  do-not-query-localhost: no\n"
        # Its timeouts grow to 120 s per server by default; on loopback 0.4 s is plenty, and
        # lets it give up on silent nameservers within a test's patience.
        "  infra-cache-max-rtt: 400\n"
    )
    process = subprocess.Popen([program, "-d", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield unbound
    finally:
        process.terminate()
        unbound.output = process.communicate(timeout=10)[0].decode(errors="replace")
