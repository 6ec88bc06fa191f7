"""Route 53's quotas (``settings.ROUTE53_LIMITS``, by Route 53's names): how many hosted
zones, health checks and reusable delegation sets an account may have, how many record
sets a zone and how many zones a reusable delegation set."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from resolver.models import DelegationSet, HealthCheck, HostedZone
from resolver.rental.errors import RentalError

HOSTED_ZONES = "MAX_HOSTED_ZONES_BY_OWNER"
HEALTH_CHECKS = "MAX_HEALTH_CHECKS_BY_OWNER"
DELEGATION_SETS = "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER"
ZONES_PER_SET = "MAX_ZONES_BY_REUSABLE_DELEGATION_SET"
RECORD_SETS = "MAX_RRSETS_BY_ZONE"


class LimitExceeded(RentalError):
    """A quota would be passed; ``limit`` names it."""

    code = "limit_exceeded"

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


def value(limit: str) -> int:
    return int(settings.ROUTE53_LIMITS[limit])


def count(limit: str, subject: Any) -> int:
    """How much of ``limit`` ``subject`` (an account, or a delegation set) uses now."""
    if limit == HOSTED_ZONES:
        return HostedZone.objects.filter(owner=subject).count()
    if limit == HEALTH_CHECKS:
        return HealthCheck.objects.filter(owner=subject).count()
    if limit == DELEGATION_SETS:
        return DelegationSet.objects.filter(owner=subject).count()
    if limit == ZONES_PER_SET:
        return HostedZone.objects.filter(delegation_set=subject).count()
    raise ValueError(limit)


WHAT = {
    HOSTED_ZONES: "hosted zones",
    HEALTH_CHECKS: "health checks",
    DELEGATION_SETS: "reusable delegation sets",
    ZONES_PER_SET: "hosted zones on this delegation set",
}


def check(limit: str, subject: Any) -> None:
    """Refuse one more of ``limit`` for ``subject`` when it has reached the quota."""
    if count(limit, subject) >= value(limit):
        raise LimitExceeded(limit, f"Limits Exceeded: {limit} - Cannot create more {WHAT[limit]}.")
