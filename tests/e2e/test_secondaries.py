"""Real secondaries: BIND (named, Debian's bind9) and Knot (knotd) serve a hosted zone, its
transfers signed with the zone's TSIG key, and com, as the emulator's primary publishes
them. They hear of each version by NOTIFY (not at the SOA refresh, 7200 s away), take it by
IXFR from the store's history, and answer a change soon after it turns INSYNC. The worker
and run_dns are real processes, started with com's secondaries in DNS_SECONDARIES."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import dns.tsig
import pytest
from django.conf import settings

from registry import services
from resolver import rental
from resolver.choices import ChangeStatus
from resolver.models import Change, HostedZone, TsigKey
from tests.conftest import make_customer
from tests.e2e.conftest import start_chain
from tests.e2e.dnsworld import PLAN, PORT, wait_until
from tests.e2e.processes import Stack, purge_queues

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

ZONE = "sec.example.net"
COM = PLAN.servers_for_tld("com")[0].address


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


class Secondary:
    """A secondary server on 127.0.0.1:``port`` (its output in ``log``), and what it answers."""

    def __init__(self, name: str, port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log

    def ask(self, name: str, rdtype: str) -> dns.message.Message | None:
        try:
            return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=self.port, timeout=1)
        except (dns.exception.Timeout, OSError):
            return None

    def serial(self, zone: str) -> int | None:
        reply = self.ask(zone, "SOA")
        return reply.answer[0][0].serial if reply is not None and reply.answer else None

    def addresses(self, name: str) -> list[str]:
        reply = self.ask(name, "A")
        return sorted(r.address for rrset in (reply.answer if reply else []) for r in rrset)


@pytest.fixture
def secondary_world(transactional_db, tmp_path):
    """The chain with com's secondaries at two free ports, a customer's hosted zone with a
    TSIG key whose secondaries are the same, and a record in it."""
    ports = {"named": free_port(), "knot": free_port()}
    com_secondaries = {"com.": {"notify": [f"127.0.0.1:{port}" for port in ports.values()]}}
    purge_queues()
    stack = Stack(tmp_path)
    try:
        start_chain(stack, DNS_SECONDARIES=json.dumps(com_secondaries))
        customer = make_customer("secondary")
        zone, _, _ = rental.create_hosted_zone(customer.user, ZONE, caller_reference="sec")
        key = rental.create_tsig_key(customer.user, zone.pk, name="xfr.sec.example.net")
        rental.set_secondaries(
            customer.user,
            zone.pk,
            notify=[f"127.0.0.1:{port}" for port in ports.values()],
            allow=["127.0.0.0/8"],
            key=key.name,
        )
        rental.change_record_sets(customer.user, zone.pk, [upsert("www", "192.0.2.1")])
        insync(zone)
        yield zone, key, ports, tmp_path, stack
    finally:
        stack.close()


def upsert(label: str, address: str) -> dict:
    name = f"{label}.{ZONE}"
    return {"action": "UPSERT", "record_set": {"name": name, "type": "A", "ttl": 60, "values": [address]}}


def insync(zone: HostedZone) -> float:
    """Wait until every change of the zone is INSYNC; when that was seen (monotonic)."""
    wait_until(
        lambda: not Change.objects.filter(zone=zone).exclude(status=ChangeStatus.INSYNC).exists(),
        timeout=30,
        what="every change INSYNC",
    )
    return time.monotonic()


def named_config(directory: Path, port: int, primary: str, key: TsigKey) -> tuple[str, list[str]]:
    """BIND's configuration, and the arguments that start it in the foreground."""
    (directory / "named.conf").write_text(
        f'options {{ directory "{directory}"; pid-file "{directory}/named.pid";\n'
        f"  listen-on port {port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n"
        "  recursion no; notify no; dnssec-validation no; allow-notify { 127.0.0.0/8; };\n"
        "  min-refresh-time 3600; max-refresh-time 7200; };\n"
        "controls { };\n"
        f'key "{key.name}" {{ algorithm {key.algorithm}; secret "{key.secret}"; }};\n'
        f'zone "{ZONE}" {{ type secondary; file "{directory}/sec.db";\n'
        f'  primaries port {PORT} {{ {primary} key "{key.name}"; }}; }};\n'
        f'zone "com" {{ type secondary; file "{directory}/com.db"; primaries port {PORT} {{ {COM}; }}; }};\n'
    )
    return "named", ["-g", "-n", "1", "-c", str(directory / "named.conf")]


def knot_config(directory: Path, port: int, primary: str, key: TsigKey) -> tuple[str, list[str]]:
    """Knot's configuration, and the arguments that start it in the foreground."""
    (directory / "knot.conf").write_text(
        f'server:\n  rundir: "{directory}"\n  listen: 127.0.0.1@{port}\n'
        f'database:\n  storage: "{directory}"\n'
        f"log:\n  - target: stdout\n    any: info\n"
        f"key:\n  - id: {key.name}\n    algorithm: {key.algorithm}\n    secret: {key.secret}\n"
        f"remote:\n  - id: hosted\n    address: {primary}@{PORT}\n    key: {key.name}\n"
        f"  - id: com\n    address: {COM}@{PORT}\n"
        "acl:\n  - id: notify\n    address: 127.0.0.0/8\n    action: notify\n"
        f'template:\n  - id: default\n    storage: "{directory}"\n'
        f"zone:\n  - domain: {ZONE}\n    master: hosted\n    acl: notify\n"
        "  - domain: com\n    master: com\n    acl: notify\n"
    )
    return "knotd", ["-c", str(directory / "knot.conf")]


