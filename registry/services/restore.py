"""RGP restore (RFC 3915): the request that brings a domain back from redemption, and the
report that completes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from registry import zones
from registry.choices import EppStatus, OperationKind, RgpStatus
from registry.errors import ParameterError, StatusProhibits
from registry.models import Domain, Operation, Registrar
from registry.names import parse_domain_name
from registry.services.billing import debit
from registry.services.dates import add_years
from registry.services.graces import enter_phase
from registry.services.objects import live_domain, record_history, require_sponsor
from registry.services.pricing import check_fee, price_restore, tld_for
from registry.services.results import OperationResult
from registry.services.transform import run_transform

_REPORT_FIELDS = ("pre_data", "post_data", "deleted_at", "restored_at", "reason", "statements")


def _finish_restore(domain: Domain, now: datetime) -> None:
    domain.statuses.filter(status=EppStatus.PENDING_DELETE).delete()
    domain.rgp_status, domain.rgp_ends_at, domain.redemption_ends_at = "", None, None


def restore_domain(
    registrar: Registrar,
    name: str,
    *,
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """RGP restore request (RFC 3915) for a domain in its redemption period.

    The sponsor pays the TLD's restore fee, plus a year's renewal when the domain has
    expired meanwhile; the domain is back in its zone at once and waits for the restore
    report (pendingRestore) for the TLD's pending-restore period. Without a report by then
    it falls back into redemption. A TLD with no pending-restore period restores on the
    request alone.
    """
    parsed = parse_domain_name(name)
    params = {"name": parsed.ascii, "expected_fee": expected_fee}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        if domain.rgp_status != RgpStatus.REDEMPTION_PERIOD:
            where = f"in its {domain.rgp_status}" if domain.rgp_status else "not deleted"
            raise StatusProhibits(
                f"domain {domain.unicode_name} is {where}; only a domain in its redemption period can be restored"
            )
        tld = tld_for(parsed)
        price = price_restore(tld, domain.expires_at, now)
        years, fee = price.renew_years, price.fee
        renew_fee = fee - tld.restore_fee
        check_fee(expected_fee, fee, f"restoring {domain.unicode_name}")
        debit(registrar, tld.restore_fee, operation, f"Restore {domain.unicode_name}", now)
        changes: dict[str, Any] = {"rgp_status": [domain.rgp_status]}
        if years:
            debit(registrar, renew_fee, operation, f"Renew {domain.unicode_name} for {years} year(s) on restore", now)
            after = add_years(domain.expires_at, years)
            changes["expires_at"] = [domain.expires_at.isoformat(), after.isoformat()]
            domain.expires_at = after
        if domain.tld.pending_restore_days:
            enter_phase(domain, RgpStatus.PENDING_RESTORE, now + timedelta(days=domain.tld.pending_restore_days))
        else:
            _finish_restore(domain, now)
        changes["rgp_status"].append(domain.rgp_status)
        domain.updated_at = now
        domain.save()
        zones.request_after_commit(zones.zone_of_tld(parsed.tld), [domain.name])
        record_history(domain, operation, now, period=years or None, changes=changes)
        return {
            "name": domain.name,
            "rgp_status": domain.rgp_status,
            "report_due": domain.rgp_ends_at.isoformat() if domain.rgp_ends_at else None,
            "expires_at": domain.expires_at.isoformat(),
            "fee": fee,
        }

    return run_transform(registrar, OperationKind.DOMAIN_RESTORE, cl_trid, params, body)


def report_restore(
    registrar: Registrar, name: str, report: dict[str, Any], *, cl_trid: str | None = None
) -> OperationResult:
    """RGP restore report (RFC 3915 section 4.2.5): the domain's data before the delete
    and after the restore, the reason and the registrar's statements. It completes a
    restore request; the report is kept in the domain's history."""
    parsed = parse_domain_name(name)
    if not isinstance(report, dict):
        raise ParameterError("a restore report is an object")
    missing = [key for key in _REPORT_FIELDS if not report.get(key)]
    if missing:
        raise ParameterError(f"a restore report needs {', '.join(missing)}")
    statements = report["statements"]
    if not isinstance(statements, list) or not all(isinstance(x, str) and x.strip() for x in statements):
        raise ParameterError("statements is a list of non-empty texts")
    clean = {key: report[key] for key in (*_REPORT_FIELDS, "other") if key in report}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        if domain.rgp_status != RgpStatus.PENDING_RESTORE:
            raise StatusProhibits(f"no restore request of {domain.unicode_name} waits for its report")
        _finish_restore(domain, now)
        domain.updated_at = now
        domain.save()
        record_history(domain, operation, now, changes={"rgp_status": [RgpStatus.PENDING_RESTORE, ""], "report": clean})
        return {"name": domain.name, "rgp_status": "", "expires_at": domain.expires_at.isoformat()}

    return run_transform(registrar, OperationKind.DOMAIN_RESTORE_REPORT, cl_trid, {"name": parsed.ascii} | clean, body)
