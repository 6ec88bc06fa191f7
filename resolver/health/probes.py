"""Probing an endpoint the way Route 53's checkers do, inside the emulated network only.

The endpoint is the check's address, or its host name resolved through the emulated
resolver (``run_resolver``) at each probe. An address outside the emulated network
(127.0.0.0/8 and ::1) is never probed: no traffic leaves the machine. Its checkers report
HEALTH_OUTSIDE_STATUS instead and say why. What a probe saw is written as Route 53 writes
it (``Success: HTTP Status Code 200, OK``).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
from django.conf import settings

from resolver.choices import HealthCheckKind, HealthStatus
from resolver.models import HealthCheck

BODY_SEARCHED = 5120  # bytes of the body a search string is looked for in, as Route 53


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str  # as Route 53's StatusReport writes it


def inside(address: str) -> bool:
    """Whether ``address`` is inside the emulated network, where probes may go."""
    return ipaddress.ip_address(address).is_loopback


def target(check: HealthCheck) -> tuple[str | None, str]:
    """The address to probe, or None with the reason there is none."""
    if check.ip_address:
        return check.ip_address, ""
    plan = settings.NETWORK_PLAN
    query = dns.message.make_query(check.host, dns.rdatatype.A)
    try:
        response = dns.query.udp(query, plan.resolver.address, port=plan.resolver.port, timeout=1.0)
    except (OSError, dns.exception.DNSException) as exc:
        return None, f"Failure: the emulated resolver did not resolve {check.host} ({type(exc).__name__})"
    addresses = [r.address for rrset in response.answer if rrset.rdtype == dns.rdatatype.A for r in rrset]
    if not addresses:
        return None, f"Failure: {check.host} did not resolve ({dns.rcode.to_text(response.rcode())})"
    return addresses[0], ""


def probe(check: HealthCheck) -> Probe:
    """One probe of the endpoint (never outside the emulated network)."""
    address, problem = target(check)
    if address is None:
        return Probe(False, problem)
    if not inside(address):
        outside = settings.HEALTH_OUTSIDE_STATUS
        return Probe(
            outside == HealthStatus.HEALTHY,
            f"{'Success' if outside == HealthStatus.HEALTHY else 'Failure'}: not probed: {address} is outside "
            f"the emulated network (HEALTH_OUTSIDE_STATUS={outside})",
        )
    assert check.port is not None  # an endpoint check has one
    try:
        if check.kind == HealthCheckKind.TCP:
            with socket.create_connection((address, check.port), timeout=settings.HEALTH_CHECK_TIMEOUT):
                return Probe(True, "Success: TCP connection established")
        status, reason, body = _get(check, address)
    except (OSError, http.client.HTTPException) as exc:
        return Probe(False, f"Failure: {type(exc).__name__}: {exc}"[:255])
    if not 200 <= status < 400:
        return Probe(False, f"Failure: HTTP Status Code {status}, {reason}")
    if check.search_string and check.search_string.encode() not in body:
        return Probe(
            False,
            f"Failure: HTTP Status Code {status}, {reason}; {check.search_string!r} is not in the first "
            f"{BODY_SEARCHED} bytes of the body",
        )
    return Probe(True, f"Success: HTTP Status Code {status}, {reason}")


def _get(check: HealthCheck, address: str) -> tuple[int, str, bytes]:
    timeout = settings.HEALTH_CHECK_TIMEOUT
    assert check.port is not None
    conn: http.client.HTTPConnection
    if check.kind == HealthCheckKind.HTTPS:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # as Route 53: the certificate is not validated
        server_name = check.host if check.enable_sni and check.host else None
        conn = _Tls(address, check.port, server_name=server_name, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(address, check.port, timeout=timeout)
    try:
        conn.request("GET", check.path or "/", headers={"Host": check.host or address})
        response = conn.getresponse()
        return response.status, response.reason, response.read(BODY_SEARCHED)
    finally:
        conn.close()


class _Tls(http.client.HTTPSConnection):
    """HTTPS to an address, sending ``server_name`` (if any) as the TLS server name (SNI)."""

    def __init__(
        self, address: str, port: int, *, server_name: str | None, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self.server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)  # type: ignore[attr-defined]
