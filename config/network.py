"""The network plan: the loopback address of every server the emulator runs.

Root servers, TLD servers, the rental nameserver pool, the recursive resolver, the demo
origins (web servers the demo zone points at), EPP and WHOIS each get an address of their
own inside one /16 of 127.0.0.0/8 (``NETWORK_BLOCK``,
default 127.53.0.0/16), so a stock resolver given ``manage.py roothints`` walks the
same delegation chain it walks on the Internet. A JSON file (``NETWORK_PLAN_FILE``, the
shape ``manage.py endpoints --json`` prints) can replace the generated plan.

All DNS listeners share one port: 53 when this process may bind it, ``DNS_HIGH_PORT``
otherwise, ``DNS_PORT`` when set.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DEFAULT_BLOCK = "127.53.0.0/16"
DNS_HIGH_PORT = 10053
EPP_HIGH_PORT = 10700
WHOIS_HIGH_PORT = 10043
ORIGIN_HIGH_PORT = 10080
# TLD servers named for each TLD the demo runs; other TLDs get DEFAULT_TLD_KEY's servers.
DEFAULT_TLD_KEY = "*"
_FORBIDDEN = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.53")}
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


@dataclass(frozen=True)
class Server:
    """A DNS server of the plan: its host name (absolute, lower case) and address."""

    name: str
    address: str


@dataclass(frozen=True)
class Endpoint:
    address: str
    port: int


@dataclass(frozen=True)
class Origin:
    """A demo web server (a customer's resource that zones point at and health checks probe)."""

    name: str
    address: str
    port: int


@dataclass(frozen=True)
class Region:
    """An emulated region: DNS clients whose address (or EDNS Client Subnet) falls in
    ``networks`` are there, for latency and geolocation routing."""

    name: str
    continent: str
    country: str
    networks: tuple[str, ...]


# Four regions over 127.0.0.0/8; 127.0.0.1 and the plan's servers are in the first.
DEFAULT_REGIONS = (
    Region("us-east-1", "NA", "US", ("127.0.0.0/10",)),
    Region("eu-west-1", "EU", "IE", ("127.64.0.0/10",)),
    Region("ap-northeast-2", "AS", "KR", ("127.128.0.0/10",)),
    Region("sa-east-1", "SA", "BR", ("127.192.0.0/10",)),
)
# Round trips between them in milliseconds, as a latency-based router would have measured.
DEFAULT_LATENCY = (
    ("us-east-1", "eu-west-1", 75),
    ("us-east-1", "ap-northeast-2", 180),
    ("us-east-1", "sa-east-1", 115),
    ("eu-west-1", "ap-northeast-2", 230),
    ("eu-west-1", "sa-east-1", 185),
    ("ap-northeast-2", "sa-east-1", 290),
)


@dataclass(frozen=True)
class NetworkPlan:
    dns_port: int
    root_servers: tuple[Server, ...]
    tld_servers: dict[str, tuple[Server, ...]] = field(hash=False)
    rental_nameservers: tuple[Server, ...]
    resolver: Endpoint
    epp: Endpoint
    whois: Endpoint
    origins: tuple[Origin, ...] = ()
    regions: tuple[Region, ...] = DEFAULT_REGIONS
    latency: tuple[tuple[str, str, int], ...] = DEFAULT_LATENCY
    # How many rental nameservers the pool may grow to (``rental_server``), and the /16 a
    # generated plan takes their addresses from; a plan read from a file has just its list.
    rental_pool_limit: int = 0
    block: str = ""

    def servers_for_tld(self, tld: str) -> tuple[Server, ...]:
        """The servers of ``tld`` (ASCII, no dot); TLDs the plan does not name share the default set."""
        return self.tld_servers.get(tld) or self.tld_servers[DEFAULT_TLD_KEY]

    def dns_servers(self) -> list[Server]:
        """Every authoritative server, each once, in plan order."""
        seen: dict[str, Server] = {}
        for server in (
            *self.root_servers,
            *(s for servers in self.tld_servers.values() for s in servers),
            *self.rental_nameservers,
        ):
            seen.setdefault(server.name, server)
        return list(seen.values())

    def rental_domains(self) -> dict[str, list[Server]]:
        """Each domain the rental nameservers are named under (``namesmith-dns.com``, no
        trailing dot), with the servers inside it, in plan order."""
        domains: dict[str, list[Server]] = {}
        for server in self.rental_nameservers:
            domains.setdefault(".".join(server.name.rstrip(".").split(".")[-2:]), []).append(server)
        return domains

    def address_of(self, name: str) -> str | None:
        name = absolute(name)
        known = next((s.address for s in self.dns_servers() if s.name == name), None)
        if known is not None:
            return known
        grown = self.rental_server_number(name)
        return self.rental_server(grown).address if grown else None

    def rental_pool_size(self) -> int:
        return max(len(self.rental_nameservers), self.rental_pool_limit)

    def rental_server(self, number: int) -> Server:
        """Rental nameserver ``number`` (from 1): one of ``rental_nameservers``, or beyond
        them a server the pool grows by, named like them (``ns-9.namesmith-dns.com``, the
        pool domains in turn) on an address of the plan's block."""
        if 1 <= number <= len(self.rental_nameservers):
            return self.rental_nameservers[number - 1]
        if not self.block or not 1 <= number <= self.rental_pool_limit:
            raise ValueError(f"the rental pool has no server {number}")
        domains = list(self.rental_domains())
        return Server(
            absolute(f"ns-{number}.{domains[(number - 1) % len(domains)]}"), _pool_address(self.block, number)
        )

    def rental_server_number(self, name: str) -> int | None:
        """The number of a rental nameserver the pool may grow by, from its name; None for
        any other name (the plan's own servers included)."""
        label = absolute(name).partition(".")[0]
        if not label.startswith("ns-") or not (label[3:].isascii() and label[3:].isdigit()) or not self.block:
            return None
        number = int(label[3:])
        if not len(self.rental_nameservers) < number <= self.rental_pool_limit:
            return None
        return number if self.rental_server(number).name == absolute(name) else None

    def as_dict(self) -> dict[str, Any]:
        """The plan in the shape of ``endpoints --json`` (and of NETWORK_PLAN_FILE)."""
        return asdict(self)


def absolute(name: str) -> str:
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def may_bind_low_ports() -> bool:
    """Whether this process may bind ports below 1024 (root, CAP_NET_BIND_SERVICE, or a
    lowered net.ipv4.ip_unprivileged_port_start)."""
    if os.geteuid() == 0:
        return True
    try:
        if int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text()) <= 43:
            return True
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) & (1 << 10))  # CAP_NET_BIND_SERVICE
    except (OSError, ValueError):
        pass
    return False


