"""Locks on names that have no row to lock yet (the first hosted zone of a name, say)."""

from __future__ import annotations

import zlib

from django.db import connection


def hold(key: str) -> None:
    """Hold a lock on ``key`` until the current transaction ends. PostgreSQL takes a
    transaction-level advisory lock; SQLite needs none, since its transactions take the
    one write lock up front (IMMEDIATE, see settings)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(key.encode()) - 2**31])
