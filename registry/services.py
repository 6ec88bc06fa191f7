"""Registry services: the one place where registry rules live.

EPP, the REST API, Celery tasks, admin actions and management commands all call these
functions, so their behaviour cannot drift apart. Each transform owns its database
transaction and is all or nothing: when it raises a ``RegistryError`` nothing it did is
kept. Each transform is idempotent on the client transaction id (``cl_trid``): the same
registrar sending the same id again gets the first result back and is charged nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from config import clock
from config.faults import pause_point
from config.money import format_money
from registry import lookups, zones
from registry.choices import (
    CLIENT_STATUSES,
    PROHIBITING,
    SERVER_STATUSES,
    CheckStatus,
    EppStatus,
    LedgerKind,
    NameList,
    OperationKind,
    PollKind,
    RgpStatus,
    TransferStatus,
)
from registry.errors import (
    AssociationProhibits,
    DomainReserved,
    DomainUnavailable,
    ExpiryMismatch,
    FeeMismatch,
    InsufficientFunds,
    InvalidAuthorization,
    InvalidName,
    NotEligibleForTransfer,
    NotSponsor,
    ObjectExists,
    ObjectNotFound,
    ParameterError,
    PendingTransfer,
    RegistryError,
    StatusProhibits,
    TransactionIdReused,
    UnknownRegistrar,
    UnknownTld,
)
from registry.models import (
    MAX_PERIOD_YEARS,
    Contact,
    DelegationSigner,
    Domain,
    DomainHistory,
    DomainStatus,
    GracePeriod,
    Host,
    HostAddress,
    LedgerEntry,
    Operation,
    PollMessage,
    PremiumName,
    Registrar,
    ReservedName,
    Tld,
    Transfer,
    new_auth_info,
    with_derived_statuses,
)
from registry.names import ParsedName, parse_domain_name, parse_host_name

log = logging.getLogger(__name__)

MIN_NAMESERVERS = 2
MAX_NAMESERVERS = 13
MAX_CHECK_NAMES = 50
MAX_IMPORT_ROWS = 10_000

# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameCheck:
    """The answer to ``check`` for one name."""

    name: str  # as asked
    status: CheckStatus
    ascii: str | None = None
    unicode: str | None = None
    reason: str = ""
    # Per-year fees for this name when it can be registered (premium or standard).
    create_fee: int | None = None
    renew_fee: int | None = None
    transfer_fee: int | None = None
    restore_fee: int | None = None  # once per restore, not per year
    min_years: int | None = None
    max_years: int | None = None

    @property
    def registrable(self) -> bool:
        return self.status in (CheckStatus.AVAILABLE, CheckStatus.PREMIUM)

    def as_dict(self) -> dict:
        return asdict(self) | {"status": self.status.value}


@dataclass(frozen=True)
class OperationResult:
    """What a transform returns: the transaction ids and the data of the response.

    ``replayed`` is true when the client transaction id had been used before and this is
    the first response, returned again without doing anything.
    """

    kind: str
    sv_trid: str
    cl_trid: str | None
    data: dict = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DomainInfo:
    name: str
    unicode_name: str
    roid: str
    registrar: str
    registrant: str | None
    statuses: list[str]
    nameservers: list[str]
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    auth_info: str | None  # only for the sponsoring registrar or one who knows it
    ds: list[dict] = field(default_factory=list)  # secDNS dsData
    hosts: list[str] = field(default_factory=list)  # subordinate hosts
    transfer_status: str | None = None  # trStatus of the latest transfer
    rgp_statuses: list[str] = field(default_factory=list)  # RFC 3915 grace and deletion phases


@dataclass(frozen=True)
class ObjectCheck:
    """The answer to a host or contact check for one identifier."""

    name: str
    available: bool
    reason: str = ""


@dataclass(frozen=True)
class HostInfo:
    name: str
    roid: str
    registrar: str
    addresses: list[str]
    statuses: list[str]
    superordinate: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ContactInfo:
    handle: str
    roid: str
    registrar: str
    statuses: list[str]
    data: dict
    auth_info: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TransferInfo:
    name: str
    status: str
    gaining: str
    losing: str
    requested_at: datetime
    act_by: datetime
    expires_at: datetime | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PollItem:
    id: int
    kind: str
    object_name: str
    message: str
    data: dict
    created_at: datetime


# --- helpers ----------------------------------------------------------------------------------


def get_registrar(client_id: str) -> Registrar:
    registrar = lookups.active_registrar(client_id)
    if registrar is None:
        raise UnknownRegistrar(f"no active registrar with client id {client_id!r}")
    return registrar


def add_years(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` later; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _new_sv_trid() -> str:
    return f"NSM-{secrets.token_hex(10)}"


def _fingerprint(kind: str, params: dict) -> str:
    blob = json.dumps({"kind": kind, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _run_transform(
    registrar: Registrar,
    kind: OperationKind,
    cl_trid: str | None,
    params: dict,
    body: Callable[[Operation, datetime], dict],
) -> OperationResult:
    """Run ``body`` once per (registrar, cl_trid) inside one transaction.

    The Operation row is inserted first: a concurrent request with the same clTRID
    blocks on the unique index until this one commits, then finds the row and replays
    its response. When ``body`` raises, the Operation goes too and a retry runs afresh.
    """
    if cl_trid is not None and not (1 <= len(cl_trid) <= 64):
        raise ParameterError("a client transaction id is 1 to 64 characters long")
    fingerprint = _fingerprint(kind, params)
    now = clock.now()
    operation = Operation(
        registrar=registrar,
        kind=kind,
        cl_trid=cl_trid,
        sv_trid=_new_sv_trid(),
        fingerprint=fingerprint,
        object_name=str(params.get("name", ""))[:253],
        created_at=now,
    )
    try:
        with transaction.atomic():
            try:
                # No savepoint: a clash spoils the whole transaction, which is given up.
                with transaction.atomic(savepoint=False):
                    operation.save()
            except IntegrityError:
                if cl_trid is None:  # not a replay: nothing else may collide
                    raise
                raise _SeenBefore from None
            data = body(operation, now)
            operation.response = data
            operation.save(update_fields=["response"])
            pause_point(f"registry.before_commit.{kind.value}")
    except _SeenBefore:
        previous = Operation.objects.get(registrar=registrar, cl_trid=cl_trid)
        return _replay(previous, kind, fingerprint)
    return OperationResult(kind=kind.value, sv_trid=operation.sv_trid, cl_trid=cl_trid, data=data)


class _SeenBefore(Exception):
    """The clTRID is taken: the transform ran before (or is the wrong command)."""


def _replay(previous: Operation, kind: OperationKind, fingerprint: str) -> OperationResult:
    if previous.kind != kind or previous.fingerprint != fingerprint:
        raise TransactionIdReused(
            f"client transaction id {previous.cl_trid!r} was already used for a different command "
            f"({previous.kind} {previous.object_name})"
        )
    return OperationResult(
        kind=previous.kind, sv_trid=previous.sv_trid, cl_trid=previous.cl_trid, data=previous.response, replayed=True
    )


def _move_balance(registrar: Registrar, delta: int) -> int | None:
    """Add ``delta`` (negative for a charge) unless the balance would go below zero.

    Returns the new balance, or None when the funds are short. One statement, so two
    concurrent charges can never both spend the same money.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Registrar._meta.db_table} SET balance = balance + %s "
            "WHERE id = %s AND balance + %s >= 0 RETURNING balance",
            [delta, registrar.pk, delta],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _ledger(
    registrar: Registrar, kind: LedgerKind, delta: int, operation: Operation, description: str, now: datetime
) -> int:
    """Move the balance by ``delta`` and write the ledger entry; returns the new balance."""
    balance_after = _move_balance(registrar, delta)
    if balance_after is None:
        balance = Registrar.objects.values_list("balance", flat=True).get(pk=registrar.pk)
        raise InsufficientFunds(
            f"{description} costs {format_money(-delta)} but the balance of registrar "
            f"{registrar.client_id} is {format_money(balance)}"
        )
    LedgerEntry.objects.create(
        registrar=registrar,
        kind=kind,
        amount=delta,
        balance_after=balance_after,
        operation=operation,
        object_name=operation.object_name,
        description=description,
        created_at=now,
    )
    return balance_after


def _debit(registrar: Registrar, amount: int, operation: Operation, description: str, now: datetime) -> None:
    """Charge ``amount`` or raise InsufficientFunds; the balance never goes below zero."""
    if amount:
        _ledger(registrar, LedgerKind.CHARGE, -amount, operation, description, now)


