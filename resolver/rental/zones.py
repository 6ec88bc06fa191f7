"""Hosted zones (Route 53's): making one for a name its owner holds, finding and deleting
one, and the nameservers a registration with ours delegates to."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from config import clock
from resolver.models import Change, HostedZone
from resolver.rental.errors import Conflict, NotFound, RentalError
from resolver.rental.names import Owner, absolute_name, delegation_set, new_id, owns
from resolver.rental.publication import publish_after_commit
from resolver.services import delete_zone


def create_hosted_zone(
    owner: Owner,
    name: str,
    *,
    caller_reference: str,
    comment: str = "",
    for_registration: bool = False,
    nameservers: list[str] | None = None,
) -> tuple[HostedZone, Change | None, bool]:
    """A hosted zone for ``name``; (zone, its first change, created). Its delegation set is drawn
    from the pool, or is ``nameservers`` (four pool servers, like a reusable delegation set).

    The owner must hold the name (or a domain above it) at our registrar, unless the zone
    is made for a registration in progress (``for_registration``) or the owner is staff.
    A second call with the same ``caller_reference`` returns the first zone.
    """
    origin = absolute_name(name)
    if len(origin) < 3:
        raise RentalError(f"{origin} is a top-level domain; a hosted zone is for a name below one")
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
    if not for_registration and not owner.is_staff and not owns(owner, origin):
        raise RentalError(
            f"{key} is not a domain you hold here, nor below one: register it first", code="not_your_domain"
        )
    if nameservers is None:
        nameservers = delegation_set()
    else:
        pool = {s.name for s in settings.NETWORK_PLAN.rental_nameservers}
        nameservers = [n.rstrip(".").lower() + "." for n in nameservers]
        if len(set(nameservers)) != 4 or not set(nameservers) <= pool:
            raise RentalError("a delegation set is four different rental nameservers of the pool")
    now = clock.now()
    try:
        with transaction.atomic():
            zone = HostedZone.objects.create(
                id=new_id("Z"),
                owner=owner,
                name=key,
                nameservers=nameservers,
                comment=comment,
                caller_reference=caller_reference,
                version=1,
                created_at=now,
            )
            change = Change.objects.create(
                id=new_id("C"), zone=zone, comment="zone created", version=1, submitted_at=now
            )
            publish_after_commit(zone.pk)
    except IntegrityError:
        if HostedZone.objects.filter(owner=owner, caller_reference=caller_reference).exists():
            return create_hosted_zone(
                owner,
                name,
                caller_reference=caller_reference,
                comment=comment,
                for_registration=for_registration,
                nameservers=nameservers,
            )
        raise Conflict(f"a hosted zone for {key} exists already", code="zone_exists") from None
    return zone, change, True


def zone_of(owner: Owner, zone_id: str, *, lock: bool = False) -> HostedZone:
    """The owner's zone ``zone_id``; another customer's zone is as unknown as a missing one."""
    zones = HostedZone.objects.filter(pk=zone_id, owner=owner)
    zone = (zones.select_for_update() if lock else zones).first()
    if zone is None:
        raise NotFound(f"no hosted zone {zone_id}")
    return zone


def delete_hosted_zone(owner: Owner, zone_id: str) -> None:
    """Stop serving a zone; like Route 53, only once it holds no record sets of the customer's."""
    with transaction.atomic():
        zone = zone_of(owner, zone_id, lock=True)
        if count := zone.record_sets.count():
            raise Conflict(
                f"{zone.name} still has {count} record sets: delete them first",
                code="hosted_zone_not_empty",
            )
        name = zone.name
        zone.delete()
        delete_zone(name)


def registration_nameservers(owner: Owner, name: str) -> tuple[str, list[str]]:
    """The nameservers a registration of ``name`` with ours delegates to: (zone id, names)
    of the owner's hosted zone of that name if there is one, else ("", a fresh delegation
    set) for the zone made once the registry confirms. Refused when another account has
    a zone of that name (one a former holder left behind)."""
    key = absolute_name(name).to_text()
    zone = HostedZone.objects.filter(name=key).first()
    if zone is not None and zone.owner_id != owner.pk:
        raise Conflict(f"a hosted zone for {key} belongs to another account; give your own nameservers")
    servers = zone.nameservers if zone is not None else delegation_set()
    return (zone.pk if zone is not None else ""), [n.rstrip(".") for n in servers]
