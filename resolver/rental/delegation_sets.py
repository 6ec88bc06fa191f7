"""Reusable delegation sets (Route 53's): four rental nameservers an account keeps so that
several of its hosted zones answer from the same servers (``create_hosted_zone`` with
``delegation_set_id``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from config import clock
from resolver.models import DelegationSet, HostedZone
from resolver.rental import limits, pool
from resolver.rental.errors import Conflict, RentalError
from resolver.rental.names import Owner, new_id
from resolver.rental.zones import delegation_set_of, zone_of


def create_delegation_set(owner: Owner, caller_reference: str, *, zone_id: str = "") -> DelegationSet:
    """A reusable set: the servers of the owner's zone ``zone_id`` (which then uses it), or
    four drawn from the pool. A caller reference is used once."""
    caller_reference = str(caller_reference or "").strip()
    if not caller_reference or len(caller_reference) > 128:
        raise RentalError("caller_reference: 1 to 128 characters that identify this request")
    try:
        with transaction.atomic():
            if DelegationSet.objects.filter(owner=owner, caller_reference=caller_reference).exists():
                raise Conflict(
                    "A delegation set has already been created with the specified caller reference.",
                    code="delegation_set_exists",
                )
            limits.check(limits.DELEGATION_SETS, owner)
            zone = zone_of(owner, zone_id, lock=True) if zone_id else None
            if zone is not None and zone.delegation_set_id:
                raise Conflict(
                    f"the hosted zone {zone.pk} already uses the reusable delegation set {zone.delegation_set_id}",
                    code="delegation_set_reusable",
                )
            servers = list(zone.nameservers) if zone is not None else pool.grow(pool.pick())
            created = DelegationSet.objects.create(
                id=new_id("N"),
                owner=owner,
                caller_reference=caller_reference,
                nameservers=servers,
                created_at=clock.now(),
            )
            if zone is not None:
                HostedZone.objects.filter(pk=zone.pk).update(delegation_set=created)
    except IntegrityError:  # the same caller reference raced us
        raise Conflict(
            "A delegation set has already been created with the specified caller reference.",
            code="delegation_set_exists",
        ) from None
    return created


def delete_delegation_set(owner: Owner, set_id: str) -> None:
    """Delete a reusable set, only once no hosted zone uses it."""
    with transaction.atomic():
        found = delegation_set_of(owner, set_id, lock=True)
        if found.hosted_zones.exists():
            raise Conflict(
                f"the reusable delegation set {set_id} is in use by hosted zones; delete them first",
                code="delegation_set_in_use",
            )
        found.delete()
