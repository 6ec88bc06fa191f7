"""The pool of rental nameservers and the delegation sets drawn from it.

Like Route 53, several hosted zones may share a name (any account's), and each gets a
delegation set of its own: no nameserver ever serves two zones of one name, so each
answers for exactly one, and the world reaches the zone the name is delegated to. A new
set also avoids every server a published delegation of the name (or of a name above it)
points at, so a zone can never answer where another account's domain is delegated; the
one exception is the name's own holder, who gets back the servers their registration
points at when none of them serves another zone of the name.

The pool starts with the network plan's rental nameservers and grows, a server at a
time (``NetworkPlan.rental_server``), when a name has no free server left in a pool
domain; a grown server is a ``PoolServer`` whose address record its domain's zone
publishes, and ``run_dns`` starts listening for it when a zone names it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import dns.name
from celery import current_app
from django.conf import settings
from django.db import transaction

from config import clock
from config.network import Server
from resolver import ownership
from resolver.choices import RecordType, ZoneKind
from resolver.models import HostedZone, PoolServer, RecordSet, Zone
from resolver.rental.errors import RentalError
from resolver.rental.names import Owner

SET_SIZE = 4
PLATFORM_TASK = "resolver.tasks.publish_platform_zones"


def is_pool_server(name: str) -> bool:
    plan = settings.NETWORK_PLAN
    return name in {s.name for s in plan.rental_nameservers} or plan.rental_server_number(name) is not None


def serving(name: str) -> set[str]:
    """The servers of every zone of ``name`` (absolute), hosted or published."""
    taken: set[str] = set()
    for servers in HostedZone.objects.filter(name=name).values_list("nameservers", flat=True):
        taken.update(servers)
    for servers in Zone.objects.filter(name=name).values_list("servers", flat=True):
        taken.update(servers)
    return taken


def delegations(name: dns.name.Name) -> dict[str, set[str]]:
    """The pool servers each published delegation of ``name`` or a name above it points
    at, by delegated name: NS record sets of hosted zones, and the registry's TLD zones."""
    owners = [name.split(depth)[1].to_text() for depth in range(1, len(name) + 1)]
    found: dict[str, set[str]] = {}
    rows = RecordSet.objects.filter(type=RecordType.NS, name__in=owners).values_list("name", "values")
    for owner, values in rows:
        found.setdefault(owner, set()).update(v.lower() for v in values)
    for zone, records in Zone.objects.filter(name__in=owners, kind=ZoneKind.TLD).values_list("name", "records"):
        for owner, _ttl, rtype, value in records:
            if rtype == RecordType.NS and owner != zone and owner in owners:
                found.setdefault(owner, set()).add(str(value).lower())
    return {owner: {s for s in servers if is_pool_server(s)} for owner, servers in found.items()}


def draw(owner: Owner, name: dns.name.Name) -> list[str]:
    """A delegation set for a new zone of ``name`` (see the module's docstring)."""
    key = name.to_text()
    taken = serving(key)
    delegated = delegations(name)
    own = delegated.get(key, set())
    if len(own) == SET_SIZE and not own & taken and ownership.holds_any(owner, [name.to_text().rstrip(".")]):
        return grow(sorted(own))
    for servers in delegated.values():
        taken |= servers
    return grow(pick(taken))


def check_set(name: str, nameservers: Iterable[str]) -> list[str]:
    """``nameservers`` as a delegation set for a new zone of ``name``: four different
    servers of the pool, none of them serving another zone of that name."""
    servers = [str(n).rstrip(".").lower() + "." for n in nameservers]
    if len(set(servers)) != SET_SIZE or not all(map(is_pool_server, servers)):
        raise RentalError("a delegation set is four different rental nameservers of the pool")
    if shared := set(servers) & serving(name):
        raise RentalError(
            f"{', '.join(sorted(shared))} already serve{'s' * (len(shared) == 1)} another zone of {name}",
            code="conflicting_domain",
        )
    return grow(servers)


def pick(taken: set[str] | None = None) -> list[str]:
    """Four free servers, one of each pool domain while there are domains: a random one of
    the plan's own where free, else the first the pool grows by in that domain."""
    plan = settings.NETWORK_PLAN
    taken = taken or set()
    domains = list(plan.rental_domains().items())
    random.shuffle(domains)
    picked: list[str] = []
    while len(picked) < SET_SIZE:
        before = len(picked)
        for domain, servers in domains:
            if len(picked) == SET_SIZE:
                break
            server = _free_in(domain, servers, taken | set(picked))
            if server is not None:
                picked.append(server)
        if len(picked) == before:
            raise RentalError(
                f"the rental pool ({plan.rental_pool_size()} nameservers) has none left for another zone of this name",
                code="conflicting_domain",
            )
    return picked


def _free_in(domain: str, servers: list[Server], taken: set[str]) -> str | None:
    free = [s.name for s in servers if s.name not in taken]
    if free:
        return random.choice(free)
    plan = settings.NETWORK_PLAN
    for number in range(len(plan.rental_nameservers) + 1, plan.rental_pool_size() + 1):
        server = plan.rental_server(number)
        if server.name not in taken and server.name.endswith(f".{domain}."):
            return server.name
    return None


def grow(servers: list[str]) -> list[str]:
    """Record the servers of a set the pool grew by; when one is new, its domain's zone is
    published again after the commit (with its address)."""
    plan = settings.NETWORK_PLAN
    added = False
    for name in servers:
        number = plan.rental_server_number(name)
        if number is None:
            continue
        server = plan.rental_server(number)
        _, created = PoolServer.objects.get_or_create(
            number=number, defaults={"name": server.name, "address": server.address, "added_at": clock.now()}
        )
        added |= created
    if added:
        transaction.on_commit(lambda: current_app.send_task(PLATFORM_TASK))
    return servers


def grown_servers() -> list[Server]:
    """The servers the pool grew by, with their addresses."""
    return [Server(row.name, row.address) for row in PoolServer.objects.all()]
