"""Host objects (RFC 5732): nameservers, with glue addresses when they live under a TLD this
registry runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from registry import zones
from registry.choices import OperationKind
from registry.errors import AssociationProhibits, InvalidName, NotSponsor, ObjectExists, ObjectNotFound, ParameterError
from registry.models import Domain, Host, HostAddress, Operation, Registrar, Tld
from registry.names import ParsedName, parse_host_name
from registry.services.results import HostDetails, HostInfo, ObjectCheck, OperationResult
from registry.services.transform import run_transform
from registry.services.validation import MAX_CHECK_NAMES, address_order, glue_addresses

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


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


def _live_host(name: str, *, lock: bool = False) -> Host:
    """The live host ``name``."""
    parsed = parse_host_name(name)
    rows = Host.objects.filter(name=parsed.ascii, deleted_at=None)
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
    parsed = parse_host_name(name)
    host = with_host_details(Host.objects.filter(name=parsed.ascii, deleted_at=None)).first()
    if host is None:
        raise ObjectNotFound(f"host {parsed.ascii} does not exist")
    return HostInfo.of(host)


def with_host_details(hosts: QuerySet[Host]) -> QuerySet[WithAnnotations[Host, HostDetails]]:
    """``hosts`` with what ``HostInfo.of`` reads: a page of them costs two queries, whatever its size."""
    linked = Exists(Domain.objects.filter(nameservers=OuterRef("pk"), deleted_at=None))
    return hosts.select_related("registrar", "superordinate").prefetch_related("addresses").annotate(linked=linked)


def resolve_hosts(registrar: Registrar, names: list[str], now: datetime) -> list[Host]:
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


def create_host(
    registrar: Registrar, name: str, addresses: Sequence[str] = (), *, cl_trid: str | None = None
) -> OperationResult:
    """Create a nameserver host; internal hosts need their domain and glue addresses."""
    parsed = parse_host_name(name)
    glue = glue_addresses(addresses)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
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

    return run_transform(registrar, OperationKind.HOST_CREATE, cl_trid, {"name": parsed.ascii, "addresses": glue}, body)


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
    add, remove = glue_addresses(add_addresses), glue_addresses(remove_addresses)
    renamed = parse_host_name(new_name) if new_name is not None else None
    if not (add or remove or renamed):
        raise ParameterError(f"the update of host {parsed.ascii} changes nothing")
    params = {"name": parsed.ascii, "add": add, "remove": remove, "new_name": renamed.ascii if renamed else None}

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
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
        return {"name": host.name, "addresses": sorted(after, key=address_order)}

    return run_transform(registrar, OperationKind.HOST_UPDATE, cl_trid, params, body)


def delete_host(registrar: Registrar, name: str, *, cl_trid: str | None = None) -> OperationResult:
    """Delete a host no live domain uses; only its sponsor may."""
    parsed = parse_host_name(name)

    def body(operation: Operation, now: datetime) -> dict[str, Any]:
        host = _own_host(registrar, parsed.ascii)
        users = list(host.domains.filter(deleted_at=None).values_list("name", flat=True)[:5])
        if users:
            raise AssociationProhibits(f"host {host.name} is a nameserver of {', '.join(users)}")
        host.deleted_at = host.updated_at = now
        host.save(update_fields=["deleted_at", "updated_at"])
        _republish_host_zone(host.name, host.is_internal)
        return {"name": host.name, "deleted_at": now.isoformat()}

    return run_transform(registrar, OperationKind.HOST_DELETE, cl_trid, {"name": parsed.ascii}, body)