@contextlib.contextmanager
def secondary_server(configure, directory: Path, port: int, zone: HostedZone, key: TsigKey) -> Iterator[Secondary]:
    """A secondary of the hosted zone (transfers signed with ``key``) and of com, configured
    by ``configure`` (``named_config`` or ``knot_config``), running until the block ends."""
    directory.mkdir()
    name, arguments = configure(directory, port, PLAN.address_of(zone.nameservers[0]), key)
    program = shutil.which(name) or f"/usr/sbin/{name}"
    if not Path(program).exists():
        pytest.fail(f"{name} is missing: make test installs it (bind9, knot)")
    log = directory / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([program, *arguments], stdout=out, stderr=subprocess.STDOUT)
    try:
        yield Secondary(name, port, log)
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(("name", "configure"), [("named", named_config), ("knot", knot_config)], ids=["named", "knot"])
def test_a_secondary_takes_each_version_by_notify_and_ixfr(secondary_world, name, configure):
    zone, key, ports, tmp_path, stack = secondary_world
    with secondary_server(configure, tmp_path / name, ports[name], zone, key) as secondary:
        wait_until(lambda: secondary.addresses(f"www.{ZONE}") == ["192.0.2.1"], timeout=30, what="first transfer")
        wait_until(lambda: secondary.serial("com.") is not None, timeout=30, what="com transferred")

        # A change: NOTIFY, then IXFR; the secondary answers it soon after INSYNC.
        rental.change_record_sets(zone.owner, zone.pk, [upsert("www", "192.0.2.2"), upsert("new", "192.0.2.3")])
        seen_insync = insync(zone)
        wait_until(lambda: secondary.addresses(f"new.{ZONE}") == ["192.0.2.3"], timeout=10, what="change served")
        lag = time.monotonic() - seen_insync
        assert secondary.addresses(f"www.{ZONE}") == ["192.0.2.2"]
        print(f"{secondary.name}: change served {lag:.2f} s after INSYNC was seen")
        assert lag < 5, f"{secondary.name} served the change {lag:.1f} s after INSYNC: NOTIFY did not reach it"

        # com changes with a registration: the secondary has the delegation at once.
        before = secondary.serial("com.")
        registrar = services.get_registrar(settings.REGISTRAR_CLIENT_ID)
        delegation = [server.rstrip(".") for server in zone.nameservers[:2]]
        services.create_domain(registrar, "delegated-secondary.com", nameservers=delegation)
        wait_until(lambda: (secondary.serial("com.") or 0) > (before or 0), timeout=15, what="com's new version")
        reply = secondary.ask("delegated-secondary.com.", "NS")
        assert reply is not None and any(r.rdtype == dns.rdatatype.NS for r in reply.authority)
        run_dns = next(p for p in stack.processes if p.name == "run_dns").output()
        assert f"IXFR of {ZONE}. to 127.0.0.1" in run_dns and "IXFR of com. to 127.0.0.1" in run_dns


def test_ixfr_from_a_stale_serial_is_incremental_and_from_one_too_old_a_full_transfer(secondary_world):
    zone, key, _, _, _ = secondary_world
    primary = PLAN.address_of(zone.nameservers[0])
    keyring = dns.tsig.Key(key.name, key.secret, key.algorithm)
    served = dns.query.udp(dns.message.make_query(ZONE, "SOA"), primary, port=PORT, timeout=2).answer[0][0].serial
    for label in ("a", "b"):
        rental.change_record_sets(zone.owner, zone.pk, [upsert(label, "192.0.2.9")])
        insync(zone)

    def transfer(serial: int) -> list:
        messages = dns.query.xfr(
            primary, ZONE, rdtype="IXFR", serial=serial, port=PORT, keyring=keyring, timeout=5, relativize=False
        )
        return [rrset for message in messages for rrset in message.answer]

    incremental = transfer(served)
    soas = [rrset[0].serial for rrset in incremental if rrset.rdtype == dns.rdatatype.SOA]
    # new SOA, then per version: old SOA ... new SOA ..., then the new SOA again
    assert soas[0] == soas[-1] and soas[1] == served and len(soas) == 6
    assert {r.name.to_text() for r in incremental if r.rdtype == dns.rdatatype.A} == {f"a.{ZONE}.", f"b.{ZONE}."}
    whole = transfer(1)
    assert [r.rdtype for r in whole].count(dns.rdatatype.SOA) == 2  # AXFR form: SOA ... SOA
    names = {r.name.to_text() for r in whole if r.rdtype == dns.rdatatype.A}
    assert names == {f"{label}.{ZONE}." for label in ("www", "a", "b")}
    with pytest.raises(dns.xfr.TransferError, match="REFUSED"):
        list(dns.query.xfr(primary, ZONE, rdtype="IXFR", serial=served, port=PORT, timeout=5))  # unsigned
