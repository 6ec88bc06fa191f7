"""The read queries every EPP, REST and pipeline command makes, written in SQL.

The ORM compiles a query anew on each call, and for these it costs far more than the
query: finding a TLD with the name's reserved and premium policy took 1.2 ms of CPU to
build and 0.1 ms to run. Each function here is one statement, text built once per
process from the models' table and column names, that runs the same on SQLite and
PostgreSQL (tests/registry/test_lookups.py runs it on both, against the ORM's answer).
Writes stay in the ORM.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model

from registry.models import (
    DelegationSigner,
    Domain,
    DomainStatus,
    GracePeriod,
    Host,
    PremiumName,
    Registrar,
    ReservedName,
    Tld,
    Transfer,
)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


@cache
def _registrar_sql() -> str:
    return f"SELECT * FROM {_table(Registrar)} WHERE client_id = %s AND is_active = %s"


def active_registrar(client_id: str) -> Registrar | None:
    """The active registrar with ``client_id``, if there is one."""
    return next(iter(Registrar.objects.raw(_registrar_sql(), [client_id, True])), None)


@cache
def _tld_sql() -> str:
    return (
        f"SELECT t.*,"
        f" EXISTS (SELECT 1 FROM {_table(ReservedName)} r WHERE r.tld_id = t.id AND r.label = %s) AS is_reserved,"
        f" (SELECT p.annual_fee FROM {_table(PremiumName)} p WHERE p.tld_id = t.id AND p.label = %s) AS premium_fee"
        f" FROM {_table(Tld)} t WHERE t.name = %s"
    )


def tld_with_policy(tld: str, label: str) -> Tld | None:
    """TLD ``tld`` with the policy of the second-level ``label`` there: ``is_reserved``
    and ``premium_fee`` (None unless the label is premium)."""
    found = next(iter(Tld.objects.raw(_tld_sql(), [label, label, tld])), None)
    if found is not None:
        found.is_reserved = bool(found.is_reserved)  # SQLite answers EXISTS with 0 or 1
    return found


@dataclass
class LabelPolicies:
    """Reserved labels with their reason and premium labels with their annual fee, both
    keyed by (tld, label)."""

    reserved: dict[tuple[str, str], str] = field(default_factory=dict)
    premium: dict[tuple[str, str], int] = field(default_factory=dict)


def label_policies(tlds: Collection[str], labels: Collection[str]) -> LabelPolicies:
    """The reserved and premium rows for any of ``labels`` under any of ``tlds``."""
    policies = LabelPolicies()
    if not tlds or not labels:
        return policies
    tld_in, label_in = _placeholders(len(tlds)), _placeholders(len(labels))
    sql = (
        f"SELECT t.name, x.label, x.reason, NULL FROM {_table(ReservedName)} x"
        f" JOIN {_table(Tld)} t ON t.id = x.tld_id WHERE t.name IN ({tld_in}) AND x.label IN ({label_in})"
        f" UNION ALL SELECT t.name, x.label, NULL, x.annual_fee FROM {_table(PremiumName)} x"
        f" JOIN {_table(Tld)} t ON t.id = x.tld_id WHERE t.name IN ({tld_in}) AND x.label IN ({label_in})"
    )
    params = [*tlds, *labels]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        for tld, label, reason, fee in cursor.fetchall():
            if fee is None:
                policies.reserved[(tld, label)] = reason
            else:
                policies.premium[(tld, label)] = fee
    return policies


@dataclass
class DomainFacets:
    """What a domain's info shows beside its own row, each list sorted: stored EPP
    statuses, nameserver names, live subordinate host names, the kinds of its current
    grace periods, its DS records and the status of its latest transfer."""

    statuses: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    graces: list[str] = field(default_factory=list)
    ds: list[dict[str, Any]] = field(default_factory=list)
    transfer_status: str | None = None


@cache
def _facets_sql() -> str:
    ns_table = _table(Domain.nameservers.through)
    # The DS branch comes first: PostgreSQL types each column from the branches in order,
    # and the other branches' NULLs would make the integer columns text.
    return (
        f"SELECT 'd', digest, key_tag, algorithm, digest_type FROM {_table(DelegationSigner)} WHERE domain_id = %s"
        f" UNION ALL SELECT 's', status, NULL, NULL, NULL FROM {_table(DomainStatus)} WHERE domain_id = %s"
        f" UNION ALL SELECT 'n', h.name, NULL, NULL, NULL FROM {_table(Host)} h"
        f" JOIN {ns_table} n ON n.host_id = h.id WHERE n.domain_id = %s"
        f" UNION ALL SELECT 'h', name, NULL, NULL, NULL FROM {_table(Host)}"
        f" WHERE superordinate_id = %s AND deleted_at IS NULL"
        f" UNION ALL SELECT 't', status, NULL, NULL, NULL FROM (SELECT status FROM {_table(Transfer)}"
        f" WHERE domain_id = %s ORDER BY requested_at DESC, id DESC LIMIT 1) latest"
        f" UNION ALL SELECT 'g', kind, NULL, NULL, NULL FROM {_table(GracePeriod)}"
        f" WHERE domain_id = %s AND ends_at > %s"
    )


def domain_facets(domain_id: int, now: datetime) -> DomainFacets:
    """A domain's statuses, nameservers, hosts, grace periods current at ``now``, DS
    records and latest transfer status, in one round trip."""
    facets = DomainFacets()
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_facets_sql(), [domain_id] * 6 + [moment])
        rows = cursor.fetchall()
    lists = {"s": facets.statuses, "n": facets.nameservers, "h": facets.hosts, "g": facets.graces}
    for kind, value, key_tag, algorithm, digest_type in rows:
        if kind == "t":
            facets.transfer_status = value
        elif kind == "d":
            facets.ds.append({"key_tag": key_tag, "algorithm": algorithm, "digest_type": digest_type, "digest": value})
        else:
            lists[kind].append(value)
    for values in lists.values():
        values.sort()
    facets.graces = sorted(set(facets.graces))
    facets.ds.sort(key=lambda ds: (ds["key_tag"], ds["algorithm"], ds["digest_type"], ds["digest"]))
    return facets
