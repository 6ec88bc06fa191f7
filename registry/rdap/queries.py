"""Read-only lookups behind the public registration data services (RDAP and WHOIS).

Each function fetches one object with everything its answer shows in a fixed number of
queries, or raises ``InvalidName`` (the query is malformed: 400 in RDAP, an error line in
WHOIS) or ``ObjectNotFound`` (nothing by that name here: 404, "No match"). Deleted
objects are not found. Nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from registry.errors import InvalidName, ObjectNotFound
from registry.models import Contact, Domain, Host, HostAddress, Registrar, Tld
from registry.names import parse_host_name, parse_name

MAX_SEARCH_RESULTS = 50


def _domains() -> QuerySet[Domain]:
    hosts = Host.objects.prefetch_related(Prefetch("addresses", queryset=HostAddress.objects.order_by("address")))
    return (
        Domain.objects.filter(deleted_at=None)
        .select_related("registrar", "registrant")
        .prefetch_related(
            "statuses", "grace_periods", "ds_records", Prefetch("nameservers", queryset=hosts.order_by("name"))
        )
    )


def _live_domains_of(field: str) -> Exists:
    return Exists(Domain.objects.filter(deleted_at=None, **{field: OuterRef("pk")}))


def find_domain(raw: str) -> Domain:
    """The live domain named ``raw`` (Unicode or punycode, any case, trailing dot or not)."""
    parsed = parse_name(raw)
    if len(parsed.labels) != 2:
        raise ObjectNotFound(f"{parsed.unicode} is not a name directly under a TLD; no such domain is registered here")
    if not Tld.objects.filter(name=parsed.tld).exists():
        raise ObjectNotFound(f".{parsed.tld} is not a TLD this registry runs")
    domain = _domains().filter(name=parsed.ascii).first()
    if domain is None:
        raise ObjectNotFound(f"{parsed.unicode} is not registered")
    return domain


def find_host(raw: str) -> Host:
    """The live nameserver host named ``raw``, annotated with ``linked`` (named by a live domain)."""
    parsed = parse_host_name(raw)
    host = (
        Host.objects.filter(name=parsed.ascii, deleted_at=None)
        .select_related("registrar")
        .prefetch_related(Prefetch("addresses", queryset=HostAddress.objects.order_by("address")))
        .annotate(linked=_live_domains_of("nameservers"))
        .first()
    )
    if host is None:
        raise ObjectNotFound(f"no nameserver {parsed.ascii} is registered here")
    return host


def find_entity(handle: str) -> Registrar | Contact:
    """A registrar by IANA id or client id, else a live contact by its handle (annotated
    with ``linked``: named as registrant by a live domain). A registrar wins when a
    contact handle equals a registrar's client id."""
    handle = handle.strip()
    registrar = None
    if handle.isascii() and handle.isdigit():
        registrar = Registrar.objects.filter(iana_id=int(handle)).first()
    if registrar is None:
        registrar = Registrar.objects.filter(client_id=handle).first()
    if registrar is not None:
        return registrar
    contact = (
        Contact.objects.filter(handle=handle, deleted_at=None)
        .select_related("registrar")
        .annotate(linked=_live_domains_of("registrant"))
        .first()
    )
    if contact is None:
        raise ObjectNotFound(f"no registrar or contact {handle!r} is known here")
    return contact


@dataclass(frozen=True)
class DomainSearch:
    """Live domains matching a search pattern, and whether more matched than were kept."""

    domains: list[Domain]
    truncated: bool


_PREFIX = re.compile(r"[a-z0-9-]*")


def search_domains(pattern: str, *, limit: int | None = None) -> DomainSearch:
    """Domains matching ``pattern``: an exact name, or a partial first label ending in ``*``
    followed by the TLD (RFC 9082 section 4.1: ``exa*.com``), in name order; at most
    ``limit`` (default MAX_SEARCH_RESULTS) of them."""
    limit = MAX_SEARCH_RESULTS if limit is None else limit
    text = pattern.strip().lower().rstrip(".")
    if "*" not in text:
        try:
            return DomainSearch([find_domain(text)], truncated=False)
        except ObjectNotFound:
            return DomainSearch([], truncated=False)
    label, dot, tld = text.partition(".")
    if not dot or not label.endswith("*") or "*" in label[:-1] or "*" in tld or "." in tld:
        raise InvalidName("a search pattern is a label prefix ending in '*' and the TLD, like 'exa*.com'")
    prefix = label[:-1]
    if not prefix:
        raise InvalidName("a search pattern needs at least one character before the '*'")
    tld_ascii = parse_name(f"x.{tld}").tld
    rows = _domains().filter(tld__name=tld_ascii)
    if prefix.isascii():
        if not _PREFIX.fullmatch(prefix):
            raise InvalidName(f"{prefix!r} cannot start a label: only letters a-z, digits 0-9 and hyphens")
        rows = rows.filter(name__startswith=prefix)
    else:
        rows = rows.filter(unicode_name__startswith=prefix)
    found = list(rows.order_by("name")[: limit + 1])
    return DomainSearch(found[:limit], truncated=len(found) > limit)
