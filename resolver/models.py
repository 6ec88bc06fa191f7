"""The zone store: every zone the DNS engine serves, in the version last published.

The registry publishes the root and TLD zones here, the rental service its hosted zones;
``run_dns`` loads them into memory and never reads the database per query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from resolver.choices import ZoneKind

MAX_SERIAL = 2**32 - 1


class Zone(models.Model):
    """One DNS zone as last published: its records and the planned servers that serve it.

    ``records`` is a list of ``[owner, ttl, type, rdata]`` in presentation format with
    absolute lower-case owner names, the SOA among them; ``serial`` is the SOA serial,
    which only grows. ``version`` is the publisher's own counter, so a build that arrives
    late never replaces a newer one. ``servers`` names the planned servers (host names of
    the network plan) that answer for the zone.
    """

    name = models.CharField(max_length=255, unique=True, help_text="Absolute, lower case: 'com.', '.'.")
    kind = models.CharField(max_length=16, choices=ZoneKind.choices)
    serial = models.PositiveBigIntegerField()
    version = models.PositiveBigIntegerField(default=0)
    records = models.JSONField(default=list)
    servers = models.JSONField(default=list)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(serial__lte=MAX_SERIAL), name="zone_serial_fits_32_bits"),
            models.CheckConstraint(condition=Q(name__endswith="."), name="zone_name_absolute"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (serial {self.serial})"

    @property
    def record_count(self) -> int:
        return len(self.records)
