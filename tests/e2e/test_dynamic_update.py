"""DNS UPDATE against the real run_dns: ``nsupdate`` (bind9-dnsutils) with the key
``tsig_key`` prints adds, replaces and deletes records, and certbot's rfc2136 plugin runs
a DNS-01 challenge cycle; each update is a change that turns INSYNC once every nameserver
of the zone serves it, and dig sees it there. The worker and run_dns are real processes
(tests/e2e/conftest.py's chain)."""

from __future__ import annotations

import os
import shutil
import subprocess
import types
from pathlib import Path

import pytest
from django.core.management import call_command

from resolver import rental
from resolver.choices import ChangeStatus
from resolver.models import Change, HostedZone
from tests.conftest import make_customer
from tests.e2e.dnsworld import PLAN, PORT, dig, dns01_challenge, wait_until

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zone(chain) -> HostedZone:
    customer = make_customer("dynamic")
    zone, _, _ = rental.create_hosted_zone(customer.user, "dyn.example.net", caller_reference="dyn")
    wait_until(lambda: answers(zone, "dyn.example.net", "SOA"), what="the zone served")
    return zone


def answers(zone: HostedZone, name: str, rdtype: str) -> list[str] | None:
    """What every nameserver of the zone answers, if they all answer the same."""
    seen = {
        tuple(sorted(dig(f"@{PLAN.address_of(server)}", name, rdtype, "+short", "+norec").splitlines()))
        for server in zone.nameservers
    }
    return list(seen.pop()) if len(seen) == 1 else None


def nsupdate(zone: HostedZone, script: str, key_file: Path | None) -> subprocess.CompletedProcess:
    if shutil.which("nsupdate") is None:
        pytest.fail("nsupdate is missing: make test installs bind9-dnsutils")
    server = f"server {PLAN.address_of(zone.nameservers[0])} {PORT}\n"
    command = ["nsupdate", *(["-k", str(key_file)] if key_file else [])]
    return subprocess.run(command, input=server + script + "send\n", capture_output=True, text=True, timeout=30)


def settled(zone: HostedZone) -> None:
    wait_until(
        lambda: not Change.objects.filter(zone=zone).exclude(status=ChangeStatus.INSYNC).exists(),
        timeout=30,
        what="every change INSYNC",
    )


def test_nsupdate_with_the_printed_key_adds_replaces_and_deletes_records(zone, tmp_path):
    key_file = tmp_path / "update.key"
    with key_file.open("w") as out:
        call_command("tsig_key", "dyn.example.net", stdout=out)

    added = nsupdate(
        zone,
        "update add www.dyn.example.net 300 A 192.0.2.10\nupdate add www.dyn.example.net 300 A 192.0.2.11\n",
        key_file,
    )
    assert added.returncode == 0, added.stderr
    settled(zone)
    assert answers(zone, "www.dyn.example.net", "A") == ["192.0.2.10", "192.0.2.11"]
    change = Change.objects.filter(zone=zone).order_by("-version").first()
    assert change.comment == "DNS UPDATE signed with update.dyn.example.net."

    replaced = nsupdate(
        zone, "update delete www.dyn.example.net A\nupdate add www.dyn.example.net 60 A 192.0.2.20\n", key_file
    )
    assert replaced.returncode == 0, replaced.stderr
    settled(zone)
    assert answers(zone, "www.dyn.example.net", "A") == ["192.0.2.20"]

    refused = nsupdate(
        zone, "prereq nxdomain www.dyn.example.net\nupdate add www.dyn.example.net 60 A 1.2.3.4\n", key_file
    )
    assert refused.returncode != 0 and "YXDOMAIN" in refused.stdout + refused.stderr

    deleted = nsupdate(zone, "update delete www.dyn.example.net\n", key_file)
    assert deleted.returncode == 0, deleted.stderr
    settled(zone)
    assert answers(zone, "www.dyn.example.net", "A") == []

    unsigned = nsupdate(zone, "update add www.dyn.example.net 300 A 192.0.2.99\n", None)
    assert unsigned.returncode != 0 and "REFUSED" in unsigned.stdout + unsigned.stderr
    apex = nsupdate(zone, "update delete dyn.example.net NS\n", key_file)
    assert apex.returncode != 0 and "REFUSED" in apex.stdout + apex.stderr
    assert answers(zone, "www.dyn.example.net", "A") == [] and len(answers(zone, "dyn.example.net", "NS")) == 4


def test_certbot_dns_rfc2136_publishes_and_removes_a_dns01_challenge(zone, tmp_path):
    from certbot._internal.display import obj as display
    from certbot_dns_rfc2136._internal.dns_rfc2136 import Authenticator

    key = rental.create_tsig_key(zone.owner, zone.pk, name="certbot.dyn.example.net")
    credentials = tmp_path / "rfc2136.ini"
    credentials.write_text(
        f"dns_rfc2136_server = {PLAN.address_of(zone.nameservers[0])}\n"
        f"dns_rfc2136_port = {PORT}\n"
        f"dns_rfc2136_name = {key.name}\n"
        f"dns_rfc2136_secret = {key.secret}\n"
        "dns_rfc2136_algorithm = HMAC-SHA256\n"
    )
    os.chmod(credentials, 0o600)
    achall, expected = dns01_challenge("www.dyn.example.net")
    config = types.SimpleNamespace(dns_rfc2136_credentials=str(credentials), dns_rfc2136_propagation_seconds=0)
    display.set_display(display.NoninteractiveDisplay(open(os.devnull, "w")))  # noqa: SIM115 (certbot keeps it)
    authenticator = Authenticator(config, "dns-rfc2136")
    authenticator.perform([achall])  # finds the zone by its SOA, then sends a signed UPDATE
    settled(zone)
    assert answers(zone, "_acme-challenge.www.dyn.example.net", "TXT") == [expected]
    authenticator.cleanup([achall])  # deletes that one TXT record
    settled(zone)
    assert answers(zone, "_acme-challenge.www.dyn.example.net", "TXT") == []
