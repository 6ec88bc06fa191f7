"""The resolution trace: what the trace page shows for a name and type.

The resolver (run_resolver) resolves the question itself, through its cache, and reports
each step over its control channel; this module adds what only the database knows (the
routing policy and health checks behind a hosted zone's answer) and the browser's step:
an HTTP request to the resolved address with the name as its Host header.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field

import dns.exception
import dns.message
import dns.name
import dns.rdata
import dns.rdatatype
import idna
from django.conf import settings

from resolver.dns.wire import digtext
from resolver.models import HostedZone

QUERY_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "CAA", "SRV", "PTR", "DS"]
BROWSER_TIMEOUT = 3.0
BODY_LIMIT = 16_384
CONTROL_TIMEOUT = 10.0


class TraceError(Exception):
    """A question the trace cannot ask, or a resolver it cannot reach; the message says which."""


@dataclass
class Member:
    """One record set of a routed name, as the trace shows it."""

    identifier: str
    policy: str
    setting: str
    values: list[str]
    health: str
    chosen: bool


@dataclass
class Hop:
    role: str  # "Root server", "TLD server", "Nameserver", "Cache"
    zone: str
    server: str | None
    address: str | None
    outcome: str
    detail: str
    records: list[str]
    elapsed_ms: float
    cached: bool
    transport: str | None
    depth: int


@dataclass
class Browser:
    url: str
    host: str
    fetched: bool
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    elapsed_ms: float = 0.0
    error: str = ""


@dataclass
class Result:
    name: str  # as typed
    ascii_name: str
    qtype: str
    rcode: str
    ede: list | None
    answer: list[str]
    dig: str
    elapsed_ms: float
    hops: list[Hop]
    skipped: list[str]  # zones whose servers were not asked because the cache knew enough
    routing: list[Member]
    routing_name: str
    browser: Browser | None


def control(request: dict, timeout: float = CONTROL_TIMEOUT) -> dict:
    """One request to the resolver's control channel."""
    address = settings.NETWORK_PLAN.resolver.address
    port = settings.RESOLVER_CONTROL_PORT
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.sendall(json.dumps(request).encode() + b"\n")
            reply = sock.makefile("rb").readline()
    except OSError as exc:
        raise TraceError(
            f"the resolver's control channel at {address} port {port} did not answer ({exc}); "
            "is run_resolver running? (make run starts it)"
        ) from None
    try:
        data = json.loads(reply)
    except ValueError:
        raise TraceError("the resolver's control channel sent something that is not JSON") from None
    if "error" in data:
        raise TraceError(data["error"])
    return data


def ascii_name(name: str) -> str:
    """``name`` as the DNS carries it (IDNA 2008 for Unicode labels), absolute."""
    text = name.strip().rstrip(".")
    if not text:
        raise TraceError("type a domain name, such as www.example.com")
    try:
        encoded = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise TraceError(f"{name!r} is not a valid domain name: {exc}") from None
    try:
        dns.name.from_text(encoded)
    except dns.exception.DNSException as exc:
        raise TraceError(f"{name!r} is not a valid domain name: {exc}") from None
    return encoded.lower() + "."


def trace(name: str, qtype: str) -> Result:
    qtype = qtype.strip().upper() or "A"
    if qtype not in QUERY_TYPES:
        raise TraceError(f"type {qtype!r} is not one the trace asks; pick one of {', '.join(QUERY_TYPES)}")
    qname = ascii_name(name)
    data = control({"command": "resolve", "name": qname, "type": qtype})
    plan = settings.NETWORK_PLAN
    response = dns.message.from_wire(bytes.fromhex(data["wire"]))
    dig = digtext.format_reply(
        response,
        server=plan.resolver.address,
        port=plan.resolver.port,
        elapsed_ms=data["elapsed_ms"],
        when=datetime.datetime.now(datetime.UTC),
        size=len(data["wire"]) // 2,
    )
    hops = [_hop(step) for step in data["steps"]]
    asked = {str(step["server"]).lower().rstrip(".") + "." for step in data["steps"] if step["server"]}
    routing_name, routing = _routing(response, asked)
    addresses = [r.address for rrset in response.answer if rrset.rdtype == dns.rdatatype.A for r in rrset]
    browser = browse(qname.rstrip("."), addresses[0]) if addresses and qtype == "A" else None
    return Result(
        name=name.strip(),
        ascii_name=qname,
        qtype=qtype,
        rcode=data["rcode"],
        ede=data["ede"],
        answer=data["answer"],
        dig=dig,
        elapsed_ms=data["elapsed_ms"],
        hops=hops,
        skipped=_skipped(qname, data["steps"]),
        routing=routing,
        routing_name=routing_name,
        browser=browser,
    )


