"""What the domain commands share: finding the live domain, checking who may act on it and
what its statuses allow, and writing its history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.choices import PROHIBITING
from registry.errors import NotSponsor, ObjectNotFound, StatusProhibits
from registry.models import Domain, DomainHistory, Operation, Registrar
from registry.names import parse_domain_name


def live_domain(name: str, *, lock: bool = False) -> Domain:
    parsed = parse_domain_name(name)
    rows = Domain.objects.filter(name=parsed.ascii, deleted_at=None)
    if lock:
        rows = rows.select_for_update(of=("self",))
    domain = rows.select_related("registrar", "tld", "registrant").first()
    if domain is None:
        raise ObjectNotFound(f"domain {parsed.unicode} does not exist")
    return domain


def require_sponsor(domain: Domain, registrar: Registrar) -> None:
    if domain.registrar_id != registrar.pk:
        raise NotSponsor(f"domain {domain.unicode_name} is sponsored by another registrar")


def require_allowed(domain: Domain, command: str, ignore: frozenset[str] = frozenset()) -> None:
    blocking = sorted((domain.stored_statuses() & PROHIBITING[command]) - ignore)
    if blocking:
        raise StatusProhibits(
            f"domain {domain.unicode_name} has status {', '.join(blocking)}; {command} is not allowed"
        )


def record_history(
    domain: Domain,
    operation: Operation,
    now: datetime,
    changes: dict[str, Any],
    period: int | None = None,
    actor: str = "",
) -> None:
    DomainHistory.objects.create(
        domain=domain,
        operation=operation,
        kind=operation.kind,
        registrar=operation.registrar,
        period_years=period,
        changes=changes,
        actor=actor,
        at=now,
    )
