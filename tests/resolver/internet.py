"""A small Internet on loopback for resolver tests: root, com and net servers, a few
domains' own servers (run_dns's listeners from a dict of zones, no database), a server
that never answers, an address where nothing listens, and a server that lies about
names outside its zone. The recursive resolver runs beside them on its own address."""

from __future__ import annotations

import asyncio
import random
import socket
import threading

import dns.message
import dns.rdatatype
import dns.rrset

from resolver.dns.authoritative.engine import Engine
from resolver.dns.authoritative.server import DnsServer
from resolver.dns.recursive.iterative import Resolver
from resolver.dns.recursive.recursor import Recursor, ResolverServer

NET = f"127.{random.randint(100, 250)}"


def at(third: int, fourth: int) -> str:
    return f"{NET}.{third}.{fourth}"


ROOTS = {"a.root-servers.net.": at(0, 1), "b.root-servers.net.": at(0, 2)}
GTLD = at(1, 1)
EXAMPLE_COM = at(2, 1)
HALF_GOOD = at(2, 2)
EXAMPLE_NET = at(3, 1)
LIAR = at(4, 1)
SILENT = at(9, 8)
NOBODY = at(9, 9)
RESOLVER = at(5, 1)
BIG_TXT = [f'"{"x" * 200} {n}"' for n in range(8)]  # about 1.6 kB: truncated over UDP


def soa(zone: str, negative: int = 300) -> list:
    return [
        zone,
        3600,
        "SOA",
        f"ns.{zone.strip('.') or 'root'}. hostmaster.{zone.strip('.') or 'root'}. 1 3600 600 86400 {negative}",
    ]


ZONES: dict[str, tuple[list[str], list[list]]] = {
    ".": (
        list(ROOTS),
        [
            soa(".", 600),
            *[[".", 518400, "NS", name] for name in ROOTS],
            *[[name, 518400, "A", address] for name, address in ROOTS.items()],
            ["com.", 172800, "NS", "a.gtld-servers.net."],
            ["net.", 172800, "NS", "a.gtld-servers.net."],
            ["a.gtld-servers.net.", 172800, "A", GTLD],
        ],
    ),
    "com.": (
        ["a.gtld-servers.net."],
        [
            soa("com.", 900),
            ["com.", 172800, "NS", "a.gtld-servers.net."],
            ["example.com.", 172800, "NS", "ns1.example.com."],
            ["ns1.example.com.", 172800, "A", EXAMPLE_COM],
            ["glueless.com.", 172800, "NS", "ns1.example.net."],  # its server's name is under net: no glue here
            ["dead.com.", 172800, "NS", "ns.dead.com."],
            ["ns.dead.com.", 172800, "A", NOBODY],
            ["mute.com.", 172800, "NS", "ns.mute.com."],
            ["ns.mute.com.", 172800, "A", SILENT],
            ["half.com.", 172800, "NS", "ns1.half.com."],
            ["half.com.", 172800, "NS", "ns2.half.com."],
            ["ns1.half.com.", 172800, "A", SILENT],
            ["ns2.half.com.", 172800, "A", HALF_GOOD],
            ["liar.com.", 172800, "NS", "ns.liar.com."],
            ["ns.liar.com.", 172800, "A", LIAR],
        ],
    ),
    "net.": (
        ["a.gtld-servers.net."],
        [
            soa("net.", 900),
            ["net.", 172800, "NS", "a.gtld-servers.net."],
            ["a.gtld-servers.net.", 172800, "A", GTLD],
            *[[name, 172800, "A", address] for name, address in ROOTS.items()],
            ["example.net.", 172800, "NS", "ns1.example.net."],
            ["ns1.example.net.", 172800, "A", EXAMPLE_NET],
        ],
    ),
    "example.com.": (
        ["ns1.example.com."],
        [
            soa("example.com.", 60),
            ["example.com.", 3600, "NS", "ns1.example.com."],
            ["ns1.example.com.", 3600, "A", EXAMPLE_COM],
            ["example.com.", 300, "A", "192.0.2.1"],
            ["www.example.com.", 300, "A", "192.0.2.44"],
            ["alias.example.com.", 300, "CNAME", "www.example.net."],
            ["chain.example.com.", 300, "CNAME", "alias.example.com."],
            ["inzone.example.com.", 300, "CNAME", "www.example.com."],
            ["dangling.example.com.", 300, "CNAME", "nothing.example.net."],
            ["short.example.com.", 1, "A", "192.0.2.5"],
            ["loop.example.com.", 300, "CNAME", "loop.glueless.com."],
            *[["big.example.com.", 300, "TXT", text] for text in BIG_TXT],
        ],
    ),
    "example.net.": (
        ["ns1.example.net."],
        [
            soa("example.net.", 60),
            ["example.net.", 3600, "NS", "ns1.example.net."],
            ["ns1.example.net.", 3600, "A", EXAMPLE_NET],
            ["www.example.net.", 300, "A", "192.0.2.80"],
        ],
    ),
    "glueless.com.": (
        ["ns1.example.net."],
        [
            soa("glueless.com.", 60),
            ["glueless.com.", 3600, "NS", "ns1.example.net."],
            ["www.glueless.com.", 300, "A", "192.0.2.90"],
            ["loop.glueless.com.", 300, "CNAME", "loop.example.com."],
        ],
    ),
    "half.com.": (
        ["ns2.half.com."],
        [
            soa("half.com.", 60),
            ["half.com.", 3600, "NS", "ns1.half.com."],
            ["half.com.", 3600, "NS", "ns2.half.com."],
            ["ns1.half.com.", 3600, "A", SILENT],
            ["ns2.half.com.", 3600, "A", HALF_GOOD],
            ["www.half.com.", 300, "A", "192.0.2.60"],
        ],
    ),
}

