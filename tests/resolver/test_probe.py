"""Probing nameservers for what they serve: one question at a time, or the SOA of many
zones at many servers under one deadline."""

import socket
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset

from resolver.dns.wire import probe


def test_a_batch_reports_silent_servers_within_its_deadline():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers
    silent.bind(("127.0.0.1", 0))
    try:
        targets = [probe.Target("com.", f"ns{i}.example.", "127.0.0.1") for i in range(3)]
        started = time.monotonic()
        answers = probe.served_serials(targets, silent.getsockname()[1], timeout=0.2)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert [(a.target, a.serial, a.problem) for a in answers] == [(t, None, "not answering") for t in targets]
    assert 0.2 <= elapsed < 1


def test_every_probe_asks_without_recursion_and_takes_only_its_own_answer():
    query = probe.question("com.", "SOA", message_id=7)
    assert query.id == 7 and not query.flags & dns.flags.RD
    other = dns.message.make_response(probe.question("net.", "SOA", message_id=7))
    assert probe.reply_to(query, other.to_wire()) is None
    assert probe.reply_to(query, b"not dns") is None
    assert probe.reply_to(query, dns.message.make_response(query).to_wire()) is not None


def test_a_serial_counts_only_when_given_with_authority():
    zone = dns.name.from_text("com.")
    response = dns.message.make_response(probe.question(zone, "SOA"))
    response.answer.append(dns.rrset.from_text(zone, 900, "IN", "SOA", "a. h. 42 1800 900 604800 86400"))

    def received() -> dns.message.Message:
        return dns.message.from_wire(response.to_wire())

    assert probe.serial_of(received(), zone) == "not authoritative"
    response.flags |= dns.flags.AA
    assert probe.serial_of(received(), zone) == 42
    assert probe.serial_of(received(), dns.name.from_text("net.")) == "no SOA"
    response.set_rcode(dns.rcode.REFUSED)
    assert probe.serial_of(received(), zone) == "REFUSED"
