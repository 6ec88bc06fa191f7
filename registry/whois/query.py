"""The database side of WHOIS: one query line in, the text of the answer out.

Answers look like a gTLD registry's (Verisign's com and net): the domain's registrar,
dates, EPP statuses, nameservers and DNSSEC state, the time of the answer, and the terms
of use. Like a thin registry it shows no contact: registrants are personal data (RDAP
shows what of them is public). Auth info is never shown. Lines end in CRLF (RFC 3912).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connections

from config import clock
from registry import services
from registry.errors import InvalidName, ObjectNotFound
from registry.models import Domain
from registry.names import parse_name
from registry.rdap import queries
from registry.rdap.render import STATUS_CODES_URL, TERMS_OF_USE, iso
from registry.whois import metrics

CRLF = "\r\n"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _footer(now: datetime) -> list[str]:
    return [
        f">>> Last update of whois database: {iso(now)} <<<",
        "",
        f"For more information on Whois status codes, please visit {STATUS_CODES_URL}",
        "",
        *(f"TERMS OF USE: {sentence}" for sentence in TERMS_OF_USE),
    ]


def _field(key: str, value: object) -> str:
    return f"   {key}: {value}".rstrip()


def render_domain(domain: Domain, now: datetime) -> list[str]:
    """The record of a domain, one ``Key: value`` line per field, then the footer."""
    registrar = domain.registrar
    lines = [
        _field("Domain Name", domain.name.upper()),
        _field("Registry Domain ID", domain.roid),
        _field("Registrar WHOIS Server", settings.NETWORK_PLAN.whois.address),
        _field("Registrar URL", registrar.url),
        _field("Updated Date", iso(domain.updated_at)),
        _field("Creation Date", iso(domain.created_at)),
        _field("Registry Expiry Date", iso(domain.expires_at)),
        _field("Registrar", registrar.name),
        _field("Registrar IANA ID", "" if registrar.iana_id is None else registrar.iana_id),
        _field("Registrar Abuse Contact Email", registrar.email),
        _field("Registrar Abuse Contact Phone", registrar.phone),
    ]
    statuses = dict.fromkeys([*domain.epp_statuses(), *services.rgp_statuses(domain)])
    lines += [_field("Domain Status", f"{status} {STATUS_CODES_URL}#{status}") for status in statuses]
    lines += [_field("Name Server", host.name.upper()) for host in domain.nameservers.all()]
    ds_records = list(domain.ds_records.all())
    lines.append(_field("DNSSEC", "signedDelegation" if ds_records else "unsigned"))
    lines += [
        _field("DNSSEC DS Data", f"{ds.key_tag} {ds.algorithm} {ds.digest_type} {ds.digest}") for ds in ds_records
    ]
    return lines + _footer(now)


def serve(query: str) -> str:
    """``answer`` on a server worker thread, with a usable database connection."""
    close_old_connections()
    return answer(query)


def release() -> None:
    """Close this worker thread's database connections (the server is stopping)."""
    connections.close_all()


def answer(query: str) -> str:
    """The WHOIS answer to one query line: a domain's record, ``No match for "X".``, or a
    ``% Error:`` line for a query that is not a domain name. A leading ``domain`` keyword
    (as Verisign takes it) is allowed; Unicode names are looked up by their A-labels.
    Tests call this directly, inside their own transaction."""
    text = query.strip()
    keyword, _, rest = text.partition(" ")
    if keyword.lower() == "domain":
        text = rest.strip()
    if not text:
        metrics.count("invalid")
        return f"% Error: empty query; ask for a domain name like example.com{CRLF}"
    try:
        parsed = parse_name(text)
        domain = queries.find_domain(parsed.ascii)
    except InvalidName as exc:
        metrics.count("invalid")
        return f'% Error: invalid query "{_printable(text)}": {_printable(exc.message)}{CRLF}'
    except ObjectNotFound:
        lines = [f'No match for "{parsed.ascii.upper()}".', *_footer(clock.now())]
        metrics.count("not_found")
    else:
        lines = render_domain(domain, clock.now())
        metrics.count("answered")
    return CRLF.join(lines) + CRLF
