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
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Subquery, Value

from config import clock
from config.faults import pause_point
from config.money import format_money
from registry import zones
from registry.choices import PROHIBITING, SERVER_STATUSES, CheckStatus, EppStatus, LedgerKind, NameList, OperationKind
from registry.errors import (
    AssociationProhibits,
    DomainReserved,
    DomainUnavailable,
    ExpiryMismatch,
    FeeMismatch,
    InsufficientFunds,
    InvalidName,
    NotSponsor,
    ObjectExists,
    ObjectNotFound,
    ParameterError,
    StatusProhibits,
    TransactionIdReused,
    UnknownRegistrar,
    UnknownTld,
)
from registry.models import (
    MAX_PERIOD_YEARS,
    Contact,
    Domain,
    DomainHistory,
    DomainStatus,
    Host,
    HostAddress,
    LedgerEntry,
    Operation,
    PremiumName,
    Registrar,
    ReservedName,
    Tld,
    new_auth_info,
)
from registry.names import ParsedName, parse_domain_name, parse_host_name

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
    auth_info: str | None  # only for the sponsoring registrar


# --- helpers ----------------------------------------------------------------------------------


def get_registrar(client_id: str) -> Registrar:
    try:
        return Registrar.objects.get(client_id=client_id, is_active=True)
    except Registrar.DoesNotExist:
        raise UnknownRegistrar(f"no active registrar with client id {client_id!r}") from None


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
    with transaction.atomic():
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
                operation.save()
        except IntegrityError:
            if cl_trid is None:  # not a replay: nothing else may collide
                raise
            previous = Operation.objects.get(registrar=registrar, cl_trid=cl_trid)
            return _replay(previous, kind, fingerprint)
        data = body(operation, now)
        operation.response = data
        operation.save(update_fields=["response"])
        pause_point(f"registry.before_commit.{kind.value}")
    return OperationResult(kind=kind.value, sv_trid=operation.sv_trid, cl_trid=cl_trid, data=data)


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
    """The name's TLD, annotated with the name's policy there: ``is_reserved`` and
    ``premium_fee`` (None unless premium). One query."""
    label = parsed.labels[0]
    tld = (
        Tld.objects.filter(name=parsed.tld)
        .annotate(
            is_reserved=Exists(ReservedName.objects.filter(tld=OuterRef("pk"), label=label)),
            premium_fee=Subquery(PremiumName.objects.filter(tld=OuterRef("pk"), label=label).values("annual_fee")[:1]),
        )
        .first()
    )
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


def _require_allowed(domain: Domain, command: str) -> None:
    blocking = sorted(domain.stored_statuses() & PROHIBITING[command])
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


def validate_nameservers(nameservers: Sequence[str]) -> list[str]:
    """Canonical host names for a nameserver list, or an error naming the bad entry."""
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
    if names and not MIN_NAMESERVERS <= len(names) <= MAX_NAMESERVERS:
        raise ParameterError(
            f"a domain has {MIN_NAMESERVERS} to {MAX_NAMESERVERS} nameservers, or none; {len(names)} given"
        )
    return names


def _resolve_hosts(registrar: Registrar, names: list[str], now: datetime) -> list[Host]:
    """Host objects for nameserver names; unknown external hosts are created on the fly."""
    existing = {h.name: h for h in Host.objects.filter(name__in=names, deleted_at=None)}
    our_tlds = set(Tld.objects.filter(name__in={n.rsplit(".", 1)[-1] for n in names}).values_list("name", flat=True))
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
    taken = set(Domain.objects.filter(name__in=ascii_names, deleted_at=None).values_list("name", flat=True))
    labels = {p.labels[0] for p in parsed.values()}
    # Reserved and premium labels in one round trip: (tld, label, reason, fee) rows where a
    # reserved row has no fee and a premium row no reason.
    reserved_rows = (
        ReservedName.objects.filter(label__in=labels, tld__name__in=tlds)
        .order_by()
        .values_list("tld__name", "label", "reason", Value(None, output_field=BigIntegerField()))
    )
    premium_rows = (
        PremiumName.objects.filter(label__in=labels, tld__name__in=tlds)
        .order_by()
        .values_list("tld__name", "label", Value(None, output_field=CharField()), "annual_fee")
    )
    reserved, premium = {}, {}
    for tld_name, label, reason, fee in reserved_rows.union(premium_rows, all=True):
        if fee is None:
            reserved[(tld_name, label)] = reason
        else:
            premium[(tld_name, label)] = fee

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
            results[i] = NameCheck(**base, status=CheckStatus.UNAVAILABLE, reason="already registered")
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
                )
            else:
                results[i] = NameCheck(
                    **base, **period, status=CheckStatus.AVAILABLE, create_fee=tld.create_fee, renew_fee=tld.renew_fee
                )
    return [results[i] for i in range(len(names))]


def info_domain(name: str, *, registrar: Registrar | None = None) -> DomainInfo:
    """A domain's data; the auth info only for its sponsoring registrar."""
    domain = _live_domain(name)
    return DomainInfo(
        name=domain.name,
        unicode_name=domain.unicode_name,
        roid=domain.roid,
        registrar=domain.registrar.client_id,
        registrant=domain.registrant.handle if domain.registrant else None,
        statuses=domain.epp_statuses(),
        nameservers=sorted(domain.nameservers.values_list("name", flat=True)),
        created_at=domain.created_at,
        expires_at=domain.expires_at,
        updated_at=domain.updated_at,
        auth_info=domain.auth_info if registrar is not None and registrar.pk == domain.registrar_id else None,
    )


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


