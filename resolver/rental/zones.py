"""Hosted zones (Route 53's): making one for any name (several may share it, each on a
delegation set of its own), finding, changing and deleting one, and the nameservers a
registration with ours delegates to."""

from __future__ import annotations

import dns.name
from django.conf import settings
from django.db import IntegrityError, transaction

from config import clock, locks
from resolver.choices import ChangeStatus, TaggedKind
from resolver.models import Change, DelegationSet, HealthCheck, HostedZone, Tag
from resolver.rental import limits, pool
from resolver.rental.errors import Conflict, NotFound, RentalError
from resolver.rental.names import Owner, absolute_name, new_id
from resolver.rental.publication import publish_after_commit
from resolver.rental.tags import drop_tags
from resolver.services import delete_zone


def check_zone_name(origin: dns.name.Name) -> None:
    """A hosted zone is for a name below a TLD, outside the rental pool's own domains."""
    if len(origin) < 3:
        raise RentalError(f"{origin} is a top-level domain; a hosted zone is for a name below one", code="invalid_name")
    if origin.labels[0] == b"*":
        raise RentalError(f"{origin}: a hosted zone's name cannot start with a wildcard", code="invalid_name")
    for domain in settings.NETWORK_PLAN.rental_domains():
        if origin.is_subdomain(dns.name.from_text(domain)):
            raise RentalError(
                f"{origin} is reserved by Namesmith (its rental nameservers' domain)", code="reserved_name"
            )


def create_hosted_zone(
    owner: Owner,
    name: str,
    *,
    caller_reference: str,
    comment: str = "",
    nameservers: list[str] | None = None,
    delegation_set_id: str = "",
) -> tuple[HostedZone, Change | None, bool]:
    """A hosted zone for ``name``; (zone, its first change, created). Any account may make one
    for any name; its delegation set is drawn from the pool (``pool.draw``), or is the
    account's reusable set ``delegation_set_id``, or ``nameservers`` (four pool servers: the
    set a registration in progress delegates to). A second call with the same
    ``caller_reference`` returns the first zone.
    """
    origin = absolute_name(name)
    check_zone_name(origin)
    caller_reference = str(caller_reference or "").strip()
    if not caller_reference or len(caller_reference) > 128:
        raise RentalError("caller_reference: 1 to 128 characters that identify this request")
    if len(comment) > 256:
        raise RentalError("comment: at most 256 characters")
    key = origin.to_text()
    previous = HostedZone.objects.filter(owner=owner, caller_reference=caller_reference).first()
    if previous is not None:
        if previous.name != key:
            raise Conflict(
                f"caller_reference {caller_reference!r} already made the zone {previous.name}",
                code="caller_reference_used",
            )
        return previous, previous.changes.order_by("submitted_at").first(), False
    now = clock.now()
    try:
        with transaction.atomic():
            locks.hold(f"hosted-zone:{key}")  # two zones of one name drawing at once would clash
            limits.check(limits.HOSTED_ZONES, owner)
            reusable = None
            if delegation_set_id:
                reusable = delegation_set_of(owner, delegation_set_id, lock=True)
                limits.check(limits.ZONES_PER_SET, reusable)
                servers = pool.check_set(key, reusable.nameservers)
            elif nameservers is not None:
                servers = pool.check_set(key, nameservers)
            else:
                servers = pool.draw(owner, origin)
            zone = HostedZone.objects.create(
                id=new_id("Z"),
                owner=owner,
                name=key,
                nameservers=servers,
                delegation_set=reusable,
                comment=comment,
                caller_reference=caller_reference,
                version=1,
                created_at=now,
            )
            change = Change.objects.create(
                id=new_id("C"), owner=owner, zone=zone, comment="zone created", version=1, submitted_at=now
            )
            publish_after_commit(zone.pk)
    except IntegrityError:  # the same caller reference raced us: its zone is the answer
        if HostedZone.objects.filter(owner=owner, caller_reference=caller_reference).exists():
            return create_hosted_zone(
                owner,
                name,
                caller_reference=caller_reference,
                comment=comment,
                nameservers=nameservers,
                delegation_set_id=delegation_set_id,
            )
        raise
    return zone, change, True


def delegation_set_of(owner: Owner, set_id: str, *, lock: bool = False) -> DelegationSet:
    sets = DelegationSet.objects.filter(pk=set_id, owner=owner)
    found = (sets.select_for_update() if lock else sets).first()
    if found is None:
        raise NotFound(f"no reusable delegation set {set_id}", code="no_delegation_set")
    return found


def zone_of(owner: Owner, zone_id: str, *, lock: bool = False) -> HostedZone:
    """The owner's zone ``zone_id``; another customer's zone is as unknown as a missing one."""
    zones = HostedZone.objects.filter(pk=zone_id, owner=owner)
    zone = (zones.select_for_update() if lock else zones).first()
    if zone is None:
        raise NotFound(f"no hosted zone {zone_id}")
    return zone


def update_hosted_zone_comment(owner: Owner, zone_id: str, comment: str) -> HostedZone:
    if len(comment) > 256:
        raise RentalError("comment: at most 256 characters")
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        zone.comment = comment
        zone.save(update_fields=["comment"])
    return zone


def delete_hosted_zone(owner: Owner, zone_id: str) -> Change:
    """Stop serving a zone; like Route 53, only once it holds no record sets of the
    customer's. The deletion is a change of its own, INSYNC once the zone left the store
    (its servers hear of it by NOTIFY)."""
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        if count := zone.record_sets.count():
            raise Conflict(
                f"{zone.name} still has {count} record sets: delete them first",
                code="hosted_zone_not_empty",
            )
        name, key = zone.name, zone.pk
        zone.delete()
        drop_tags(TaggedKind.HOSTED_ZONE, key)
        delete_zone(name, key)
        now = clock.now()
        return Change.objects.create(
            id=new_id("C"),
            owner=owner,
            comment=f"{name} deleted",
            version=0,
            status=ChangeStatus.INSYNC,
            submitted_at=now,
            insync_at=now,
        )


def registration_nameservers(owner: Owner, name: str) -> tuple[str, list[str]]:
    """The nameservers a registration of ``name`` with ours delegates to: (zone id, names)
    of the owner's oldest hosted zone of that name if there is one, else ("", a fresh
    delegation set, free of every other zone of the name) for the zone made once the
    registry confirms."""
    origin = absolute_name(name)
    zone = HostedZone.objects.filter(name=origin.to_text(), owner=owner).order_by("created_at").first()
    if zone is not None:
        return zone.pk, [n.rstrip(".") for n in zone.nameservers]
    check_zone_name(origin)
    return "", [n.rstrip(".") for n in pool.draw(owner, origin)]


def reset_account(owner: Owner) -> int:
    """Delete everything the account keeps in the rental service: its hosted zones (withdrawn
    from the store) with their record sets and tags, health checks, reusable delegation
    sets and changes; for a test that starts from a clean account. How many zones and
    health checks went."""
    with transaction.atomic():
        zones = list(HostedZone.objects.select_for_update().filter(owner=owner))
        for zone in zones:
            zone.record_sets.all().delete()
            delete_zone(zone.name, zone.pk)
        HostedZone.objects.filter(owner=owner).delete()
        Change.objects.filter(owner=owner).delete()
        DelegationSet.objects.filter(owner=owner).delete()
        checks = HealthCheck.objects.filter(owner=owner)
        count = checks.count()
        for check in checks:
            check.children.clear()
        checks.delete()
        Tag.objects.filter(owner=owner).delete()
    return len(zones) + count
