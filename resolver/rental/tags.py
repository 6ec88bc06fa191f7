"""Tags (Route 53's): keys and values an account attaches to its hosted zones and health
checks, at most 50 per resource."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from resolver.choices import TaggedKind
from resolver.models import HealthCheck, HostedZone, Tag
from resolver.rental.errors import NotFound, RentalError
from resolver.rental.names import Owner

MAX_TAGS = 50


def _check_owned(owner: Owner, kind: str, ids: Iterable[str]) -> None:
    model = HostedZone if kind == TaggedKind.HOSTED_ZONE else HealthCheck
    wanted = set(ids)
    found = set(model.objects.filter(owner=owner, pk__in=wanted).values_list("pk", flat=True))
    if missing := wanted - found:
        what = "hosted zone" if kind == TaggedKind.HOSTED_ZONE else "health check"
        raise NotFound(f"no {what} {', '.join(sorted(missing))}", code=f"no_{kind}")


def change_tags(owner: Owner, kind: str, resource_id: str, add: Mapping[str, str], remove: Iterable[str]) -> None:
    """Set the tags ``add`` (a key again replaces its value) and drop the keys ``remove``."""
    if kind not in TaggedKind.values:
        raise RentalError(f"tags are kept on {', '.join(TaggedKind.values)}, not {kind}")
    with transaction.atomic():
        _check_owned(owner, kind, [resource_id])
        if common := set(add) & set(remove):
            raise RentalError(f"a key cannot be added and removed at once: {', '.join(sorted(common))}")
        tags = Tag.objects.filter(resource_type=kind, resource_id=resource_id)
        tags.filter(key__in=list(remove)).delete()
        for key, value in add.items():
            Tag.objects.update_or_create(
                resource_type=kind, resource_id=resource_id, key=key, defaults={"owner": owner, "value": value}
            )
        if tags.count() > MAX_TAGS:
            raise RentalError(f"a resource has at most {MAX_TAGS} tags")


def tags_of(owner: Owner, kind: str, resource_ids: list[str]) -> dict[str, dict[str, str]]:
    """The tags of each resource, by its id (an unknown or another account's id is refused)."""
    if kind not in TaggedKind.values:
        raise RentalError(f"tags are kept on {', '.join(TaggedKind.values)}, not {kind}")
    _check_owned(owner, kind, resource_ids)
    found: dict[str, dict[str, str]] = {resource_id: {} for resource_id in resource_ids}
    rows = Tag.objects.filter(resource_type=kind, resource_id__in=resource_ids).values_list(
        "resource_id", "key", "value"
    )
    for resource_id, key, value in rows:
        found[resource_id][key] = value
    return found


def drop_tags(kind: str, resource_id: str) -> None:
    """Forget the tags of a deleted resource."""
    Tag.objects.filter(resource_type=kind, resource_id=resource_id).delete()