# Rental nameserver n of a generated plan is at 127.53.2.n for n up to 254, then on the
# third octets from 6 on (0-5 hold the root, TLD, resolver, EPP/WHOIS and origin addresses).
_POOL_PER_OCTET = 254
_POOL_FIRST_OCTET = 2
_POOL_GROWTH_OCTET = 6
RENTAL_POOL_LIMIT = 2048  # as Route 53's ns-0 ... ns-2047


def _pool_address(block: str, number: int) -> str:
    index = number - 1
    if index < _POOL_PER_OCTET:
        third, fourth = _POOL_FIRST_OCTET, index + 1
    else:
        rest = index - _POOL_PER_OCTET
        third, fourth = _POOL_GROWTH_OCTET + rest // _POOL_PER_OCTET, rest % _POOL_PER_OCTET + 1
    base = int(ipaddress.ip_network(block).network_address)
    return str(ipaddress.ip_address(base + third * 256 + fourth))


def default_plan(block: str, dns_port: int, privileged: bool) -> NetworkPlan:
    """The generated plan: one address per server inside ``block`` (a /16 of 127.0.0.0/8)."""
    net = _parse_block(block)
    base = int(net.network_address)

    def at(third: int, fourth: int) -> str:
        return str(ipaddress.ip_address(base + third * 256 + fourth))

    def servers(third: int, names: list[str], first: int = 1) -> tuple[Server, ...]:
        return tuple(Server(absolute(n), at(third, first + i)) for i, n in enumerate(names))

    gtld = servers(1, ["a.gtld-servers.net", "b.gtld-servers.net"], 1)
    rental_tlds = ["com", "net", "org", "kr"]
    return NetworkPlan(
        dns_port=dns_port,
        root_servers=servers(0, ["a.root-servers.net", "b.root-servers.net", "c.root-servers.net"]),
        tld_servers={
            "com": gtld,
            "net": gtld,
            "org": servers(1, ["a0.org.afilias-nst.org", "b0.org.afilias-nst.org"], 11),
            "kr": servers(1, ["b.dns.kr", "c.dns.kr"], 21),
            DEFAULT_TLD_KEY: servers(1, ["a.tld-servers.net", "b.tld-servers.net"], 101),
        },
        rental_nameservers=tuple(
            Server(absolute(f"ns-{n}.namesmith-dns.{rental_tlds[(n - 1) % len(rental_tlds)]}"), _pool_address(block, n))
            for n in range(1, 9)
        ),
        rental_pool_limit=RENTAL_POOL_LIMIT,
        block=str(net),
        resolver=Endpoint(at(3, 1), dns_port),
        epp=Endpoint(at(4, 1), 700 if privileged else EPP_HIGH_PORT),
        whois=Endpoint(at(4, 2), 43 if privileged else WHOIS_HIGH_PORT),
        origins=tuple(Origin(f"origin-{n}", at(5, n), 80 if privileged else ORIGIN_HIGH_PORT) for n in (1, 2)),
    )


