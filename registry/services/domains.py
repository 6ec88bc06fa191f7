"""Domain objects (RFC 5731): check, info, create, renew, update and delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from config import clock
from registry import lookups, zones
from registry.choices import CLIENT_STATUSES, CheckStatus, EppStatus, OperationKind, RgpStatus
from registry.errors import (
    AssociationProhibits,
    DomainReserved,
    DomainUnavailable,
    ExpiryMismatch,
    InvalidName,
    ParameterError,
)
from registry.models import (
    MAX_PERIOD_YEARS,
    DelegationSigner,
    Domain,
    DomainStatus,
    Operation,
    Registrar,
    Tld,
    new_auth_info,
    with_derived_statuses,
)
from registry.names import ParsedName, parse_domain_name
from registry.services import disclosure
from registry.services.billing import debit
from registry.services.contacts import own_contact
from registry.services.dates import add_years
from registry.services.graces import current_graces, open_grace, refund_graces, start_deletion, with_phase
from registry.services.hosts import resolve_hosts
from registry.services.objects import live_domain, record_history, require_allowed, require_sponsor
from registry.services.pricing import check_fee, check_period, fees_at, tld_fee, tld_for
from registry.services.results import DomainInfo, NameCheck, OperationResult
from registry.services.transform import run_transform
from registry.services.validation import (
    MAX_CHECK_NAMES,
    ds_records,
    ds_text,
    nameserver_names,
    validate_auth_info,
    validate_nameservers,
)


def check(names: Iterable[str]) -> list[NameCheck]:
    """Availability of each name, in the order given (at most 50 per call)."""
    names = list(names)
    if len(names) > MAX_CHECK_NAMES:
        raise ParameterError(f"at most {MAX_CHECK_NAMES} names per check; {len(names)} given")
    parsed: dict[int, ParsedName] = {}
    results: dict[int, NameCheck] = {}
    for i, raw in enumerate(names):
        try:
            parsed[i] = parse_domain_name(raw)
        except InvalidName as exc:
            results[i] = NameCheck(name=str(raw), status=CheckStatus.INVALID, reason=exc.message)

    tlds = {t.name: t for t in Tld.objects.filter(name__in={p.tld for p in parsed.values()})}
    ascii_names = {p.ascii for p in parsed.values()}
    taken = dict(Domain.objects.filter(name__in=ascii_names, deleted_at=None).values_list("name", "rgp_status"))
    policies = lookups.label_policies(tlds, {p.labels[0] for p in parsed.values()})
    reserved, premium = policies.reserved, policies.premium

    for i, p in parsed.items():
        base: dict[str, Any] = {"name": str(names[i]), "ascii": p.ascii, "unicode": p.unicode}
        tld = tlds.get(p.tld)
        key = (p.tld, p.labels[0])
        if tld is None:
            results[i] = NameCheck(
                **base, status=CheckStatus.INVALID, reason=f".{p.tld} is not a TLD this registry runs"
            )
        elif p.is_idn and not tld.allows_idn:
            results[i] = NameCheck(**base, status=CheckStatus.INVALID, reason=f".{tld.name} does not accept IDN names")
        elif p.ascii in taken:
            phase = taken[p.ascii]
            reason = f"deleted, in its {phase}; free again once purged" if phase else "already registered"
            results[i] = NameCheck(**base, status=CheckStatus.UNAVAILABLE, reason=reason)
        elif key in reserved:
            results[i] = NameCheck(
                **base, status=CheckStatus.RESERVED, reason=reserved[key] or "reserved by registry policy"
            )
        else:
            fees = fees_at(tld, premium.get(key))
            results[i] = NameCheck(
                **base,
                min_years=tld.min_years,
                max_years=tld.max_years,
                status=CheckStatus.PREMIUM if key in premium else CheckStatus.AVAILABLE,
                reason="premium name" if key in premium else "",
                create_fee=fees.create,
                renew_fee=fees.renew,
                transfer_fee=fees.transfer,
                restore_fee=fees.restore,
            )
    return [results[i] for i in range(len(names))]


def info_domain(name: str, *, registrar: Registrar | None = None, auth_info: str | None = None) -> DomainInfo:
    """A domain's data as ``registrar`` (None: anonymous) may see it (``disclosure``): the
    auth info and the registrant only for its sponsor or one who gave the right auth info;
    a wrong one is refused."""
    domain = live_domain(name)
    sees_secrets = disclosure.viewer(
        registrar, (domain.registrar_id,), domain.auth_info, auth_info, domain.unicode_name
    ).sees_secrets
    facets = lookups.domain_facets(domain.pk, clock.now())
    return DomainInfo(
        name=domain.name,
        unicode_name=domain.unicode_name,
        roid=domain.roid,
        registrar=domain.registrar.client_id,
        registrant=domain.registrant.handle if domain.registrant and sees_secrets else None,
        statuses=with_derived_statuses(facets.statuses, has_nameservers=bool(facets.nameservers)),
        nameservers=facets.nameservers,
        created_at=domain.created_at,
        expires_at=domain.expires_at,
        updated_at=domain.updated_at,
        auth_info=domain.auth_info if sees_secrets else None,
        ds=facets.ds,
        hosts=facets.hosts,
        transfer_status=facets.transfer_status,
        rgp_statuses=with_phase(facets.graces, domain),
    )


def carrying_status(names: Iterable[str], status: str) -> set[str]:
    """Which of the live domains ``names`` carry the status ``status`` (one query)."""
    rows = DomainStatus.objects.filter(domain__name__in=list(names), domain__deleted_at=None, status=status)
    return set(rows.values_list("domain__name", flat=True))


def create_domain(
    registrar: Registrar,
    name: str,
    *,
    years: int = 1,
    nameservers: Sequence[str] = (),
    registrant: str | None = None,
    auth_info: str | None = None,
    ds: Sequence[dict[str, Any]] = (),
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """Register ``name`` for ``years``, debiting the registrar the fee for that name."""
    parsed = parse_domain_name(name)
    ns_names = validate_nameservers(nameservers)
    ds_rows = ds_records(ds)
    if auth_info is not None:
        validate_auth_info(auth_info)
    params = {
        "name": parsed.ascii,
        "years": years,
        "nameservers": ns_names,
        "registrant": registrant,
        "auth_info": auth_info,
        "expected_fee": expected_fee,
    }
    if ds_rows:
        params["ds"] = ds_rows

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        tld = tld_for(parsed)
        if parsed.is_idn and not tld.allows_idn:
            raise InvalidName(f".{tld.name} does not accept IDN names")
        check_period(tld, years)
        if tld.is_reserved:
            raise DomainReserved(f"{parsed.unicode} is reserved and cannot be registered")
        fee = tld_fee(tld, "create") * years
        check_fee(expected_fee, fee, f"registering {parsed.unicode} for {years} year(s)")
        contact = None
        if registrant is not None:
            contact = own_contact(registrar, registrant)
        domain = Domain(
            name=parsed.ascii,
            unicode_name=parsed.unicode,
            tld=tld,
            registrar=registrar,
            registrant=contact,
            auth_info=auth_info or new_auth_info(),
            created_at=now,
            expires_at=add_years(now, years),
            updated_at=now,
        )
        try:
            with transaction.atomic(savepoint=False):  # a clash ends the transform: no savepoint to return to
                domain.save()
        except IntegrityError:  # the live name is unique: it is registered already
            raise DomainUnavailable(f"{parsed.unicode} is already registered") from None
        if ns_names:
            domain.nameservers.add(*resolve_hosts(registrar, ns_names, now))
            zones.request_after_commit(zones.zone_of_tld(tld.name), [domain.name])
        DelegationSigner.objects.bulk_create(DelegationSigner(domain=domain, **row) for row in ds_rows)
        debit(registrar, fee, operation, f"Create {parsed.unicode} for {years} year(s)", now)
        open_grace(domain, RgpStatus.ADD_PERIOD, registrar, fee, years, operation, now, tld.add_grace_days)
        record_history(
            domain,
            operation,
            now,
            period=years,
            changes={"expires_at": [None, domain.expires_at.isoformat()], "nameservers": [[], ns_names]},
        )
        return {
            "name": domain.name,
            "unicode_name": domain.unicode_name,
            "created_at": domain.created_at.isoformat(),
            "expires_at": domain.expires_at.isoformat(),
            "fee": fee,
        }

    return run_transform(registrar, OperationKind.DOMAIN_CREATE, cl_trid, params, body)


def renew_domain(
    registrar: Registrar,
    name: str,
    *,
    current_expiry: date,
    years: int = 1,
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """Extend a domain by ``years``. ``current_expiry`` must be the domain's expiry date
    (as in EPP's curExpDate), so a repeated renew cannot extend it twice."""
    parsed = parse_domain_name(name)
    params = {"name": parsed.ascii, "years": years, "current_expiry": str(current_expiry), "expected_fee": expected_fee}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        require_allowed(domain, "renew")
        check_period(domain.tld, years)
        if domain.expires_at.date() != current_expiry:
            raise ExpiryMismatch(
                f"the current expiry date of {domain.unicode_name} is {domain.expires_at.date()}, not {current_expiry}"
            )
        new_expiry = add_years(domain.expires_at, years)
        if new_expiry > add_years(now, MAX_PERIOD_YEARS):
            raise ParameterError(
                f"renewing {domain.unicode_name} by {years} year(s) would take it past "
                f"{MAX_PERIOD_YEARS} years from today"
            )
        fee = tld_fee(tld_for(parsed), "renew") * years
        check_fee(expected_fee, fee, f"renewing {domain.unicode_name} for {years} year(s)")
        before = domain.expires_at
        domain.expires_at, domain.updated_at = new_expiry, now
        domain.save(update_fields=["expires_at", "updated_at"])
        debit(registrar, fee, operation, f"Renew {domain.unicode_name} for {years} year(s)", now)
        open_grace(domain, RgpStatus.RENEW_PERIOD, registrar, fee, years, operation, now, domain.tld.renew_grace_days)
        record_history(
            domain, operation, now, period=years, changes={"expires_at": [before.isoformat(), new_expiry.isoformat()]}
        )
        return {"name": domain.name, "expires_at": new_expiry.isoformat(), "fee": fee}

    return run_transform(registrar, OperationKind.DOMAIN_RENEW, cl_trid, params, body)


def update_nameservers(
    registrar: Registrar, name: str, nameservers: Sequence[str], *, cl_trid: str | None = None
) -> OperationResult:
    """Replace a domain's nameservers with ``nameservers`` (none leaves it inactive)."""
    parsed = parse_domain_name(name)
    ns_names = validate_nameservers(nameservers)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        require_allowed(domain, "update")
        before = sorted(domain.nameservers.values_list("name", flat=True))
        domain.nameservers.set(resolve_hosts(registrar, ns_names, now))
        zones.request_after_commit(zones.zone_of_tld(parsed.tld), [domain.name])
        domain.updated_at = now
        domain.save(update_fields=["updated_at"])
        record_history(domain, operation, now, changes={"nameservers": [before, sorted(ns_names)]})
        return {"name": domain.name, "nameservers": ns_names}

    return run_transform(
        registrar, OperationKind.DOMAIN_UPDATE, cl_trid, {"name": parsed.ascii, "nameservers": ns_names}, body
    )


def _status_changes(current: set[str], add: Sequence[str], remove: Sequence[str], name: str) -> set[str]:
    """The statuses after a client's add/remove, or ParameterError."""
    for status in (*add, *remove):
        if status not in CLIENT_STATUSES:
            raise ParameterError(f"{str(status)!r} is not a status a registrar may set or clear")
    for status in add:
        if status in current:
            raise ParameterError(f"domain {name} already has status {status}")
    for status in remove:
        if status not in current:
            raise ParameterError(f"domain {name} does not have status {status}")
    return (current - set(remove)) | set(add)


def _change_statuses(
    domain: Domain, current: set[str], add: list[str], remove: list[str], changes: dict[str, Any], now: datetime
) -> bool:
    """Apply a client's status changes; whether the domain's zone must be built anew (a
    hold status came or went)."""
    statuses = _status_changes(current, add, remove, domain.unicode_name)
    if statuses == current:
        return False
    domain.statuses.filter(status__in=remove).delete()
    DomainStatus.objects.bulk_create(DomainStatus(domain=domain, status=status, created_at=now) for status in add)
    changes["statuses"] = [sorted(current), sorted(statuses)]
    return bool(set(add + remove) & set(zones.HOLD_STATUSES))


def _change_nameservers(
    registrar: Registrar, domain: Domain, add: list[str], remove: list[str], changes: dict[str, Any], now: datetime
) -> None:
    before = sorted(domain.nameservers.values_list("name", flat=True))
    for host in remove:
        if host not in before:
            raise ParameterError(f"{host} is not a nameserver of {domain.unicode_name}")
    for host in add:
        if host in before:
            raise ParameterError(f"{host} is a nameserver of {domain.unicode_name} already")
    after = validate_nameservers([h for h in before if h not in remove] + add)
    domain.nameservers.set(resolve_hosts(registrar, after, now))
    changes["nameservers"] = [before, sorted(after)]


def _change_ds(
    domain: Domain, add: list[dict[str, Any]], remove: list[dict[str, Any]], remove_all: bool, changes: dict[str, Any]
) -> None:
    before = [ds.as_dict() for ds in domain.ds_records.all()]
    kept = [] if remove_all else list(before)
    for row in remove:
        if row not in kept:
            raise ParameterError(f"{domain.unicode_name} has no DS record {ds_text(row)}")
        kept.remove(row)
    for row in add:
        if row in kept:
            raise ParameterError(f"{domain.unicode_name} has DS record {ds_text(row)} already")
    after = ds_records(kept + add)
    domain.ds_records.all().delete()
    DelegationSigner.objects.bulk_create(DelegationSigner(domain=domain, **row) for row in after)
    changes["ds"] = [[ds_text(r) for r in before], [ds_text(r) for r in after]]


def update_domain(
    registrar: Registrar,
    name: str,
    *,
    add_nameservers: Sequence[str] = (),
    remove_nameservers: Sequence[str] = (),
    add_statuses: Sequence[str] = (),
    remove_statuses: Sequence[str] = (),
    registrant: str | None = None,
    auth_info: str | None = None,
    add_ds: Sequence[dict[str, Any]] = (),
    remove_ds: Sequence[dict[str, Any]] = (),
    remove_all_ds: bool = False,
    cl_trid: str | None = None,
) -> OperationResult:
    """Change a domain as EPP's domain update does: add or remove nameservers, client
    statuses and DS records, change the registrant or the auth info. Only the sponsor
    may, and an update that only lifts clientUpdateProhibited is allowed while it is set."""
    parsed = parse_domain_name(name)
    ns_add, ns_remove = nameserver_names(add_nameservers), nameserver_names(remove_nameservers)
    ds_add, ds_remove = ds_records(add_ds), ds_records(remove_ds)
    add_statuses, remove_statuses = sorted(set(add_statuses)), sorted(set(remove_statuses))
    if auth_info is not None:
        validate_auth_info(auth_info)
    params = {
        "name": parsed.ascii,
        "ns": [ns_add, ns_remove],
        "statuses": [add_statuses, remove_statuses],
        "registrant": registrant,
        "auth_info": auth_info,
        "ds": [ds_add, ds_remove, remove_all_ds],
    }
    if not (ns_add or ns_remove or add_statuses or remove_statuses or registrant or auth_info) and not (
        ds_add or ds_remove or remove_all_ds
    ):
        raise ParameterError(f"the update of {parsed.unicode} changes nothing")

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        current = domain.stored_statuses()
        lifts_lock = EppStatus.CLIENT_UPDATE_PROHIBITED in remove_statuses
        require_allowed(domain, "update", ignore=frozenset({EppStatus.CLIENT_UPDATE_PROHIBITED} if lifts_lock else ()))
        changes: dict[str, Any] = {}
        republish = _change_statuses(domain, current, add_statuses, remove_statuses, changes, now)
        if ns_add or ns_remove:
            _change_nameservers(registrar, domain, ns_add, ns_remove, changes, now)
            republish = True
        if ds_add or ds_remove or remove_all_ds:
            _change_ds(domain, ds_add, ds_remove, remove_all_ds, changes)
            republish = True

        fields = ["updated_at"]
        if registrant is not None:
            contact = own_contact(registrar, registrant)
            changes["registrant"] = [domain.registrant.handle if domain.registrant else None, contact.handle]
            domain.registrant = contact
            fields.append("registrant")
        if auth_info is not None:
            domain.auth_info = auth_info
            changes["auth_info"] = ["(hidden)", "(changed)"]
            fields.append("auth_info")
        domain.updated_at = now
        domain.save(update_fields=fields)
        if republish:
            zones.request_after_commit(zones.zone_of_tld(parsed.tld), [domain.name])
        record_history(domain, operation, now, changes=changes)
        return {"name": domain.name, "changed": sorted(changes)}

    return run_transform(registrar, OperationKind.DOMAIN_UPDATE, cl_trid, params, body)


def delete_domain(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a domain (RFC 5731, with the grace periods of RFC 3915).

    Within its add grace period the domain goes at once: the name is free again and the
    create fee comes back. Otherwise it enters its redemption period (pendingDelete, out
    of the zone, restorable with the restore fee) and is purged when the TLD's redemption
    and pending-delete periods have passed. Either way, every grace period the domain is
    in refunds what its command cost (a renew, the registry's auto-renewal, a transfer).
    """
    parsed = parse_domain_name(name)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        domain = live_domain(parsed.ascii, lock=True)
        require_sponsor(domain, registrar)
        require_allowed(domain, "delete")
        subordinate = list(domain.subordinate_hosts.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if subordinate:
            raise AssociationProhibits(f"delete the hosts under {domain.unicode_name} first: {', '.join(subordinate)}")
        graces = current_graces(domain, now)
        before = domain.expires_at
        refunded = refund_graces(domain, graces, operation, now)
        changes: dict[str, Any] = {}
        if domain.expires_at != before:
            changes["expires_at"] = [before.isoformat(), domain.expires_at.isoformat()]
        domain.updated_at = now
        if any(g.kind == RgpStatus.ADD_PERIOD for g in graces):
            domain.deleted_at = now
            zones.request_after_commit(zones.zone_of_tld(parsed.tld), [domain.name])
            data = {"name": domain.name, "deleted_at": now.isoformat(), "pending": False}
            changes["deleted_at"] = [None, now.isoformat()]
        else:
            redemption_ends = start_deletion(domain, now)
            data = {
                "name": domain.name,
                "pending": True,
                "rgp_status": domain.rgp_status,
                "redemption_ends_at": redemption_ends.isoformat(),
            }
            changes["rgp_status"] = ["", domain.rgp_status]
        domain.save()
        if refunded:
            changes["refunded"] = refunded
        record_history(domain, operation, now, changes=changes)
        return data | {"refunded": refunded}

    return run_transform(registrar, OperationKind.DOMAIN_DELETE, cl_trid, {"name": parsed.ascii}, body)
