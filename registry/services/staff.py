"""What registry staff do: server statuses on domains, and the TLDs' reserved and premium
lists imported from CSV.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from registry import zones
from registry.choices import SERVER_STATUSES, EppStatus, NameList, OperationKind
from registry.errors import InvalidName, ParameterError, UnknownTld
from registry.models import DomainStatus, Operation, PremiumName, ReservedName, Tld
from registry.names import parse_domain_name
from registry.services.objects import live_domain, record_history
from registry.services.results import ImportResult, OperationResult
from registry.services.transform import run_transform


def set_server_status(
    name: str,
    status: EppStatus,
    *,
    on: bool,
    actor: str,
    reason: str = "",
    cl_trid: str | None = None,
) -> OperationResult:
    """Set (``on``) or clear a server status of a domain, as registry staff ``actor``.

    Registrars cannot touch server statuses. The operation runs under the sponsoring
    registrar, so it sits in that registrar's operations and the domain's history, with
    ``actor`` naming the staff user. serverHold only takes the domain out of its TLD
    zone (see ``zones.build_tld``); it blocks no command. Adding a status the domain has,
    or removing one it lacks, is refused like an EPP update would be.
    """
    if status not in SERVER_STATUSES:
        raise ParameterError(f"{status!r} is not a server status")
    if not actor:
        raise ParameterError("a server status change names the staff user who makes it")
    if len(reason) > 200:
        raise ParameterError("a status reason is at most 200 characters long")
    parsed = parse_domain_name(name)
    sponsor = live_domain(parsed.ascii).registrar
    status = EppStatus(status)
    params = {"name": parsed.ascii, "status": status.value, "on": on, "reason": reason, "actor": actor}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        if domain.registrar_id != sponsor.pk:  # transferred since we looked it up
            raise ParameterError(f"the sponsor of {domain.unicode_name} changed; try again")
        before = domain.stored_statuses()
        if on and status in before:
            raise ParameterError(f"domain {domain.unicode_name} already has status {status}")
        if not on and status not in before:
            raise ParameterError(f"domain {domain.unicode_name} does not have status {status}")
        if on:
            DomainStatus.objects.create(domain=domain, status=status, reason=reason, created_at=now)
        else:
            domain.statuses.filter(status=status).delete()
        after = (before | {status}) if on else (before - {status})
        domain.updated_at = now
        domain.save(update_fields=["updated_at"])
        if status in zones.HOLD_STATUSES:
            zones.request_after_commit(zones.zone_of_tld(parsed.tld), [domain.name])
        changes: dict[str, Any] = {"statuses": [sorted(before), sorted(after)]}
        if reason:
            changes["reason"] = reason
        record_history(domain, operation, now, changes=changes, actor=actor)
        return {"name": domain.name, "statuses": sorted(after)}

    return run_transform(sponsor, OperationKind.DOMAIN_SERVER_STATUS, cl_trid, params, body)


MAX_IMPORT_ROWS = 10_000


def _import_label(tld: Tld, cell: str, where: str) -> str:
    try:
        return parse_domain_name(f"{cell.strip()}.{tld.name}").labels[0]
    except InvalidName as exc:
        raise ParameterError(f"{where}: {cell!r} is not a label under .{tld.name} ({exc.message})") from None


def _import_row(tld: Tld, kind: NameList, cells: list[str], where: str) -> tuple[str, str | int]:
    """(label, reason) or (label, fee) of one CSV row, or ParameterError naming the row."""
    if kind == NameList.RESERVED:
        if len(cells) > 2:
            raise ParameterError(
                f"{where}: a reserved name row is a label and an optional reason; got {len(cells)} columns"
            )
        reason = cells[1].strip() if len(cells) == 2 else ""
        longest = ReservedName._meta.get_field("reason").max_length or 0
        if len(reason) > longest:
            raise ParameterError(f"{where}: the reason is longer than {longest} characters")
        return _import_label(tld, cells[0], where), reason
    if len(cells) != 2:
        raise ParameterError(
            f"{where}: a premium name row is a label and a fee in minor units; got {len(cells)} columns"
        )
    fee = cells[1].strip()
    if not re.fullmatch(r"[0-9]{1,15}", fee) or int(fee) == 0:
        raise ParameterError(f"{where}: the fee {fee!r} is not a positive whole number of minor units (cents)")
    return _import_label(tld, cells[0], where), int(fee)


def import_name_list(tld_name: str, kind: NameList, rows: Iterable[Sequence[str]]) -> ImportResult:
    """Add reserved or premium labels to a TLD from CSV rows, or update the ones it has.

    Reserved rows are ``label[,reason]``, premium rows ``label,fee`` with the per-year
    fee in minor units. Rows count from 1 as in the file; a first row whose first cell
    is ``label`` is a header, blank rows are skipped. All or nothing: the first bad row
    raises ``ParameterError`` naming it, and nothing is written.
    """
    kind = NameList(kind)
    tld = Tld.objects.filter(name=tld_name).first()
    if tld is None:
        raise UnknownTld(f".{tld_name} is not a TLD this registry runs")
    parsed: dict[str, str | int] = {}
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        if number > MAX_IMPORT_ROWS:
            raise ParameterError(f"at most {MAX_IMPORT_ROWS} rows per import")
        cells = [str(cell) for cell in raw]
        if not any(cell.strip() for cell in cells):
            continue
        if number == 1 and cells[0].strip().lower() == "label":
            continue
        where = f"row {number}"
        label, value = _import_row(tld, kind, cells, where)
        if label in first_row:
            raise ParameterError(f"{where}: {label} is listed already in row {first_row[label]}")
        first_row[label] = number
        parsed[label] = value
    if not parsed:
        raise ParameterError("the file has no rows to import")

    model: type[ReservedName] | type[PremiumName] = ReservedName if kind == NameList.RESERVED else PremiumName
    field_name = "reason" if kind == NameList.RESERVED else "annual_fee"
    entries: list[Any] = [model(tld=tld, label=label, **{field_name: value}) for label, value in parsed.items()]
    with transaction.atomic():
        existing = set(model.objects.filter(tld=tld, label__in=parsed).values_list("label", flat=True))
        # One upsert: a concurrent import of the same label updates instead of failing.
        model.objects.bulk_create(
            entries, update_conflicts=True, unique_fields=["tld", "label"], update_fields=[field_name]
        )
    return ImportResult(created=len(parsed) - len(existing), updated=len(existing))