def _hop(step: dict) -> Hop:
    zone = step["zone"]
    if step["cached"]:
        role = "Cache"
    elif zone == ".":
        role = "Root server"
    elif zone.count(".") == 1:
        role = "TLD server"
    else:
        role = "Nameserver"
    return Hop(
        role=role,
        zone=zone,
        server=step["server"],
        address=step["address"],
        outcome=step["outcome"],
        detail=step["detail"],
        records=step["records"],
        elapsed_ms=step["elapsed_ms"],
        cached=step["cached"],
        transport=step["transport"],
        depth=step["depth"],
    )


def _skipped(qname: str, steps: list[dict]) -> list[str]:
    """The zones whose servers the cache spared us: those above the zone the resolver
    started at, or every zone above the name when the answer itself was cached."""
    first = next((s for s in steps if s["depth"] == 0), None)
    if first is None or not first["cached"]:
        return []
    below = dns.name.from_text(first["zone"] or qname)
    skipped = []
    zone = dns.name.root
    while zone != below:
        skipped.append(zone.to_text())
        zone = dns.name.Name(below.labels[-(len(zone.labels) + 1) :])
    return skipped


def _routing(response: dns.message.Message, asked: set[str]) -> tuple[str, list[Member]]:
    """The routed record sets behind the final answer, when a hosted zone of ours holds it:
    of the zones of one name, the one on the servers the resolver ``asked``."""
    final = response.answer[-1] if response.answer else None
    if final is None:
        return "", []
    owner = final.name.to_text().lower()
    rdtype = dns.rdatatype.to_text(final.rdtype)
    enclosing = [final.name.split(depth)[1].to_text().lower() for depth in range(2, len(final.name.labels) + 1)]
    candidates = list(HostedZone.objects.filter(name__in=enclosing))
    zones = sorted([z for z in candidates if asked & set(z.nameservers)] or candidates, key=lambda z: len(z.name))
    if not zones:
        return "", []
    hosted = zones[-1]  # the closest enclosing zone
    sets = list(hosted.record_sets.filter(name=owner, type=rdtype).select_related("health_check"))
    if not any(s.set_identifier for s in sets):
        return "", []
    given = {r.to_text() for r in final}
    members = []
    for record_set in sorted(sets, key=lambda s: s.set_identifier):
        check = record_set.health_check
        health = "no health check"
        if check is not None:
            health = check.get_status_display().lower()
            if check.override:
                health += f" (forced {check.override.lower()} by an override)"
        values = [str(v) for v in record_set.values] or [f"alias to {record_set.alias_target}"]
        members.append(
            Member(
                identifier=record_set.set_identifier,
                policy=record_set.get_routing_display(),
                setting=_setting(record_set),
                values=values,
                health=health,
                chosen=bool(given) and given <= {_normal(rdtype, v) for v in record_set.values},
            )
        )
    return f"{owner} {rdtype}", members


def _setting(record_set) -> str:
    for label, value in (
        ("weight", record_set.weight),
        ("failover", record_set.failover),
        ("region", record_set.region),
        ("location", record_set.location),
    ):
        if value not in (None, ""):
            return f"{label} {value}"
    return ""


def _normal(rdtype: str, value: str) -> str:
    try:
        return dns.rdata.from_text("IN", rdtype, str(value)).to_text()
    except Exception:  # a value that does not parse cannot have been the one served
        return str(value)


def browse(host: str, address: str) -> Browser:
    """GET / from ``address`` with ``host`` as the Host header, the way a browser would
    after the lookup; only inside 127.0.0.0/8, since the emulator sends nothing beyond it."""
    plan = settings.NETWORK_PLAN
    port = next((o.port for o in plan.origins if o.address == address), 80)
    url = f"http://{host}/" if port == 80 else f"http://{host}:{port}/"
    browser = Browser(url=url, host=host, fetched=False)
    try:
        loopback = ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        loopback = False
    if not loopback:
        browser.error = (
            f"not fetched: {address} is outside this machine's loopback network, and the emulator "
            "sends no traffic beyond 127.0.0.0/8"
        )
        return browser
    connection = http.client.HTTPConnection(address, port, timeout=BROWSER_TIMEOUT)
    start = time.monotonic()
    try:
        connection.putrequest("GET", "/", skip_host=True)
        connection.putheader("Host", host if port == 80 else f"{host}:{port}")
        connection.putheader("User-Agent", "Namesmith trace")
        connection.endheaders()
        reply = connection.getresponse()
        body = reply.read(BODY_LIMIT)
        browser.fetched = True
        browser.status, browser.reason = reply.status, reply.reason
        browser.headers = list(reply.getheaders())
        browser.body = body.decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        browser.error = f"no page from {address} port {port}: {exc or type(exc).__name__}"
    finally:
        connection.close()
        browser.elapsed_ms = round((time.monotonic() - start) * 1000, 3)
    return browser
