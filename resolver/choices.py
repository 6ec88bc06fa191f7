"""Enumerations of the resolver app (zone kinds)."""

from django.db import models


class ZoneKind(models.TextChoices):
    """Who builds a published zone."""

    ROOT = "root", "Root zone (registry)"
    TLD = "tld", "TLD zone (registry)"
    PLATFORM = "platform", "Rental nameservers' own zone"
    HOSTED = "hosted", "Customer hosted zone"