def plan_from_file(path: Path, dns_port: int) -> NetworkPlan:
    """A plan read from JSON in the shape ``endpoints --json`` prints."""
    try:
        data = json.loads(path.read_text())

        def servers(items: list[dict[str, Any]]) -> tuple[Server, ...]:
            return tuple(Server(absolute(i["name"]), str(i["address"])) for i in items)

        def endpoint(key: str) -> Endpoint:
            item = data[key]
            return Endpoint(str(item["address"]), int(item.get("port", dns_port)))

        plan = NetworkPlan(
            dns_port=int(data.get("dns_port", dns_port)),
            root_servers=servers(data["root_servers"]),
            tld_servers={str(k).lower(): servers(v) for k, v in data["tld_servers"].items()},
            rental_nameservers=servers(data["rental_nameservers"]),
            resolver=endpoint("resolver"),
            epp=endpoint("epp"),
            whois=endpoint("whois"),
            origins=tuple(Origin(str(o["name"]), str(o["address"]), int(o["port"])) for o in data.get("origins", [])),
            regions=tuple(
                Region(str(r["name"]), str(r["continent"]).upper(), str(r["country"]).upper(), tuple(r["networks"]))
                for r in data["regions"]
            )
            if "regions" in data
            else DEFAULT_REGIONS,
            latency=tuple((str(a), str(b), int(ms)) for a, b, ms in data["latency"])
            if "latency" in data
            else DEFAULT_LATENCY,
            rental_pool_limit=int(data.get("rental_pool_limit", 0)),
            block=str(data.get("block", "")),
        )
        if plan.block:
            _parse_block(plan.block)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImproperlyConfigured(f"NETWORK_PLAN_FILE={path}: {exc!r}") from None
    if DEFAULT_TLD_KEY not in plan.tld_servers:
        raise ImproperlyConfigured(f"NETWORK_PLAN_FILE={path}: tld_servers needs a {DEFAULT_TLD_KEY!r} entry")
    return plan


def validate(plan: NetworkPlan, *, beyond_loopback: bool = False) -> NetworkPlan:
    """One address per server, never 127.0.0.1 or 127.0.0.53; every address on loopback
    unless ``beyond_loopback`` (multi-host mode), where any unicast address a host can own
    will do."""
    by_address: dict[str, str] = {}
    named = [(s.name, s.address) for s in plan.dns_servers()]
    named += [(role, getattr(plan, role).address) for role in ("resolver", "epp", "whois")]
    named += [(origin.name, origin.address) for origin in plan.origins]
    for name, raw in named:
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            raise ImproperlyConfigured(f"network plan: {name} has no valid address ({raw!r})") from None
        if beyond_loopback:
            if address.is_unspecified or address.is_multicast or address in _FORBIDDEN:
                raise ImproperlyConfigured(
                    f"network plan: {name} is at {address}; a server needs a unicast address of its own "
                    "(not 0.0.0.0, ::, a multicast address, 127.0.0.1 or 127.0.0.53)"
                )
        elif address.version != 4 or not address.is_loopback or address in _FORBIDDEN:
            raise ImproperlyConfigured(
                f"network plan: {name} is at {address}; every server needs its own address in 127.0.0.0/8 "
                "other than 127.0.0.1 and 127.0.0.53 (addresses beyond loopback need MULTI_HOST=true)"
            )
        if by_address.setdefault(str(address), name) != name:
            raise ImproperlyConfigured(f"network plan: {name} and {by_address[str(address)]} share {address}")
    endpoints: tuple[Endpoint | Origin, ...] = (plan.resolver, plan.epp, plan.whois, *plan.origins)
    for endpoint in endpoints:
        if not 1 <= endpoint.port <= 65535:
            raise ImproperlyConfigured(f"network plan: port {endpoint.port} is out of range")
    names = {region.name for region in plan.regions}
    for region in plan.regions:
        for network in region.networks:
            try:
                net = ipaddress.ip_network(network)
            except ValueError:
                raise ImproperlyConfigured(
                    f"network plan: region {region.name} has a bad network {network!r}"
                ) from None
            # An IPv6 network raises TypeError here (not of the same version), as it always has.
            if not beyond_loopback and not net.subnet_of(_LOOPBACK):  # type: ignore[arg-type]
                raise ImproperlyConfigured(f"network plan: region {region.name} reaches beyond 127.0.0.0/8 ({net})")
    unknown = ({a for a, _, _ in plan.latency} | {b for _, b, _ in plan.latency}) - names
    if unknown:
        raise ImproperlyConfigured(f"network plan: latency names unknown regions {sorted(unknown)}")
    if not plan.root_servers or not plan.rental_nameservers:
        raise ImproperlyConfigured("network plan: it needs root servers and rental nameservers")
    return plan


def _parse_block(block: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(block, strict=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"NETWORK_BLOCK={block!r}: {exc}") from None
    if not isinstance(net, ipaddress.IPv4Network) or net.prefixlen != 16 or not net.subnet_of(_LOOPBACK):
        raise ImproperlyConfigured(f"NETWORK_BLOCK={block!r} must be a /16 inside 127.0.0.0/8, like {DEFAULT_BLOCK}")
    if net.network_address == ipaddress.ip_address("127.0.0.0"):
        raise ImproperlyConfigured(f"NETWORK_BLOCK={block!r} would hand out 127.0.0.1 and 127.0.0.53")
    return net
