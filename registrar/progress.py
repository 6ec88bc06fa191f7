"""What the order page shows while an order runs: each line's way from payment to a name
that resolves.

The first two steps come from the order's own rows. The others are looked at the way
the rest of the Internet would see them: the TLD's servers are asked whether they
delegate the name, our rental nameservers whether they answer for its zone, and the
emulated resolver resolves the name from the root (after its cache of that name is
flushed, so an answer cached before the registration cannot hide the new one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dns.rcode
import dns.rdatatype
from django.conf import settings

from config.money import format_money
from registrar.choices import FINAL_ORDER_STATES, LineKind, LineState
from registrar.models import Order, OrderLine
from resolver import trace
from resolver.dns.wire import probe

PROBE_TIMEOUT = 0.5
DONE, WAITING, FAILED, SKIPPED = "done", "waiting", "failed", "skipped"


@dataclass
class Step:
    title: str
    state: str  # DONE, WAITING, FAILED or SKIPPED
    detail: str = ""
    records: list[str] = field(default_factory=list)


@dataclass
class LineProgress:
    line: OrderLine
    steps: list[Step]

    @property
    def finished(self) -> bool:
        """Nothing more will change on its own: every step is settled."""
        return all(step.state != WAITING for step in self.steps)


def order_progress(order: Order) -> list[LineProgress]:
    return [line_progress(order, line) for line in order.lines.all()]


def finished(order: Order, lines: list[LineProgress]) -> bool:
    return order.state in FINAL_ORDER_STATES and all(progress.finished for progress in lines)


def line_progress(order: Order, line: OrderLine) -> LineProgress:
    steps = [_paid(order)]
    if steps[-1].state == DONE:
        steps.append(_registered(line))
    if line.kind != LineKind.REGISTER:
        return LineProgress(line, steps)
    if steps[-1].state == DONE:
        steps.append(_delegated(line))
    if steps[-1].state == DONE:
        steps.append(_zone_live(line))
    if steps[-1].state in (DONE, SKIPPED):
        steps.append(_lookup(line))
    return LineProgress(line, steps)


def _paid(order: Order) -> Step:
    payment = getattr(order, "payment", None)
    if order.paid_at:
        reference = f" ({payment.reference})" if payment and payment.reference else ""
        return Step("Paid", DONE, f"{order.card} charged {format_money(order.total)}{reference}")
    if order.state in FINAL_ORDER_STATES:
        return Step("Paid", FAILED, order.failure_reason or "the card was not charged")
    attempts = payment.attempts if payment else 0
    return Step("Paid", WAITING, f"the card processor is retrying (attempt {attempts})" if attempts > 1 else "")


def _registered(line: OrderLine) -> Step:
    titles: dict[str, str] = {
        LineKind.RENEW: "Renewed at the registry",
        LineKind.RESTORE: "Restored at the registry",
        LineKind.TRANSFER: "Transferred at the registry",
    }
    title = titles.get(line.kind, "Registered at the registry")
    if line.state == LineState.SUCCESSFUL:
        return Step(
            title,
            DONE,
            f"expires {line.expires_at:%Y-%m-%d}; registry transaction {line.registry_sv_trid}",
        )
    if line.state == LineState.FAILED:
        refund = getattr(line, "refund", None)
        refunded = f"; {refund.amount} refunded to the card ({refund.reference})" if refund else ""
        return Step(title, FAILED, f"{line.failure_reason}{refunded}")
    if line.state == LineState.AWAITING_TRANSFER:
        return Step(
            title,
            WAITING,
            "requested: the current registrar may approve or reject it; "
            "without an answer the registry approves it after five days",
        )
    return Step(title, WAITING, "the registry is working on it")


def _delegated(line: OrderLine) -> Step:
    """The TLD's servers answer for the name with a referral to its nameservers."""
    plan = settings.NETWORK_PLAN
    title = "Delegation published in the TLD zone"
    tld = line.domain.rsplit(".", 1)[-1]
    seen = []
    for server in plan.servers_for_tld(tld):
        response = probe.ask(server.address, plan.dns_port, line.domain, "NS", PROBE_TIMEOUT)
        if response is None:
            seen.append(f"{server.name} did not answer")
            continue
        ns = [
            r.to_text()
            for rrset in response.authority
            if rrset.rdtype == dns.rdatatype.NS and rrset.name.to_text().lower() == f"{line.domain}."
            for r in rrset
        ]
        if not ns:
            seen.append(f"{server.name}: {dns.rcode.to_text(response.rcode())}, no delegation yet")
            continue
        return Step(title, DONE, f"{server.name} ({server.address}) refers {line.domain} to", sorted(ns))
    return Step(title, WAITING, "; ".join(seen))


def _zone_live(line: OrderLine) -> Step:
    """Our nameservers answer for the zone with authority; the customer's own are theirs."""
    title = "Zone live on the nameservers"
    if not line.our_nameservers:
        return Step(title, SKIPPED, "your own nameservers serve this zone: " + ", ".join(line.nameservers))
    plan = settings.NETWORK_PLAN
    answering = []
    for name in line.nameservers:
        serial = probe.soa_serial(plan.address_of(name), plan.dns_port, f"{line.domain}.", PROBE_TIMEOUT)
        if serial is not None:
            answering.append(f"{name} serial {serial}")
    if not answering:
        return Step(title, WAITING, "none of " + ", ".join(line.nameservers) + " answers for it yet")
    return Step(title, DONE, f"{len(answering)} of {len(line.nameservers)} answer with authority", answering)


def _lookup(line: OrderLine) -> Step:
    """The name resolved from the root by the emulated resolver, as any visitor would."""
    title = "Resolves through the resolver"
    rtype = "AAAA" if line.first_address and ":" in line.first_address else "A"
    name = f"{line.domain}."
    try:
        trace.control({"command": "flush", "name": name}, timeout=2.0)
        data = trace.control({"command": "resolve", "name": name, "type": rtype}, timeout=5.0)
    except trace.TraceError as exc:
        return Step(title, WAITING, str(exc))
    answer = [row for row in data["answer"] if f" IN {rtype} " in row]
    if data["rcode"] != "NOERROR":
        return Step(title, WAITING, f"the resolver answers {data['rcode']} for {line.unicode_domain} so far")
    if line.first_address and not any(row.endswith(f" {line.first_address}") for row in answer):
        return Step(title, WAITING, f"waiting for the nameservers to serve {rtype} {line.first_address}", answer)
    if not answer:
        hint = "" if line.our_nameservers else " on your nameservers"
        return Step(title, DONE, f"{line.unicode_domain} resolves; it has no {rtype} record yet: add one{hint}")
    return Step(title, DONE, f"dig {line.domain} {rtype} @{settings.NETWORK_PLAN.resolver.address}", answer)