def _tld_for(parsed: ParsedName) -> Tld:
    """The name's TLD, with the name's policy there: ``is_reserved`` and ``premium_fee``
    (None unless premium). One query."""
    tld = lookups.tld_with_policy(parsed.tld, parsed.labels[0])
    if tld is None:
        raise UnknownTld(f".{parsed.tld} is not a TLD this registry runs")
    return tld


def _annual_fee(tld: Tld, command: str) -> int:
    """Per-year fee of ``command`` for the name ``tld`` was fetched for by ``_tld_for``."""
    if tld.premium_fee is not None and command in ("create", "renew", "transfer"):
        return tld.premium_fee
    return getattr(tld, f"{command}_fee")


def _check_period(tld: Tld, years: int) -> None:
    if not isinstance(years, int) or isinstance(years, bool):
        raise ParameterError("the period must be a whole number of years")
    if not tld.min_years <= years <= tld.max_years:
        raise ParameterError(f".{tld.name} registers for {tld.min_years} to {tld.max_years} years; {years} was asked")


def _check_fee(expected_fee: int | None, fee: int, what: str) -> None:
    if expected_fee is not None and expected_fee != fee:
        raise FeeMismatch(f"the fee for {what} is {format_money(fee)}, not {format_money(expected_fee)}")


def _live_domain(name: str, *, lock: bool = False) -> Domain:
    parsed = parse_domain_name(name)
    rows = Domain.objects.filter(name=parsed.ascii, deleted_at=None)
    if lock:
        rows = rows.select_for_update(of=("self",))
    domain = rows.select_related("registrar", "tld", "registrant").first()
    if domain is None:
        raise ObjectNotFound(f"domain {parsed.unicode} does not exist")
    return domain


def _require_sponsor(domain: Domain, registrar: Registrar) -> None:
    if domain.registrar_id != registrar.pk:
        raise NotSponsor(f"domain {domain.unicode_name} is sponsored by another registrar")


def _require_allowed(domain: Domain, command: str, ignore: set[str] = frozenset()) -> None:
    blocking = sorted((domain.stored_statuses() & PROHIBITING[command]) - ignore)
    if blocking:
        raise StatusProhibits(
            f"domain {domain.unicode_name} has status {', '.join(blocking)}; {command} is not allowed"
        )