def update_contact(registrar: Registrar, handle: str, data: dict, *, cl_trid: str | None = None) -> OperationResult:
    """Replace the details of contact ``handle``; only its sponsor may."""
    handle, fields = _contact_handle(handle), _contact_fields(data)

    def body(operation: Operation, now: datetime) -> dict:
        contact = Contact.objects.select_for_update().filter(handle=handle).first()
        if contact is None:
            raise ObjectNotFound(f"contact {handle} does not exist")
        if contact.registrar_id != registrar.pk:
            raise NotSponsor(f"contact {handle} is sponsored by another registrar")
        changed = [key for key, value in fields.items() if getattr(contact, key) != value]
        for key in changed:
            setattr(contact, key, fields[key])
        contact.updated_at = now
        contact.save(update_fields=[*changed, "updated_at"])
        return {"handle": handle, "changed": changed}

    return _run_transform(registrar, OperationKind.CONTACT_UPDATE, cl_trid, {"name": handle, **fields}, body)


def create_host(
    registrar: Registrar, name: str, addresses: Sequence[str] = (), *, cl_trid: str | None = None
) -> OperationResult:
    """Create a nameserver host; internal hosts need their domain and glue addresses."""
    parsed = parse_host_name(name)
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

    def body(operation: Operation, now: datetime) -> dict:
        superordinate = None
        if Tld.objects.filter(name=parsed.tld).exists():
            parent = ".".join(parsed.labels[-2:])
            if parent == parsed.ascii:
                raise ParameterError(f"{parsed.ascii} is a domain name, not a host under one")
            superordinate = Domain.objects.filter(name=parent, deleted_at=None).first()
            if superordinate is None:
                raise ObjectNotFound(f"host {parsed.ascii} needs its domain {parent}, which does not exist")
            if superordinate.registrar_id != registrar.pk:
                raise NotSponsor(f"domain {parent} is sponsored by another registrar")
            if not glue:
                raise ParameterError(f"host {parsed.ascii} is inside .{parsed.tld} and needs a glue address")
        elif glue:
            raise ParameterError(
                f"host {parsed.ascii} is outside the TLDs this registry runs; it takes no glue addresses"
            )
        host = Host(name=parsed.ascii, registrar=registrar, superordinate=superordinate, created_at=now, updated_at=now)
        try:
            with transaction.atomic():
                host.save()
        except IntegrityError:
            raise ObjectExists(f"host {parsed.ascii} already exists") from None
        HostAddress.objects.bulk_create(HostAddress(host=host, address=a) for a in glue)
        if superordinate is not None:
            zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        return {"name": parsed.ascii, "addresses": glue}

    return _run_transform(
        registrar, OperationKind.HOST_CREATE, cl_trid, {"name": parsed.ascii, "addresses": glue}, body
    )


def create_domain(
    registrar: Registrar,
    name: str,
    *,
    years: int = 1,
    nameservers: Sequence[str] = (),
    registrant: str | None = None,
    auth_info: str | None = None,
    cl_trid: str | None = None,
    expected_fee: int | None = None,
) -> OperationResult:
    """Register ``name`` for ``years``, debiting the registrar the fee for that name."""
    parsed = parse_domain_name(name)
    ns_names = validate_nameservers(nameservers)
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
            contact = Contact.objects.filter(handle=registrant).first()
            if contact is None:
                raise ObjectNotFound(f"contact {registrant} does not exist")
            if contact.registrar_id != registrar.pk:
                raise NotSponsor(f"contact {registrant} is sponsored by another registrar")
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
            with transaction.atomic():
                domain.save()
        except IntegrityError:  # the live name is unique: it is registered already
            raise DomainUnavailable(f"{parsed.unicode} is already registered") from None
        if ns_names:
            domain.nameservers.add(*_resolve_hosts(registrar, ns_names, now))
            zones.request_after_commit(zones.zone_of_tld(tld.name))
        _debit(registrar, fee, operation, f"Create {parsed.unicode} for {years} year(s)", now)
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


def delete_domain(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a domain; its name becomes available again and its history stays."""
    parsed = parse_domain_name(name)

    def body(operation: Operation, now: datetime) -> dict:
        domain = _live_domain(parsed.ascii, lock=True)
        _require_sponsor(domain, registrar)
        _require_allowed(domain, "delete")
        subordinate = list(domain.subordinate_hosts.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if subordinate:
            raise AssociationProhibits(f"delete the hosts under {domain.unicode_name} first: {', '.join(subordinate)}")
        domain.deleted_at = domain.updated_at = now
        domain.save(update_fields=["deleted_at", "updated_at"])
        zones.request_after_commit(zones.zone_of_tld(parsed.tld))
        _history(domain, operation, now, changes={"deleted_at": [None, now.isoformat()]})
        return {"name": domain.name, "deleted_at": now.isoformat()}

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
