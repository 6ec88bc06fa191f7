"""Transfers (RFC 5731 section 3.2.4): request, approve, reject, cancel, query, and the
registry's approval of the transfers nobody answered.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from config import clock
from registry.choices import EppStatus, LedgerKind, OperationKind, PollKind, RgpStatus, TransferStatus
from registry.errors import (
    InvalidAuthorization,
    NotEligibleForTransfer,
    NotSponsor,
    ObjectNotFound,
    ParameterError,
    PendingTransfer,
)
from registry.models import MAX_PERIOD_YEARS, DomainStatus, Operation, Registrar, Transfer, new_auth_info
from registry.names import ParsedName, parse_domain_name
from registry.services import disclosure
from registry.services.billing import debit, ledger
from registry.services.dates import add_years
from registry.services.graces import close_graces, current_graces, open_grace, refund_graces
from registry.services.objects import live_domain, record_history, require_allowed
from registry.services.poll import post_poll
from registry.services.pricing import check_fee, check_period, tld_fee, tld_for
from registry.services.results import OperationResult, TransferInfo
from registry.services.transform import fingerprint, run_transform


def _transfer_data(transfer: Transfer) -> dict[str, Any]:
    return {
        "name": transfer.domain.name,
        "status": transfer.status,
        "gaining": transfer.gaining.client_id,
        "losing": transfer.losing.client_id,
        "requested_at": transfer.requested_at.isoformat(),
        "act_by": transfer.act_by.isoformat(),
        "expires_at": transfer.expires_at_after.isoformat() if transfer.expires_at_after else None,
        "fee": transfer.fee,
    }


def _tell_both(transfer: Transfer, message: str, now: datetime) -> None:
    """A poll message about the transfer to each of its two registrars."""
    data = _transfer_data(transfer)
    for party in (transfer.losing, transfer.gaining):
        post_poll(party, PollKind.TRANSFER, transfer.domain.name, message, data, now)


def request_transfer(
    registrar: Registrar,
    name: str,
    *,
    auth_info: str,
    years: int = 1,
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """Ask for a domain to move to ``registrar``, proving the right with its auth info.

    The transfer fee is charged now and refunded if the transfer is rejected or cancelled;
    the losing registrar has the TLD's pending-transfer period to act before the registry
    approves it.
    """
    parsed = parse_domain_name(name)
    params = {
        "name": parsed.ascii,
        "years": years,
        "expected_fee": expected_fee,
        "auth": fingerprint("auth", {"a": auth_info}),
    }

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        if domain.registrar_id == registrar.pk:
            raise NotEligibleForTransfer(f"{domain.unicode_name} is sponsored by {registrar.client_id} already")
        if not auth_info or not secrets.compare_digest(str(auth_info).encode(), domain.auth_info.encode()):
            raise InvalidAuthorization(f"the auth info given for {domain.unicode_name} is wrong")
        if EppStatus.PENDING_TRANSFER in domain.stored_statuses():
            raise PendingTransfer(f"a transfer of {domain.unicode_name} is pending already")
        require_allowed(domain, "transfer")
        check_period(domain.tld, years)
        fee = tld_fee(tld_for(parsed), "transfer") * years
        check_fee(expected_fee, fee, f"transferring {domain.unicode_name} for {years} year(s)")
        expires = add_years(domain.expires_at, years)
        if expires > add_years(now, MAX_PERIOD_YEARS):
            raise ParameterError(f"a transfer of {domain.unicode_name} would take it past {MAX_PERIOD_YEARS} years")
        transfer = Transfer.objects.create(
            domain=domain,
            gaining=registrar,
            losing=domain.registrar,
            period_years=years,
            fee=fee,
            requested_at=now,
            act_by=now + timedelta(days=domain.tld.pending_transfer_days),
            expires_at_after=expires,
        )
        DomainStatus.objects.create(domain=domain, status=EppStatus.PENDING_TRANSFER, created_at=now)
        debit(registrar, fee, operation, f"Transfer of {domain.unicode_name} (refunded unless approved)", now)
        record_history(domain, operation, now, period=years, changes={"transfer": [None, TransferStatus.PENDING]})
        _tell_both(transfer, f"Transfer of {domain.unicode_name} to {registrar.client_id} requested.", now)
        return _transfer_data(transfer)

    return run_transform(registrar, OperationKind.DOMAIN_TRANSFER_REQUEST, cl_trid, params, body)


def _pending_transfer(parsed: ParsedName) -> Transfer:
    domain = live_domain(parsed.ascii, lock=True)
    transfer = (
        Transfer.objects.select_related("gaining", "losing")
        .filter(domain=domain, status=TransferStatus.PENDING)
        .first()
    )
    if transfer is None:
        raise NotEligibleForTransfer(f"no transfer of {domain.unicode_name} is pending")
    transfer.domain = domain
    return transfer


def _close_transfer(transfer: Transfer, status: TransferStatus, operation: Operation, now: datetime) -> dict[str, Any]:
    """Settle a pending transfer: move the domain if approved, refund if not."""
    domain = transfer.domain
    domain.statuses.filter(status=EppStatus.PENDING_TRANSFER).delete()
    transfer.status, transfer.resolved_at = status, now
    transfer.save(update_fields=["status", "resolved_at"])
    changes: dict[str, Any] = {"transfer": [TransferStatus.PENDING, status]}
    if status in (TransferStatus.CLIENT_APPROVED, TransferStatus.SERVER_APPROVED):
        # The transfer's years replace the registry's auto-renewal when the domain is in
        # its auto-renew grace period: the losing registrar gets that charge back.
        graces = current_graces(domain, now)
        base = domain.expires_at
        auto_renewals = [g for g in graces if g.kind == RgpStatus.AUTO_RENEW_PERIOD]
        if auto_renewals:
            refund_graces(domain, auto_renewals, operation, now, why="transferred")
        close_graces(graces, now)
        transfer.expires_at_after = add_years(domain.expires_at, transfer.period_years)
        transfer.save(update_fields=["expires_at_after"])
        changes |= {
            "registrar": [transfer.losing.client_id, transfer.gaining.client_id],
            "expires_at": [base.isoformat(), transfer.expires_at_after.isoformat()],
        }
        domain.registrar, domain.expires_at = transfer.gaining, transfer.expires_at_after
        open_grace(
            domain,
            RgpStatus.TRANSFER_PERIOD,
            transfer.gaining,
            transfer.fee,
            transfer.period_years,
            operation,
            now,
            domain.tld.transfer_grace_days,
        )
        domain.auth_info, domain.updated_at = new_auth_info(), now
        domain.save(update_fields=["registrar", "expires_at", "auth_info", "updated_at"])
        # Hosts under the domain go with it: only the domain's sponsor can manage them.
        domain.subordinate_hosts.filter(deleted_at=None).update(registrar=transfer.gaining, updated_at=now)
        message = f"Transfer of {domain.unicode_name} to {transfer.gaining.client_id} approved."
    else:
        if transfer.fee:
            ledger(
                transfer.gaining,
                LedgerKind.REFUND,
                transfer.fee,
                operation,
                f"Refund: transfer of {domain.unicode_name} {status}",
                now,
            )
        word = "rejected" if status == TransferStatus.CLIENT_REJECTED else "cancelled"
        message = f"Transfer of {domain.unicode_name} to {transfer.gaining.client_id} {word}."
    record_history(domain, operation, now, changes=changes)
    _tell_both(transfer, message, now)
    return _transfer_data(transfer)


def _act_on_transfer(
    registrar: Registrar, name: str, kind: OperationKind, status: TransferStatus, cl_trid: str | None
) -> OperationResult:
    parsed = parse_domain_name(name)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        transfer = _pending_transfer(parsed)
        party = transfer.gaining if status == TransferStatus.CLIENT_CANCELLED else transfer.losing
        if party.pk != registrar.pk:
            role = "the gaining registrar cancels" if party == transfer.gaining else "the sponsoring registrar decides"
            raise NotSponsor(f"only {role} a transfer of {transfer.domain.unicode_name}")
        return _close_transfer(transfer, status, operation, now)

    return run_transform(registrar, kind, cl_trid, {"name": parsed.ascii}, body)


def approve_transfer(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """The sponsoring (losing) registrar lets the domain go."""
    return _act_on_transfer(
        registrar, name, OperationKind.DOMAIN_TRANSFER_APPROVE, TransferStatus.CLIENT_APPROVED, cl_trid
    )


def reject_transfer(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """The sponsoring (losing) registrar keeps the domain; the gaining one is refunded."""
    return _act_on_transfer(
        registrar, name, OperationKind.DOMAIN_TRANSFER_REJECT, TransferStatus.CLIENT_REJECTED, cl_trid
    )


def cancel_transfer(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """The gaining registrar withdraws its request and is refunded."""
    return _act_on_transfer(
        registrar, name, OperationKind.DOMAIN_TRANSFER_CANCEL, TransferStatus.CLIENT_CANCELLED, cl_trid
    )


def _pending_transfers() -> QuerySet[Transfer]:
    return Transfer.objects.filter(status=TransferStatus.PENDING)


def next_transfer_decision() -> datetime | None:
    return _pending_transfers().order_by("act_by").values_list("act_by", flat=True).first()


def approve_due_transfers() -> int:
    """The registry approves every pending transfer whose act-by time has passed (the
    losing registrar did not act); returns how many. Safe to run twice: each approval
    runs under a transaction id derived from the transfer."""
    due = _pending_transfers().filter(act_by__lte=clock.now())
    approved = 0
    for transfer_id, name, losing_id in due.values_list("id", "domain__name", "losing_id"):
        losing = Registrar.objects.get(pk=losing_id)

        def body(operation: Operation, now: datetime, name: str = name) -> dict[str, Any]:
            transfer = _pending_transfer(parse_domain_name(name))
            return _close_transfer(transfer, TransferStatus.SERVER_APPROVED, operation, now)

        try:
            run_transform(
                losing,
                OperationKind.DOMAIN_TRANSFER_APPROVE,
                f"auto-approve-{transfer_id}",
                {"name": name, "transfer": transfer_id},
                body,
            )
            approved += 1
        except NotEligibleForTransfer:  # settled by a registrar meanwhile
            continue
    return approved


def transfer_query(name: str, *, registrar: Registrar, auth_info: str | None = None) -> TransferInfo:
    """The latest transfer of a domain, for either party or one who gives the auth info."""
    domain = live_domain(name)
    transfer = domain.transfers.select_related("gaining", "losing").first()
    if transfer is None:
        raise ObjectNotFound(f"{domain.unicode_name} has never been transferred")
    parties = (transfer.gaining_id, transfer.losing_id)
    if not disclosure.viewer(registrar, parties, domain.auth_info, auth_info, domain.unicode_name).sees_secrets:
        raise NotSponsor(f"the transfers of {domain.unicode_name} concern other registrars")
    return TransferInfo(
        name=domain.name,
        status=transfer.status,
        gaining=transfer.gaining.client_id,
        losing=transfer.losing.client_id,
        requested_at=transfer.requested_at,
        act_by=transfer.act_by,
        expires_at=transfer.expires_at_after,
    )