LISTENERS = {
    **ROOTS,
    "a.gtld-servers.net.": GTLD,
    "ns1.example.com.": EXAMPLE_COM,
    "ns2.half.com.": HALF_GOOD,
    "ns1.example.net.": EXAMPLE_NET,
}


def serial_of(records: list) -> int:
    return int(records[0][3].split()[2])


def free_port() -> int:
    """A port free on every address we bind (UDP and TCP), picked on the resolver's address."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((RESOLVER, 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as tcp:
                tcp.bind((RESOLVER, port))
            return port
        except OSError:
            continue


class Liar(threading.Thread):
    """Answers for liar.com with the truth, plus records about example.com it has no say over."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LIAR, port))

    def run(self) -> None:
        while True:
            try:
                data, source = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            qname = query.question[0].name
            response.answer.append(dns.rrset.from_text(qname, 300, "IN", "A", "192.0.2.66"))
            response.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "A", "6.6.6.6"))
            response.authority.append(dns.rrset.from_text("example.com.", 300, "IN", "NS", "ns.liar.com."))
            response.additional.append(dns.rrset.from_text("ns1.example.com.", 300, "IN", "A", "6.6.6.6"))
            self.sock.sendto(response.to_wire(), source)

    def close(self) -> None:
        self.sock.close()


class Internet:
    """Every server above plus the resolver, each on its own loop thread."""

    def __init__(self) -> None:
        self.port, self.silent, self.liar = self._bind_side_servers()
        self.loop = asyncio.new_event_loop()
        self.liar.start()
        self.authorities: DnsServer | None = None
        self.resolver_server: ResolverServer | None = None
        self.recursor = Recursor(Resolver(ROOTS.items(), port=self.port, source=RESOLVER))
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def main() -> None:
                self.authorities = DnsServer(
                    Engine(),
                    LISTENERS,
                    self.port,
                    read_serials=lambda names: {name: serial_of(records) for name, (_, records) in ZONES.items()},
                    read_zone=lambda name: (name, serial_of(ZONES[name][1]), ZONES[name][1], ZONES[name][0], []),
                    poll_every=3600,
                )
                await self.authorities.start()
                self.resolver_server = ResolverServer(self.recursor, RESOLVER, self.port, 0, idle_timeout=2)
                await self.resolver_server.start()
                started.set()
                await asyncio.gather(self.authorities.run(signals=False), self.resolver_server.run(signals=False))

            self.loop.run_until_complete(main())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10), "the test Internet did not start"

    def counts(self) -> dict[str, int]:
        """Queries each authority has received (UDP and TCP), by address."""
        return {address: udp + tcp for address, (udp, tcp) in self.authorities.query_counts().items()}

    @staticmethod
    def _bind_side_servers() -> tuple[int, socket.socket, Liar]:
        """A free port with the silent server and the liar bound on it. Another socket of
        this process (an outgoing query from an ephemeral port) may take the port between
        the probe and the bind: then try another."""
        for _ in range(20):
            port = free_port()
            silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                silent.bind((SILENT, port))  # takes queries, never answers
                return port, silent, Liar(port)
            except OSError:
                silent.close()
        raise OSError("no port free on every address of the test network")

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def stop(self) -> None:
        def stop_all() -> None:
            self.authorities.stopping.set()
            self.resolver_server.stopping.set()

        self.loop.call_soon_threadsafe(stop_all)
        self.thread.join(10)
        self.silent.close()
        self.liar.close()