def _history(
    domain: Domain, operation: Operation, now: datetime, changes: dict, period: int | None = None, actor: str = ""
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


# --- grace periods and deletion phases (RFC 3915) ---------------------------------------------


def _open_grace(
    domain: Domain,
    kind: RgpStatus,
    registrar: Registrar,
    amount: int,
    years: int,
    operation: Operation,
    starts: datetime,
    days: int,
) -> None:
    """Open a refund window of ``days`` from ``starts`` (none when the TLD sets 0)."""
    if days:
        GracePeriod.objects.create(
            domain=domain,
            kind=kind,
            registrar=registrar,
            amount=amount,
            years=years,
            operation=operation,
            starts_at=starts,
            ends_at=starts + timedelta(days=days),
        )


def _current_graces(domain: Domain, now: datetime) -> list[GracePeriod]:
    return list(domain.grace_periods.filter(ends_at__gt=now).select_related("registrar"))


def rgp_statuses(domain: Domain) -> list[str]:
    """The RFC 3915 statuses of a domain now: its current grace periods and deletion phase."""
    # All of them, filtered here: a listing that prefetched them asks nothing more.
    now = clock.now()
    return _with_phase((grace.kind for grace in domain.grace_periods.all() if grace.ends_at > now), domain)


def _with_phase(graces: Iterable[str], domain: Domain) -> list[str]:
    """The RGP statuses: current grace period kinds ``graces`` and the deletion phase."""
    statuses = set(graces)
    if domain.rgp_status:
        statuses.add(domain.rgp_status)
    return sorted(statuses)


# The command whose cost each grace period refunds, as ledger descriptions name it.
_GRACE_COMMAND = {
    RgpStatus.ADD_PERIOD: "create",
    RgpStatus.RENEW_PERIOD: "renew",
    RgpStatus.AUTO_RENEW_PERIOD: "auto-renewal",
    RgpStatus.TRANSFER_PERIOD: "transfer",
}


def _refund_graces(
    domain: Domain, graces: list[GracePeriod], operation: Operation, now: datetime, why: str = "deleted"
) -> int:
    """Give back what each grace period's command cost its payer, take back the years it
    added, and close the periods; returns the amount refunded."""
    refunded = 0
    for grace in graces:
        if grace.amount:
            _ledger(
                grace.registrar,
                LedgerKind.REFUND,
                grace.amount,
                operation,
                f"Refund: {_GRACE_COMMAND[grace.kind]} of {domain.unicode_name} ({why} in its {grace.kind})",
                now,
            )
            refunded += grace.amount
        if grace.kind != RgpStatus.ADD_PERIOD:
            earlier = add_years(domain.expires_at, -grace.years)
            if earlier > domain.created_at:
                domain.expires_at = earlier
    _close_graces(graces, now)
    return refunded


def _close_graces(graces: list[GracePeriod], now: datetime) -> None:
    GracePeriod.objects.filter(pk__in=[g.pk for g in graces]).update(ends_at=now)


def _enter_phase(domain: Domain, phase: RgpStatus, ends: datetime) -> None:
    domain.rgp_status, domain.rgp_ends_at = phase, ends
    if phase == RgpStatus.REDEMPTION_PERIOD:
        domain.redemption_ends_at = ends


def _start_deletion(domain: Domain, now: datetime) -> None:
    """Take a domain out of service: pendingDelete, first the redemption period (when
    the TLD has one), then pendingDelete until the purge."""
    DomainStatus.objects.get_or_create(domain=domain, status=EppStatus.PENDING_DELETE, defaults={"created_at": now})
    tld = domain.tld
    if tld.redemption_days:
        _enter_phase(domain, RgpStatus.REDEMPTION_PERIOD, now + timedelta(days=tld.redemption_days))
    else:
        domain.redemption_ends_at = now
        _enter_phase(domain, RgpStatus.PENDING_DELETE, now + timedelta(days=tld.pending_delete_days))
    zones.request_after_commit(zones.zone_of_tld(tld.name))


# Digest lengths (hex digits) of the DS digest types in use (RFC 4034, 4509, 5933, 6605).
_DS_DIGEST_HEX = {1: 40, 2: 64, 3: 64, 4: 96}
MAX_DS_RECORDS = 8


def _ds_records(items: Sequence[dict]) -> list[dict]:
    """Canonical DS rows (RFC 5910 dsData) or ParameterError naming the bad one."""
    if isinstance(items, (str, dict)):
        raise ParameterError("DS data must be a list of records")
    rows: list[dict] = []
    for i, item in enumerate(items, start=1):
        try:
            key_tag, algorithm, digest_type = (int(item[k]) for k in ("key_tag", "algorithm", "digest_type"))
            digest = str(item["digest"]).strip().upper()
        except (KeyError, TypeError, ValueError):
            raise ParameterError(
                f"DS record {i} needs whole-number key_tag, algorithm and digest_type, and a digest"
            ) from None
        if not 0 <= key_tag <= 65535 or not 1 <= algorithm <= 255 or not 1 <= digest_type <= 255:
            raise ParameterError(f"DS record {i}: key tag 0-65535, algorithm and digest type 1-255")
        if not re.fullmatch(r"(?:[0-9A-F]{2})+", digest) or len(digest) > 128:
            raise ParameterError(f"DS record {i}: the digest is up to 64 octets in hexadecimal")
        expected = _DS_DIGEST_HEX.get(digest_type)
        if expected is not None and len(digest) != expected:
            raise ParameterError(f"DS record {i}: a digest of type {digest_type} has {expected} hex digits")
        row = {"key_tag": key_tag, "algorithm": algorithm, "digest_type": digest_type, "digest": digest}
        if row in rows:
            raise ParameterError(f"DS record {i} is listed twice")
        rows.append(row)
    if len(rows) > MAX_DS_RECORDS:
        raise ParameterError(f"a domain has at most {MAX_DS_RECORDS} DS records; {len(rows)} given")
    return rows


def _nameserver_names(nameservers: Sequence[str]) -> list[str]:
    """Canonical host names of a list of nameservers, each once, or an error naming the bad entry."""
    if isinstance(nameservers, str):
        raise ParameterError("nameservers must be a list of host names")
    names: list[str] = []
    for raw in nameservers:
        try:
            ascii_name = parse_host_name(raw).ascii
        except InvalidName as exc:
            raise InvalidName(f"nameserver {raw!r}: {exc.message}") from None
        if ascii_name in names:
            raise ParameterError(f"nameserver {ascii_name} is listed twice")
        names.append(ascii_name)
    return names


def validate_nameservers(nameservers: Sequence[str]) -> list[str]:
    """Canonical host names for a domain's whole nameserver list (2 to 13, or none)."""
    names = _nameserver_names(nameservers)
    if names and not MIN_NAMESERVERS <= len(names) <= MAX_NAMESERVERS:
        raise ParameterError(
            f"a domain has {MIN_NAMESERVERS} to {MAX_NAMESERVERS} nameservers, or none; {len(names)} given"
        )
    return names


def _resolve_hosts(registrar: Registrar, names: list[str], now: datetime) -> list[Host]:
    """Host objects for nameserver names; unknown external hosts are created on the fly."""
    existing = {h.name: h for h in Host.objects.filter(name__in=names, deleted_at=None)}
    missing = {n.rsplit(".", 1)[-1] for n in names if n not in existing}
    our_tlds = set(Tld.objects.filter(name__in=missing).values_list("name", flat=True)) if missing else set()
    hosts = []
    for name in names:
        host = existing.get(name)
        if host is None:
            if name.rsplit(".", 1)[-1] in our_tlds:
                raise ObjectNotFound(
                    f"host {name} does not exist; a host under a TLD this registry runs must be "
                    "created with its glue addresses first"
                )
            host = Host(name=name, registrar=registrar, created_at=now, updated_at=now)
            try:
                with transaction.atomic():
                    host.save()
            except IntegrityError:  # created concurrently by another transaction
                host = Host.objects.get(name=name, deleted_at=None)
        hosts.append(host)
    return hosts


# --- queries ----------------------------------------------------------------------------------


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
        base = {"name": str(names[i]), "ascii": p.ascii, "unicode": p.unicode}
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
            period = {"min_years": tld.min_years, "max_years": tld.max_years}
            if key in premium:
                results[i] = NameCheck(
                    **base,
                    **period,
                    status=CheckStatus.PREMIUM,
                    reason="premium name",
                    create_fee=premium[key],
                    renew_fee=premium[key],
                    transfer_fee=premium[key],
                    restore_fee=tld.restore_fee,
                )
            else:
                results[i] = NameCheck(
                    **base,
                    **period,
                    status=CheckStatus.AVAILABLE,
                    create_fee=tld.create_fee,
                    renew_fee=tld.renew_fee,
                    transfer_fee=tld.transfer_fee,
                    restore_fee=tld.restore_fee,
                )
    return [results[i] for i in range(len(names))]


def _knows_auth(registrar: Registrar | None, sponsor_id: int, secret: str, auth_info: str | None) -> bool:
    """Whether the asker may see an object's auth info: its sponsor, or one who gave it."""
    if registrar is not None and registrar.pk == sponsor_id:
        return True
    return auth_info is not None and secrets.compare_digest(auth_info.encode(), secret.encode())


def info_domain(name: str, *, registrar: Registrar | None = None, auth_info: str | None = None) -> DomainInfo:
    """A domain's data; the auth info only for its sponsor or one who gave the right one."""
    domain = _live_domain(name)
    facets = lookups.domain_facets(domain.pk, clock.now())
    return DomainInfo(
        name=domain.name,
        unicode_name=domain.unicode_name,
        roid=domain.roid,
        registrar=domain.registrar.client_id,
        registrant=domain.registrant.handle if domain.registrant else None,
        statuses=with_derived_statuses(facets.statuses, has_nameservers=bool(facets.nameservers)),
        nameservers=facets.nameservers,
        created_at=domain.created_at,
        expires_at=domain.expires_at,
        updated_at=domain.updated_at,
        auth_info=domain.auth_info
        if _knows_auth(registrar, domain.registrar_id, domain.auth_info, auth_info)
        else None,
        ds=facets.ds,
        hosts=facets.hosts,
        transfer_status=facets.transfer_status,
        rgp_statuses=_with_phase(facets.graces, domain),
    )


def tld_names() -> list[str]:
    """The TLDs this registry runs, in name order."""
    return list(Tld.objects.order_by("name").values_list("name", flat=True))


@dataclass(frozen=True)
class RestoreQuote:
    """What restoring a domain from redemption costs at the registry: the TLD's restore
    fee plus a year's renewal for each year the domain has been expired (``renew_years``)."""

    fee: int
    renew_years: int


def restore_quote(name: str, *, expires_at: datetime | None = None) -> RestoreQuote:
    """The registry's price of restoring ``name`` now, from the expiry the registry holds
    (a delete in the auto-renew grace takes back the auto-renewed year), or ``expires_at``
    when the registry has no live domain of that name."""
    parsed = parse_domain_name(name)
    domain = Domain.objects.filter(name=parsed.ascii, deleted_at=None).only("expires_at").first()
    if domain is not None:
        expires_at = domain.expires_at
    elif expires_at is None:
        raise ObjectNotFound(f"domain {parsed.unicode} does not exist")
    return _restore_quote(_tld_for(parsed), expires_at, clock.now())


def _restore_quote(tld: Tld, expires_at: datetime, now: datetime) -> RestoreQuote:
    years = _years_to_outlive(expires_at, now)
    return RestoreQuote(fee=tld.restore_fee + _annual_fee(tld, "renew") * years, renew_years=years)


def annual_fee(name: str, command: str) -> int:
    """What one year of ``command`` (create, renew, transfer; restore is per request) costs
    for ``name`` today, premium pricing included."""
    if command not in ("create", "renew", "transfer", "restore"):
        raise ParameterError(f"no fee for {command!r}")
    return _annual_fee(_tld_for(parse_domain_name(name)), command)


# --- transforms -------------------------------------------------------------------------------


def top_up(registrar: Registrar, amount: int, *, cl_trid: str | None = None, description: str = "") -> OperationResult:
    """Add prepaid funds to a registrar's account."""
    if not isinstance(amount, int) or amount <= 0:
        raise ParameterError("a top-up is a positive amount in minor units")

    def body(operation: Operation, now: datetime) -> dict:
        balance = _ledger(registrar, LedgerKind.TOPUP, amount, operation, description or "Top-up", now)
        return {"amount": amount, "balance": balance}

    return _run_transform(registrar, OperationKind.BILLING_TOPUP, cl_trid, {"amount": amount}, body)


_VOICE = re.compile(r"^\+\d{1,3}\.\d{1,14}(x\d+)?$")
_CONTACT_FIELDS = (
    "name",
    "organization",
    "street",
    "city",
    "state",
    "postal_code",
    "country_code",
    "voice",
    "fax",
    "email",
)


def _contact_fields(data: dict) -> dict:
    unknown = set(data) - set(_CONTACT_FIELDS)
    if unknown:
        raise ParameterError(f"unknown contact fields: {', '.join(sorted(unknown))}")
    fields = {key: str(data.get(key) or "").strip() for key in _CONTACT_FIELDS}
    for required in ("name", "city", "country_code", "email"):
        if not fields[required]:
            raise ParameterError(f"contact {required.replace('_', ' ')} is required")
    fields["country_code"] = fields["country_code"].upper()
    if not re.fullmatch(r"[A-Z]{2}", fields["country_code"]):
        raise ParameterError(f"contact country code {fields['country_code']!r} is not two letters (ISO 3166)")
    if "@" not in fields["email"]:
        raise ParameterError(f"contact email {fields['email']!r} is not an address")
    for phone in ("voice", "fax"):
        if fields[phone] and not _VOICE.match(fields[phone]):
            raise ParameterError(f"contact {phone} {fields[phone]!r} is not in the form +CC.NUMBER")
    if fields["street"].count("\n") > 2:
        raise ParameterError("a contact has at most three street lines")
    return fields


def contact_differs(contact: Contact, data: dict) -> bool:
    """Whether saving ``data`` would change ``contact`` (invalid data counts as a change)."""
    try:
        fields = _contact_fields(data)
    except ParameterError:
        return True
    return any(getattr(contact, key) != value for key, value in fields.items())


def _live_contact(handle: str, *, lock: bool = False) -> Contact:
    rows = Contact.objects.filter(handle=handle, deleted_at=None)
    contact = (rows.select_for_update() if lock else rows).select_related("registrar").first()
    if contact is None:
        raise ObjectNotFound(f"contact {handle} does not exist")
    return contact


def _own_contact(registrar: Registrar, handle: str) -> Contact:
    contact = _live_contact(handle)
    if contact.registrar_id != registrar.pk:
        raise NotSponsor(f"contact {handle} is sponsored by another registrar")
    return contact


def _contact_handle(handle: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,15}", handle or ""):
        raise ParameterError(f"contact id {handle!r} must be 3-16 letters, digits, '.', '_' or '-'")
    return handle


def create_contact(registrar: Registrar, handle: str, data: dict, *, cl_trid: str | None = None) -> OperationResult:
    """Create the contact object ``handle`` sponsored by ``registrar``."""
    handle, fields = _contact_handle(handle), _contact_fields(data)

    def body(operation: Operation, now: datetime) -> dict:
        contact = Contact(handle=handle, registrar=registrar, created_at=now, updated_at=now, **fields)
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            raise ObjectExists(f"contact {handle} already exists") from None
        return {"handle": handle}

    return _run_transform(registrar, OperationKind.CONTACT_CREATE, cl_trid, {"name": handle, **fields}, body)


def update_contact(
    registrar: Registrar, handle: str, data: dict, *, partial: bool = False, cl_trid: str | None = None
) -> OperationResult:
    """Replace the details of contact ``handle``, or with ``partial`` only the fields
    ``data`` names (as EPP's contact update does), merged under the row lock so a
    concurrent update is not lost. Only its sponsor may."""
    handle = _contact_handle(handle)
    if partial:
        unknown = set(data) - set(_CONTACT_FIELDS)
        if unknown:
            raise ParameterError(f"unknown contact fields: {', '.join(sorted(unknown))}")
        params = {"name": handle, "partial": dict(data)}
    else:
        params = {"name": handle, **_contact_fields(data)}

    def body(operation: Operation, now: datetime) -> dict:
        contact = _live_contact(handle, lock=True)
        if contact.registrar_id != registrar.pk:
            raise NotSponsor(f"contact {handle} is sponsored by another registrar")
        current = {key: getattr(contact, key) for key in _CONTACT_FIELDS}
        fields = _contact_fields(current | data) if partial else _contact_fields(data)
        changed = [key for key, value in fields.items() if getattr(contact, key) != value]
        for key in changed:
            setattr(contact, key, fields[key])
        contact.updated_at = now
        contact.save(update_fields=[*changed, "updated_at"])
        return {"handle": handle, "changed": changed}

    return _run_transform(registrar, OperationKind.CONTACT_UPDATE, cl_trid, params, body)


def check_contacts(handles: Iterable[str]) -> list[ObjectCheck]:
    """Whether each contact id could be created (at most 50 per call)."""
    handles = [str(h) for h in handles]
    if len(handles) > MAX_CHECK_NAMES:
        raise ParameterError(f"at most {MAX_CHECK_NAMES} ids per check; {len(handles)} given")
    taken = set(Contact.objects.filter(handle__in=handles, deleted_at=None).values_list("handle", flat=True))
    results = []
    for handle in handles:
        try:
            _contact_handle(handle)
        except ParameterError as exc:
            results.append(ObjectCheck(handle, False, exc.message))
            continue
        results.append(ObjectCheck(handle, handle not in taken, "in use" if handle in taken else ""))
    return results


def info_contact(handle: str, *, registrar: Registrar | None = None, auth_info: str | None = None) -> ContactInfo:
    """A contact's details, for its sponsor or one who gives its auth info; contacts are
    personal data, so anyone else is refused (NotSponsor)."""
    contact = _live_contact(_contact_handle(handle))
    if not _knows_auth(registrar, contact.registrar_id, contact.auth_info, auth_info):
        if auth_info is not None:
            raise InvalidAuthorization(f"the auth info given for contact {contact.handle} is wrong")
        raise NotSponsor(f"contact {contact.handle} is sponsored by another registrar")
    linked = contact.domains.filter(deleted_at=None).exists()
    return ContactInfo(
        handle=contact.handle,
        roid=contact.roid,
        registrar=contact.registrar.client_id,
        statuses=["linked"] if linked else ["ok"],
        data={key: getattr(contact, key) for key in _CONTACT_FIELDS},
        auth_info=contact.auth_info,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def delete_contact(registrar: Registrar, handle: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a contact no live domain names; only its sponsor may. The row stays for the
    history of the domains that named it, and the handle becomes free."""
    handle = _contact_handle(handle)

    def body(operation: Operation, now: datetime) -> dict:
        contact = _live_contact(handle, lock=True)
        if contact.registrar_id != registrar.pk:
            raise NotSponsor(f"contact {handle} is sponsored by another registrar")
        users = list(contact.domains.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if users:
            raise AssociationProhibits(f"contact {handle} is the registrant of {', '.join(users)}")
        contact.deleted_at = contact.updated_at = now
        contact.save(update_fields=["deleted_at", "updated_at"])
        return {"handle": handle, "deleted_at": now.isoformat()}

    return _run_transform(registrar, OperationKind.CONTACT_DELETE, cl_trid, {"name": handle}, body)


def _glue_addresses(addresses: Sequence[str]) -> list[str]:
    """Canonical glue addresses, or ParameterError naming the bad one."""
    if isinstance(addresses, str):
        raise ParameterError("addresses must be a list of IP addresses")
    glue: list[str] = []
    for raw in addresses:
        try:
            address = ipaddress.ip_address(str(raw).strip())
        except ValueError:
            raise ParameterError(f"{raw!r} is not an IPv4 or IPv6 address") from None
        if address.is_unspecified or address.is_multicast:
            raise ParameterError(f"{address} cannot be a nameserver address")
        if str(address) in glue:
            raise ParameterError(f"address {address} is listed twice")
        glue.append(str(address))
    return glue


def _superordinate(registrar: Registrar, parsed: ParsedName) -> Domain | None:
    """The domain an internal host lives under (it must be the registrar's), or None for a
    host outside the TLDs this registry runs."""
    if not Tld.objects.filter(name=parsed.tld).exists():
        return None
    parent = ".".join(parsed.labels[-2:])
    if parent == parsed.ascii:
        raise ParameterError(f"{parsed.ascii} is a domain name, not a host under one")
    superordinate = Domain.objects.filter(name=parent, deleted_at=None).first()
    if superordinate is None:
        raise ObjectNotFound(f"host {parsed.ascii} needs its domain {parent}, which does not exist")
    if superordinate.registrar_id != registrar.pk:
        raise NotSponsor(f"domain {parent} is sponsored by another registrar")
    return superordinate


def _check_glue(name: str, tld: str, internal: bool, glue: Sequence[str]) -> None:
    if internal and not glue:
        raise ParameterError(f"host {name} is inside .{tld} and needs a glue address")
    if not internal and glue:
        raise ParameterError(f"host {name} is outside the TLDs this registry runs; it takes no glue addresses")


def _address_order(address: str) -> tuple[int, ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """IPv4 first, then IPv6, each in numeric order (the two cannot be compared)."""
    ip = ipaddress.ip_address(address)
    return ip.version, ip


def _live_host(name: str, *, lock: bool = False, details: bool = False) -> Host:
    """The live host ``name``; with ``details``, read as ``host_info`` needs it."""
    parsed = parse_host_name(name)
    rows = Host.objects.filter(name=parsed.ascii, deleted_at=None)
    rows = with_host_details(rows) if details else rows
    host = (rows.select_for_update(of=("self",)) if lock else rows).select_related("registrar").first()
    if host is None:
        raise ObjectNotFound(f"host {parsed.ascii} does not exist")
    return host


def _own_host(registrar: Registrar, name: str) -> Host:
    host = _live_host(name, lock=True)
    if host.registrar_id != registrar.pk:
        raise NotSponsor(f"host {host.name} is sponsored by another registrar")
    return host


def _republish_host_zone(host_name: str, internal: bool) -> None:
    if internal:
        zones.request_after_commit(zones.zone_of_tld(host_name.rsplit(".", 1)[-1]))


def check_hosts(names: Iterable[str]) -> list[ObjectCheck]:
    """Whether each host name could be created (at most 50 per call)."""
    names = [str(n) for n in names]
    if len(names) > MAX_CHECK_NAMES:
        raise ParameterError(f"at most {MAX_CHECK_NAMES} names per check; {len(names)} given")
    parsed: dict[str, str] = {}
    results: list[ObjectCheck | None] = []
    for raw in names:
        try:
            parsed[raw] = parse_host_name(raw).ascii
            results.append(None)
        except InvalidName as exc:
            results.append(ObjectCheck(raw, False, exc.message))
    taken = set(Host.objects.filter(name__in=parsed.values(), deleted_at=None).values_list("name", flat=True))
    return [
        result or ObjectCheck(raw, parsed[raw] not in taken, "in use" if parsed[raw] in taken else "")
        for raw, result in zip(names, results, strict=True)
    ]


def info_host(name: str, *, registrar: Registrar | None = None) -> HostInfo:
    """A host's data. Hosts carry no secrets, so ``registrar`` (kept for the same call
    shape as the other info functions) changes nothing: every registrar may read them."""
    return host_info(_live_host(name, details=True))


def with_host_details(hosts: QuerySet[Host]) -> QuerySet[Host]:
    """``hosts`` with what ``host_info`` reads: a page of them costs two queries, whatever its size."""
    linked = Exists(Domain.objects.filter(nameservers=OuterRef("pk"), deleted_at=None))
    return hosts.select_related("registrar", "superordinate").prefetch_related("addresses").annotate(linked=linked)


def host_info(host: Host) -> HostInfo:
    """The data of a host read through ``with_host_details``."""
    return HostInfo(
        name=host.name,
        roid=host.roid,
        registrar=host.registrar.client_id,
        addresses=sorted((a.address for a in host.addresses.all()), key=_address_order),
        statuses=["linked"] if host.linked else ["ok"],
        superordinate=host.superordinate.name if host.superordinate_id else None,
        created_at=host.created_at,
        updated_at=host.updated_at,
    )


def create_host(
    registrar: Registrar, name: str, addresses: Sequence[str] = (), *, cl_trid: str | None = None
) -> OperationResult:
    """Create a nameserver host; internal hosts need their domain and glue addresses."""
    parsed = parse_host_name(name)
    glue = _glue_addresses(addresses)

    def body(operation: Operation, now: datetime) -> dict:
        superordinate = _superordinate(registrar, parsed)
        _check_glue(parsed.ascii, parsed.tld, superordinate is not None, glue)
        host = Host(name=parsed.ascii, registrar=registrar, superordinate=superordinate, created_at=now, updated_at=now)
        try:
            with transaction.atomic():
                host.save()
        except IntegrityError:
            raise ObjectExists(f"host {parsed.ascii} already exists") from None
        HostAddress.objects.bulk_create(HostAddress(host=host, address=a) for a in glue)
        _republish_host_zone(host.name, superordinate is not None)
        return {"name": parsed.ascii, "addresses": glue}

    return _run_transform(
        registrar, OperationKind.HOST_CREATE, cl_trid, {"name": parsed.ascii, "addresses": glue}, body
    )


def update_host(
    registrar: Registrar,
    name: str,
    *,
    add_addresses: Sequence[str] = (),
    remove_addresses: Sequence[str] = (),
    new_name: str | None = None,
    cl_trid: str | None = None,
) -> OperationResult:
    """Change a host's glue addresses or rename it; only its sponsor may."""
    parsed = parse_host_name(name)
    add, remove = _glue_addresses(add_addresses), _glue_addresses(remove_addresses)
    renamed = parse_host_name(new_name) if new_name is not None else None
    if not (add or remove or renamed):
        raise ParameterError(f"the update of host {parsed.ascii} changes nothing")
    params = {"name": parsed.ascii, "add": add, "remove": remove, "new_name": renamed.ascii if renamed else None}

    def body(operation: Operation, now: datetime) -> dict:
        host = _own_host(registrar, parsed.ascii)
        was_internal = host.is_internal
        current = set(host.addresses.values_list("address", flat=True))
        for address in remove:
            if address not in current:
                raise ParameterError(f"host {host.name} has no address {address}")
        for address in add:
            if address in current:
                raise ParameterError(f"host {host.name} has address {address} already")
        after = (current - set(remove)) | set(add)
        target = renamed or parsed
        superordinate = _superordinate(registrar, target) if renamed else host.superordinate
        _check_glue(target.ascii, target.tld, superordinate is not None, sorted(after))
        if renamed and renamed.ascii != host.name:
            host.name, host.superordinate = renamed.ascii, superordinate
        host.updated_at = now
        try:
            with transaction.atomic():
                host.save(update_fields=["name", "superordinate", "updated_at"])
        except IntegrityError:
            raise ObjectExists(f"host {target.ascii} already exists") from None
        host.addresses.filter(address__in=remove).delete()
        HostAddress.objects.bulk_create(HostAddress(host=host, address=a) for a in add)
        _republish_host_zone(parsed.ascii, was_internal)
        _republish_host_zone(host.name, host.is_internal)
        if renamed:  # domains delegated to it now name it differently in their TLD zones
            for tld in set(host.domains.filter(deleted_at=None).values_list("tld__name", flat=True)):
                zones.request_after_commit(zones.zone_of_tld(tld))
        return {"name": host.name, "addresses": sorted(after, key=_address_order)}

    return _run_transform(registrar, OperationKind.HOST_UPDATE, cl_trid, params, body)


def delete_host(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a host no live domain uses; only its sponsor may."""
    parsed = parse_host_name(name)

    def body(operation: Operation, now: datetime) -> dict:
        host = _own_host(registrar, parsed.ascii)
        users = list(host.domains.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if users:
            raise AssociationProhibits(f"host {host.name} is a nameserver of {', '.join(users)}")
        host.deleted_at = host.updated_at = now
        host.save(update_fields=["deleted_at", "updated_at"])
        _republish_host_zone(host.name, host.is_internal)
        return {"name": host.name, "deleted_at": now.isoformat()}

    return _run_transform(registrar, OperationKind.HOST_DELETE, cl_trid, {"name": parsed.ascii}, body)


def create_domain(
    registrar: Registrar,
    name: str,
    *,
    years: int = 1,
    nameservers: Sequence[str] = (),
    registrant: str | None = None,
    auth_info: str | None = None,
    ds: Sequence[dict] = (),
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """Register ``name`` for ``years``, debiting the registrar the fee for that name."""
    parsed = parse_domain_name(name)
    ns_names = validate_nameservers(nameservers)
    ds_rows = _ds_records(ds)
    if auth_info is not None and not (6 <= len(auth_info) <= 64):
        raise ParameterError("auth info is 6 to 64 characters long")
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

    def body(operation: Operation, now: datetime) -> dict:
        tld = _tld_for(parsed)
        if parsed.is_idn and not tld.allows_idn:
            raise InvalidName(f".{tld.name} does not accept IDN names")
        _check_period(tld, years)
        if tld.is_reserved:
            raise DomainReserved(f"{parsed.unicode} is reserved and cannot be registered")
        fee = _annual_fee(tld, "create") * years
        _check_fee(expected_fee, fee, f"registering {parsed.unicode} for {years} year(s)")
        contact = None
        if registrant is not None:
            contact = _own_contact(registrar, registrant)
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
            domain.nameservers.add(*_resolve_hosts(registrar, ns_names, now))
            zones.request_after_commit(zones.zone_of_tld(tld.name))
        DelegationSigner.objects.bulk_create(DelegationSigner(domain=domain, **row) for row in ds_rows)
        _debit(registrar, fee, operation, f"Create {parsed.unicode} for {years} year(s)", now)
        _open_grace(domain, RgpStatus.ADD_PERIOD, registrar, fee, years, operation, now, tld.add_grace_days)
        _history(
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

    return _run_transform(registrar, OperationKind.DOMAIN_CREATE, cl_trid, params, body)


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

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        _require_allowed(domain, "renew")
        _check_period(domain.tld, years)
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
        fee = _annual_fee(_tld_for(parsed), "renew") * years
        _check_fee(expected_fee, fee, f"renewing {domain.unicode_name} for {years} year(s)")
        before = domain.expires_at
        domain.expires_at, domain.updated_at = new_expiry, now
        domain.save(update_fields=["expires_at", "updated_at"])
        _debit(registrar, fee, operation, f"Renew {domain.unicode_name} for {years} year(s)", now)
        _open_grace(domain, RgpStatus.RENEW_PERIOD, registrar, fee, years, operation, now, domain.tld.renew_grace_days)
        _history(
            domain, operation, now, period=years, changes={"expires_at": [before.isoformat(), new_expiry.isoformat()]}
        )
        return {"name": domain.name, "expires_at": new_expiry.isoformat(), "fee": fee}

    return _run_transform(registrar, OperationKind.DOMAIN_RENEW, cl_trid, params, body)


def update_nameservers(
    registrar: Registrar, name: str, nameservers: Sequence[str], *, cl_trid: str | None = None
) -> OperationResult:
    """Replace a domain's nameservers with ``nameservers`` (none leaves it inactive)."""
    parsed = parse_domain_name(name)
    ns_names = validate_nameservers(nameservers)

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        _require_allowed(domain, "update")
        before = sorted(domain.nameservers.values_list("name", flat=True))
        domain.nameservers.set(_resolve_hosts(registrar, ns_names, now))
        zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        domain.updated_at = now
        domain.save(update_fields=["updated_at"])
        _history(domain, operation, now, changes={"nameservers": [before, sorted(ns_names)]})
        return {"name": domain.name, "nameservers": ns_names}

    return _run_transform(
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
    add_ds: Sequence[dict] = (),
    remove_ds: Sequence[dict] = (),
    remove_all_ds: bool = False,
    cl_trid: str | None = None,
) -> OperationResult:
    """Change a domain as EPP's domain update does: add or remove nameservers, client
    statuses and DS records, change the registrant or the auth info. Only the sponsor
    may, and an update that only lifts clientUpdateProhibited is allowed while it is set."""
    parsed = parse_domain_name(name)
    ns_add, ns_remove = _nameserver_names(add_nameservers), _nameserver_names(remove_nameservers)
    ds_add, ds_remove = _ds_records(add_ds), _ds_records(remove_ds)
    add_statuses, remove_statuses = sorted(set(add_statuses)), sorted(set(remove_statuses))
    if auth_info is not None and not (6 <= len(auth_info) <= 64):
        raise ParameterError("auth info is 6 to 64 characters long")
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

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        current = domain.stored_statuses()
        lifts_lock = EppStatus.CLIENT_UPDATE_PROHIBITED in remove_statuses
        _require_allowed(domain, "update", ignore={EppStatus.CLIENT_UPDATE_PROHIBITED} if lifts_lock else set())
        changes: dict = {}
        republish = False

        statuses = _status_changes(current, add_statuses, remove_statuses, domain.unicode_name)
        if statuses != current:
            domain.statuses.filter(status__in=remove_statuses).delete()
            DomainStatus.objects.bulk_create(
                DomainStatus(domain=domain, status=status, created_at=now) for status in add_statuses
            )
            changes["statuses"] = [sorted(current), sorted(statuses)]
            republish |= bool(set(add_statuses + remove_statuses) & set(zones.HOLD_STATUSES))

        if ns_add or ns_remove:
            before = sorted(domain.nameservers.values_list("name", flat=True))
            for host in ns_remove:
                if host not in before:
                    raise ParameterError(f"{host} is not a nameserver of {domain.unicode_name}")
            for host in ns_add:
                if host in before:
                    raise ParameterError(f"{host} is a nameserver of {domain.unicode_name} already")
            after = validate_nameservers([h for h in before if h not in ns_remove] + ns_add)
            domain.nameservers.set(_resolve_hosts(registrar, after, now))
            changes["nameservers"] = [before, sorted(after)]
            republish = True

        if ds_add or ds_remove or remove_all_ds:
            before_ds = [ds.as_dict() for ds in domain.ds_records.all()]
            kept = [] if remove_all_ds else list(before_ds)
            for row in ds_remove:
                if row not in kept:
                    raise ParameterError(f"{domain.unicode_name} has no DS record {_ds_text(row)}")
                kept.remove(row)
            for row in ds_add:
                if row in kept:
                    raise ParameterError(f"{domain.unicode_name} has DS record {_ds_text(row)} already")
            after_ds = _ds_records(kept + ds_add)
            domain.ds_records.all().delete()
            DelegationSigner.objects.bulk_create(DelegationSigner(domain=domain, **row) for row in after_ds)
            changes["ds"] = [[_ds_text(r) for r in before_ds], [_ds_text(r) for r in after_ds]]
            republish = True

        fields = ["updated_at"]
        if registrant is not None:
            contact = _own_contact(registrar, registrant)
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
            zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        _history(domain, operation, now, changes=changes)
        return {"name": domain.name, "changed": sorted(changes)}

    return _run_transform(registrar, OperationKind.DOMAIN_UPDATE, cl_trid, params, body)


def _ds_text(row: dict) -> str:
    return f"{row['key_tag']} {row['algorithm']} {row['digest_type']} {row['digest']}"


# --- transfers (RFC 5731 section 3.2.4) -------------------------------------------------------


def _poll(registrar: Registrar, kind: PollKind, object_name: str, message: str, data: dict, now: datetime) -> None:
    PollMessage.objects.create(
        registrar=registrar, kind=kind, object_name=object_name, message=message, data=data, created_at=now
    )


def _transfer_data(transfer: Transfer) -> dict:
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
        _poll(party, PollKind.TRANSFER, transfer.domain.name, message, data, now)


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
        "auth": _fingerprint("auth", {"a": auth_info}),
    }

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        if domain.registrar_id == registrar.pk:
            raise NotEligibleForTransfer(f"{domain.unicode_name} is sponsored by {registrar.client_id} already")
        if not auth_info or not secrets.compare_digest(str(auth_info).encode(), domain.auth_info.encode()):
            raise InvalidAuthorization(f"the auth info given for {domain.unicode_name} is wrong")
        if EppStatus.PENDING_TRANSFER in domain.stored_statuses():
            raise PendingTransfer(f"a transfer of {domain.unicode_name} is pending already")
        _require_allowed(domain, "transfer")
        _check_period(domain.tld, years)
        fee = _annual_fee(_tld_for(parsed), "transfer") * years
        _check_fee(expected_fee, fee, f"transferring {domain.unicode_name} for {years} year(s)")
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
        _debit(registrar, fee, operation, f"Transfer of {domain.unicode_name} (refunded unless approved)", now)
        _history(domain, operation, now, period=years, changes={"transfer": [None, TransferStatus.PENDING]})
        _tell_both(transfer, f"Transfer of {domain.unicode_name} to {registrar.client_id} requested.", now)
        return _transfer_data(transfer)

    return _run_transform(registrar, OperationKind.DOMAIN_TRANSFER_REQUEST, cl_trid, params, body)


def _pending_transfer(parsed: ParsedName) -> Transfer:
    domain = _live_domain(parsed.ascii, lock=True)
    transfer = (
        Transfer.objects.select_related("gaining", "losing")
        .filter(domain=domain, status=TransferStatus.PENDING)
        .first()
    )
    if transfer is None:
        raise NotEligibleForTransfer(f"no transfer of {domain.unicode_name} is pending")
    transfer.domain = domain
    return transfer


def _close_transfer(transfer: Transfer, status: TransferStatus, operation: Operation, now: datetime) -> dict:
    """Settle a pending transfer: move the domain if approved, refund if not."""
    domain = transfer.domain
    domain.statuses.filter(status=EppStatus.PENDING_TRANSFER).delete()
    transfer.status, transfer.resolved_at = status, now
    transfer.save(update_fields=["status", "resolved_at"])
    changes: dict = {"transfer": [TransferStatus.PENDING, status]}
    if status in (TransferStatus.CLIENT_APPROVED, TransferStatus.SERVER_APPROVED):
        # The transfer's years replace the registry's auto-renewal when the domain is in
        # its auto-renew grace period: the losing registrar gets that charge back.
        graces = _current_graces(domain, now)
        base = domain.expires_at
        auto_renewals = [g for g in graces if g.kind == RgpStatus.AUTO_RENEW_PERIOD]
        if auto_renewals:
            _refund_graces(domain, auto_renewals, operation, now, why="transferred")
        _close_graces(graces, now)
        transfer.expires_at_after = add_years(domain.expires_at, transfer.period_years)
        transfer.save(update_fields=["expires_at_after"])
        changes |= {
            "registrar": [transfer.losing.client_id, transfer.gaining.client_id],
            "expires_at": [base.isoformat(), transfer.expires_at_after.isoformat()],
        }
        domain.registrar, domain.expires_at = transfer.gaining, transfer.expires_at_after
        _open_grace(
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
            _ledger(
                transfer.gaining,
                LedgerKind.REFUND,
                transfer.fee,
                operation,
                f"Refund: transfer of {domain.unicode_name} {status}",
                now,
            )
        word = "rejected" if status == TransferStatus.CLIENT_REJECTED else "cancelled"
        message = f"Transfer of {domain.unicode_name} to {transfer.gaining.client_id} {word}."
    _history(domain, operation, now, changes=changes)
    _tell_both(transfer, message, now)
    return _transfer_data(transfer)


def _act_on_transfer(
    registrar: Registrar, name: str, kind: OperationKind, status: TransferStatus, cl_trid: str | None
) -> OperationResult:
    parsed = parse_domain_name(name)

    def body(operation: Operation, now: datetime) -> dict:
        transfer = _pending_transfer(parsed)
        party = transfer.gaining if status == TransferStatus.CLIENT_CANCELLED else transfer.losing
        if party.pk != registrar.pk:
            role = "the gaining registrar cancels" if party == transfer.gaining else "the sponsoring registrar decides"
            raise NotSponsor(f"only {role} a transfer of {transfer.domain.unicode_name}")
        return _close_transfer(transfer, status, operation, now)

    return _run_transform(registrar, kind, cl_trid, {"name": parsed.ascii}, body)


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


def approve_due_transfers() -> int:
    """The registry approves every pending transfer whose act-by time has passed (the
    losing registrar did not act); returns how many. Safe to run twice: each approval
    runs under a transaction id derived from the transfer."""
    due = _pending_transfers().filter(act_by__lte=clock.now())
    approved = 0
    for transfer_id, name, losing_id in due.values_list("id", "domain__name", "losing_id"):
        losing = Registrar.objects.get(pk=losing_id)

        def body(operation: Operation, now: datetime, name=name) -> dict:
            transfer = _pending_transfer(parse_domain_name(name))
            return _close_transfer(transfer, TransferStatus.SERVER_APPROVED, operation, now)

        try:
            _run_transform(
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
    domain = _live_domain(name)
    transfer = domain.transfers.select_related("gaining", "losing").first()
    if transfer is None:
        raise ObjectNotFound(f"{domain.unicode_name} has never been transferred")
    party = registrar.pk in (transfer.gaining_id, transfer.losing_id)
    if not party and not _knows_auth(None, domain.registrar_id, domain.auth_info, auth_info):
        if auth_info is not None:
            raise InvalidAuthorization(f"the auth info given for {domain.unicode_name} is wrong")
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


_REPORT_FIELDS = ("pre_data", "post_data", "deleted_at", "restored_at", "reason", "statements")


def _years_to_outlive(expires_at: datetime, now: datetime) -> int:
    """How many years a restore must add so the domain is not expired (0 if it is not)."""
    years = 0
    while add_years(expires_at, years) <= now:
        years += 1
    return years


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

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        if domain.rgp_status != RgpStatus.REDEMPTION_PERIOD:
            where = f"in its {domain.rgp_status}" if domain.rgp_status else "not deleted"
            raise StatusProhibits(
                f"domain {domain.unicode_name} is {where}; only a domain in its redemption period can be restored"
            )
        tld = _tld_for(parsed)
        price = _restore_quote(tld, domain.expires_at, now)
        years, fee = price.renew_years, price.fee
        renew_fee = fee - tld.restore_fee
        _check_fee(expected_fee, fee, f"restoring {domain.unicode_name}")
        _debit(registrar, tld.restore_fee, operation, f"Restore {domain.unicode_name}", now)
        changes: dict = {"rgp_status": [domain.rgp_status]}
        if years:
            _debit(registrar, renew_fee, operation, f"Renew {domain.unicode_name} for {years} year(s) on restore", now)
            after = add_years(domain.expires_at, years)
            changes["expires_at"] = [domain.expires_at.isoformat(), after.isoformat()]
            domain.expires_at = after
        if domain.tld.pending_restore_days:
            _enter_phase(domain, RgpStatus.PENDING_RESTORE, now + timedelta(days=domain.tld.pending_restore_days))
        else:
            _finish_restore(domain, now)
        changes["rgp_status"].append(domain.rgp_status)
        domain.updated_at = now
        domain.save()
        zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        _history(domain, operation, now, period=years or None, changes=changes)
        return {
            "name": domain.name,
            "rgp_status": domain.rgp_status,
            "report_due": domain.rgp_ends_at.isoformat() if domain.rgp_ends_at else None,
            "expires_at": domain.expires_at.isoformat(),
            "fee": fee,
        }

    return _run_transform(registrar, OperationKind.DOMAIN_RESTORE, cl_trid, params, body)


def report_restore(registrar: Registrar, name: str, report: dict, *, cl_trid: str | None = None) -> OperationResult:
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

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        if domain.rgp_status != RgpStatus.PENDING_RESTORE:
            raise StatusProhibits(f"no restore request of {domain.unicode_name} waits for its report")
        _finish_restore(domain, now)
        domain.updated_at = now
        domain.save()
        _history(domain, operation, now, changes={"rgp_status": [RgpStatus.PENDING_RESTORE, ""], "report": clean})
        return {"name": domain.name, "rgp_status": "", "expires_at": domain.expires_at.isoformat()}

    return _run_transform(registrar, OperationKind.DOMAIN_RESTORE_REPORT, cl_trid, {"name": parsed.ascii} | clean, body)


# --- sweeps: what the registry does as the clock moves -----------------------------------------

SWEEP_BATCH = 500


def _registry_transform(domain_id: int, name: str, kind: OperationKind, cl_trid: str, body) -> bool:
    """Run one piece of scheduled work under the domain's sponsor, once per ``cl_trid``;
    False when the domain moved on meanwhile (the body raised a RegistryError)."""
    sponsor = Registrar.objects.get(domains__pk=domain_id)
    try:
        _run_transform(sponsor, kind, cl_trid, {"name": name, "domain": domain_id}, body)
    except RegistryError as exc:
        log.info("scheduled %s of domain %s skipped: %s", kind, domain_id, exc)
        return False
    return True


def _locked_domain(domain_id: int) -> Domain:
    domain = (
        Domain.objects.select_for_update(of=("self",))
        .select_related("registrar", "tld")
        .filter(pk=domain_id, deleted_at=None)
        .first()
    )
    if domain is None:
        raise ObjectNotFound(f"domain {domain_id} is gone")
    return domain


def _renewable():
    return Domain.objects.filter(deleted_at=None, rgp_status="")


def next_auto_renewal() -> datetime | None:
    return _renewable().order_by("expires_at").values_list("expires_at", flat=True).first()


def auto_renew_expired() -> int:
    """The registry renews every domain whose expiry date has come, for one year, and
    charges its sponsor (RFC 3915 auto-renew grace follows). A sponsor that cannot pay
    loses the domain: it goes into its redemption period as if deleted."""
    done = 0
    due = _renewable().filter(expires_at__lte=clock.now()).order_by("expires_at")
    for domain_id, name, expiry in due.values_list("id", "name", "expires_at")[:SWEEP_BATCH]:

        def body(operation: Operation, now: datetime, domain_id=domain_id, expiry=expiry) -> dict:
            domain = _locked_domain(domain_id)
            if domain.expires_at != expiry or domain.rgp_status:
                raise StatusProhibits(f"{domain.name} was renewed or deleted meanwhile")
            sponsor = domain.registrar
            fee = _annual_fee(_tld_for(parse_domain_name(domain.name)), "renew")
            try:
                _debit(sponsor, fee, operation, f"Auto-renew {domain.unicode_name} for 1 year", now)
            except InsufficientFunds:
                _close_graces(_current_graces(domain, now), now)
                _start_deletion(domain, now)
                domain.updated_at = now
                domain.save()
                _history(domain, operation, now, changes={"rgp_status": ["", domain.rgp_status], "reason": "unpaid"})
                _poll(
                    sponsor,
                    PollKind.DELETED,
                    domain.name,
                    f"{domain.unicode_name} expired and could not be auto-renewed (balance too low); "
                    "it is in its redemption period.",
                    {"name": domain.name, "rgp_status": domain.rgp_status, "reason": "unpaid"},
                    now,
                )
                return {"name": domain.name, "rgp_status": domain.rgp_status}
            domain.expires_at, domain.updated_at = add_years(expiry, 1), now
            domain.save(update_fields=["expires_at", "updated_at"])
            _open_grace(
                domain,
                RgpStatus.AUTO_RENEW_PERIOD,
                sponsor,
                fee,
                1,
                operation,
                expiry,
                domain.tld.auto_renew_grace_days,
            )
            _history(
                domain,
                operation,
                now,
                period=1,
                changes={"expires_at": [expiry.isoformat(), domain.expires_at.isoformat()]},
            )
            _poll(
                sponsor,
                PollKind.AUTO_RENEW,
                domain.name,
                f"{domain.unicode_name} was auto-renewed until {domain.expires_at:%Y-%m-%d}.",
                {"name": domain.name, "expires_at": domain.expires_at.isoformat(), "fee": fee},
                now,
            )
            return {"name": domain.name, "expires_at": domain.expires_at.isoformat(), "fee": fee}

        done += _registry_transform(
            domain_id, name, OperationKind.DOMAIN_AUTO_RENEW, f"autorenew-{domain_id}-{expiry:%Y%m%d%H%M%S}", body
        )
    return done


def next_deletion_step() -> datetime | None:
    return (
        Domain.objects.filter(deleted_at=None, rgp_ends_at__isnull=False)
        .order_by("rgp_ends_at")
        .values_list("rgp_ends_at", flat=True)
        .first()
    )


def _next_phase(domain: Domain, now: datetime) -> dict:
    """Move a deleted domain on when its phase ends: redemption -> pendingDelete -> purged;
    a restore request with no report by its deadline falls back to redemption (or to
    pendingDelete once redemption is over)."""
    phase, ended = domain.rgp_status, domain.rgp_ends_at
    tld, sponsor = domain.tld, domain.registrar
    if phase == RgpStatus.PENDING_DELETE:
        domain.deleted_at, domain.updated_at = now, now
        domain.rgp_status, domain.rgp_ends_at = "", None
        domain.save()
        # Hosts under a purged name go with it, from every delegation that named them.
        hosts = list(domain.subordinate_hosts.filter(deleted_at=None))
        for host in hosts:
            for other in host.domains.filter(deleted_at=None).values_list("tld__name", flat=True).distinct():
                zones.request_after_commit(zones.zone_of_tld(other))
            host.domains.clear()
        Host.objects.filter(pk__in=[h.pk for h in hosts]).update(deleted_at=now, updated_at=now)
        _poll(
            sponsor,
            PollKind.DELETED,
            domain.name,
            f"{domain.unicode_name} was purged; the name is available again.",
            {"name": domain.name, "purged_at": now.isoformat()},
            now,
        )
        return {"name": domain.name, "purged_at": now.isoformat(), "changes": {"deleted_at": [None, now.isoformat()]}}
    if phase == RgpStatus.PENDING_RESTORE and domain.redemption_ends_at > ended:
        _enter_phase(domain, RgpStatus.REDEMPTION_PERIOD, domain.redemption_ends_at)
    else:
        start = max(ended, domain.redemption_ends_at or ended)
        _enter_phase(domain, RgpStatus.PENDING_DELETE, start + timedelta(days=tld.pending_delete_days))
    if phase == RgpStatus.PENDING_RESTORE:  # it was back in the zone while the report was awaited
        zones.request_after_commit(zones.zone_of_tld(tld.name))
        _poll(
            sponsor,
            PollKind.RESTORE,
            domain.name,
            f"No restore report for {domain.unicode_name} arrived in time; it is in its {domain.rgp_status} again.",
            {"name": domain.name, "rgp_status": domain.rgp_status},
            now,
        )
    domain.updated_at = now
    domain.save()
    return {"name": domain.name, "rgp_status": domain.rgp_status, "changes": {"rgp_status": [phase, domain.rgp_status]}}


def advance_deletions() -> int:
    """Move every deleted domain whose phase has ended to its next phase (or purge it)."""
    done = 0
    due = Domain.objects.filter(deleted_at=None, rgp_ends_at__lte=clock.now()).order_by("rgp_ends_at")
    for domain_id, name, phase, ends in due.values_list("id", "name", "rgp_status", "rgp_ends_at")[:SWEEP_BATCH]:
        kind = OperationKind.DOMAIN_PURGE if phase == RgpStatus.PENDING_DELETE else OperationKind.DOMAIN_DELETION_PHASE

        def body(operation: Operation, now: datetime, domain_id=domain_id, phase=phase, ends=ends) -> dict:
            domain = _locked_domain(domain_id)
            if (domain.rgp_status, domain.rgp_ends_at) != (phase, ends):
                raise StatusProhibits(f"{domain.name} left its {phase} meanwhile")
            data = _next_phase(domain, now)
            _history(domain, operation, now, changes=data.pop("changes"))
            return data

        done += _registry_transform(domain_id, name, kind, f"rgp-{domain_id}-{phase}-{ends:%Y%m%d%H%M%S}", body)
    return done


def _pending_transfers():
    return Transfer.objects.filter(status=TransferStatus.PENDING)


def next_transfer_decision() -> datetime | None:
    return _pending_transfers().order_by("act_by").values_list("act_by", flat=True).first()


# --- poll messages (RFC 5730 section 2.9.2.3) -------------------------------------------------


def poll_request(registrar: Registrar) -> tuple[int, PollItem | None]:
    """How many messages wait for the registrar, and the oldest of them."""
    queue = PollMessage.objects.filter(registrar=registrar, acked_at=None)
    oldest = queue.order_by("id").first()
    if oldest is None:
        return 0, None
    item = PollItem(
        id=oldest.pk,
        kind=oldest.kind,
        object_name=oldest.object_name,
        message=oldest.message,
        data=oldest.data,
        created_at=oldest.created_at,
    )
    return queue.count(), item


def poll_ack(registrar: Registrar, message_id: int) -> int:
    """Acknowledge (dequeue) one message; the number still waiting."""
    acked = PollMessage.objects.filter(registrar=registrar, pk=message_id, acked_at=None).update(acked_at=clock.now())
    if not acked:
        raise ObjectNotFound(f"no message {message_id} waits in the queue of {registrar.client_id}")
    return PollMessage.objects.filter(registrar=registrar, acked_at=None).count()


# --- registrar credentials --------------------------------------------------------------------


def authenticate_epp(client_id: str, password: str) -> Registrar | None:
    """The active registrar with these EPP credentials, or None."""
    registrar = Registrar.objects.filter(client_id=client_id, is_active=True).first()
    if registrar is None:
        # Spend the same hashing time, so a wrong client id and a wrong password look alike.
        make_password(password)
        return None
    return registrar if registrar.check_epp_password(password) else None


def change_epp_password(registrar: Registrar, new_password: str) -> None:
    """Set a registrar's EPP password (RFC 5730 pwType: 6 to 16 characters)."""
    if not isinstance(new_password, str) or not 6 <= len(new_password) <= 16:
        raise ParameterError("an EPP password is 6 to 16 characters long")
    registrar.set_epp_password(new_password)
    registrar.save(update_fields=["epp_password"])


def delete_domain(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a domain (RFC 5731, with the grace periods of RFC 3915).

    Within its add grace period the domain goes at once: the name is free again and the
    create fee comes back. Otherwise it enters its redemption period (pendingDelete, out
    of the zone, restorable with the restore fee) and is purged when the TLD's redemption
    and pending-delete periods have passed. Either way, every grace period the domain is
    in refunds what its command cost (a renew, the registry's auto-renewal, a transfer).
    """
    parsed = parse_domain_name(name)

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        _require_allowed(domain, "delete")
        subordinate = list(domain.subordinate_hosts.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if subordinate:
            raise AssociationProhibits(f"delete the hosts under {domain.unicode_name} first: {', '.join(subordinate)}")
        graces = _current_graces(domain, now)
        before = domain.expires_at
        refunded = _refund_graces(domain, graces, operation, now)
        changes: dict = {}
        if domain.expires_at != before:
            changes["expires_at"] = [before.isoformat(), domain.expires_at.isoformat()]
        domain.updated_at = now
        if any(g.kind == RgpStatus.ADD_PERIOD for g in graces):
            domain.deleted_at = now
            zones.request_after_commit(zones.zone_of_tld(parsed.tld))
            data = {"name": domain.name, "deleted_at": now.isoformat(), "pending": False}
            changes["deleted_at"] = [None, now.isoformat()]
        else:
            _start_deletion(domain, now)
            data = {
                "name": domain.name,
                "pending": True,
                "rgp_status": domain.rgp_status,
                "redemption_ends_at": domain.redemption_ends_at.isoformat(),
            }
            changes["rgp_status"] = ["", domain.rgp_status]
        domain.save()
        if refunded:
            changes["refunded"] = refunded
        _history(domain, operation, now, changes=changes)
        return data | {"refunded": refunded}

    return _run_transform(registrar, OperationKind.DOMAIN_DELETE, cl_trid, {"name": parsed.ascii}, body)


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
    sponsor = _live_domain(parsed.ascii).registrar
    status = EppStatus(status)
    params = {"name": parsed.ascii, "status": status.value, "on": on, "reason": reason, "actor": actor}

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
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
            zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        changes = {"statuses": [sorted(before), sorted(after)]}
        if reason:
            changes["reason"] = reason
        _history(domain, operation, now, changes=changes, actor=actor)
        return {"name": domain.name, "statuses": sorted(after)}

    return _run_transform(sponsor, OperationKind.DOMAIN_SERVER_STATUS, cl_trid, params, body)


# --- TLD policy lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import of reserved or premium labels did."""

    created: int
    updated: int


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
        if len(reason) > ReservedName._meta.get_field("reason").max_length:
            raise ParameterError(f"{where}: the reason is longer than 200 characters")
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

    model, field_name = (ReservedName, "reason") if kind == NameList.RESERVED else (PremiumName, "annual_fee")
    with transaction.atomic():
        existing = set(model.objects.filter(tld=tld, label__in=parsed).values_list("label", flat=True))
        # One upsert: a concurrent import of the same label updates instead of failing.
        model.objects.bulk_create(
            [model(tld=tld, label=label, **{field_name: value}) for label, value in parsed.items()],
            update_conflicts=True,
            unique_fields=["tld", "label"],
            update_fields=[field_name],
        )
    return ImportResult(created=len(parsed) - len(existing), updated=len(existing))
