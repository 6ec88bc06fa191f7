"""Fixtures the registration-data tests (RDAP, WHOIS) share: a frozen clock and a
sponsoring registrar with the details those answers publish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import clock
from registry.models import Registrar

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def sponsor(alpha) -> Registrar:
    alpha.iana_id = 9991
    alpha.url = "https://alpha.example"
    alpha.phone = "+1.5555550001"
    alpha.save(update_fields=["iana_id", "url", "phone"])
    return alpha
