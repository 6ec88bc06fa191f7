"""Recursive resolution over UDP: the project's resolver beside Unbound, on the same small Internet.

Builds a DNS hierarchy in memory and serves it from one child process running the project's
authoritative ``DnsServer`` and ``Engine`` (the listeners run_dns uses), on uvloop:

- a root zone (two root servers) delegating ``com.`` with glue to two TLD servers;
- ``com.`` delegating every domain ``d{i}.com`` with in-bailiwick glue (``ns1``/``ns2``) to two
  of four authoritative server addresses;
- each domain's zone: SOA, NS, the nameservers' A, ``www``, ``mail`` and ``h0``..``h9`` (A) and
  an MX, every TTL 3600 s so that nothing expires during the run.

All of them listen on port 53 (Unbound only asks authorities on port 53), each server on its
own address in 127.79.0.0/16, which nothing else in the project uses. Both resolvers get the
same root hints file and listen on their own address, on the same port:

- ours: ``ResolverServer(Recursor(Resolver(hints, port=53, source=<its address>)))`` in one
  child process on uvloop, no control channel (``run_resolver``'s objects, from the hints file
  instead of the network plan);
- Unbound: one thread, ``do-not-query-localhost: no``, the iterator module alone (ours does no
  DNSSEC validation and the zones are unsigned), rate limiting off, caches large enough for
  everything, ``infra-cache-max-rtt: 400``, qname minimisation at its default (on).

With two or more CPUs and ``taskset``, each resolver runs pinned to CPU 1 (they are measured one
after the other, never at the same time); dnsperf, this process (the cold-latency client) and
the authorities run on CPU 0, so the resolver under test has a core to itself.

What is measured:

1. The first resolution after start: one ``www.dN.com A`` per resolver, nothing cached, so the
   root, the TLD and the domain's server are all asked (Unbound primes the root first).
2. Correctness: a sample of the query file and a few negative questions go to both; the rcode
   and the answer section's names, types and rdata (not TTLs) must be equal (exit 1 if not).
3. Cache-hit queries per second: one query file of A questions for names that all exist
   (``www``, ``mail`` and ``h0``..``h9`` of the first N domains; a few thousand distinct
   names, shuffled with a fixed seed). Each resolver first gets unmeasured dnsperf passes
   through the whole file until one pass comes back complete and all NOERROR (at least two,
   the first with 20 queries in flight so that the authorities keep up, see ``warm``), so
   every name is cached; then ``dnsperf -T 1 -c 10 -q 500 -l 10`` runs alternate ours,
   Unbound, ours, Unbound. The QPS of a resolver is its completed queries over the time of
   all its runs. Ours answers a question asked before in the same second from rendered bytes
   in its UDP thread, and the first time in each second from its cache on the event loop.
4. Cold-resolution latency for names three levels down: K names ``www.dN.com`` in domains no
   resolver has seen (the com. delegation is cached by then, so the TLD server and the
   domain's server are asked), sent one at a time with dnspython (5 s timeout) to each
   resolver, which of the two goes first alternating from name to name; p50 and p99 as the
   client sees them, timeouts counted at the time waited.

    .venv/bin/python bench/resolver.py [--seconds 10] [--runs 2] [--domains 200] [--cold 200]
                                       [--clients 10] [--outstanding 500]

Needs ``unbound`` and ``dnsperf``, and root (the authorities bind port 53 on loopback
addresses). No database, no traffic off loopback. About a minute with the defaults;
JSON in ``bench/results/resolver-<timestamp>.json``.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path: bench/dns.py would hide dnspython's
# `dns`, and this file the project's `resolver` package (which the children import).
sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import contextlib
import ipaddress
import json
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from bench.harness import (
    CLIENT_CPU,
    SERVER_CPU,
    Process,
    Run,
    busy_ticks,
    parse_dnsperf,
    percentile,
    pinned,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"
UNBOUND_CONTROL = shutil.which("unbound-control") or "/usr/sbin/unbound-control"
UNBOUND_CHECKCONF = shutil.which("unbound-checkconf") or "/usr/sbin/unbound-checkconf"

# bench/dns.py uses 127.77.0.0/16 and bench/zones.py 127.78.0.0/16; tests pick from 127.100-250.
NET = "127.79"
ROOT_SERVERS = {"a.root-servers.net.": f"{NET}.0.1", "b.root-servers.net.": f"{NET}.0.2"}
TLD_SERVERS = {"a.gtld-servers.net.": f"{NET}.1.1", "b.gtld-servers.net.": f"{NET}.1.2"}
# The domains' servers: listener names the engine knows them by (the zones' NS records name
# ns1/ns2 inside each domain, with glue pointing here).
DOMAIN_SERVERS = {f"ns-{k}.bench.": f"{NET}.2.{k + 1}" for k in range(4)}
OURS_ADDRESS = f"{NET}.5.1"
UNBOUND_ADDRESS = f"{NET}.5.2"
AUTHORITY_PORT = 53
DEFAULT_PORT = 15353
TTL = 3600
SERIAL = 2024060101
HOSTS = 10  # h0..h9 in every domain, besides www and mail
DATA_NET = ipaddress.IPv4Address("198.18.0.0")  # the hosts' addresses: data only, never contacted
PAYLOAD = 1232
SEED = 20240601
TARGET = 0.6
WARM_PASSES = 4  # at most, per resolver
WARM_LIMIT = 60.0  # seconds one warming pass may take
WARM_OUTSTANDING = 20  # queries in flight in the first warming pass (see warm())
SAMPLE = 200  # lines of the query file asked in the correctness check
COLD_TIMEOUT = 5.0

# --- the hierarchy -----------------------------------------------------------------------------


@dataclass
class Hierarchy:
    # origin -> (listener names that serve it, records in the zone store's [owner, ttl, type, rdata] form)
    zones: dict[str, tuple[list[str], list[list]]]
    warm: int  # d0..d{warm-1}: the names of the query file
    cold: list[int]  # domains nobody asks before the cold-latency phase
    first: dict[str, int]  # resolver -> the domain of its first resolution

    @staticmethod
    def host(domain: int, label: str) -> str:
        """The A rdata of ``label`` in domain ``domain`` (what both resolvers must answer)."""
        offset = 0 if label == "www" else 1 if label == "mail" else 2 + int(label[1:])
        return str(DATA_NET + (HOSTS + 2) * domain + offset)

    def listeners(self) -> dict[str, str]:
        return {**ROOT_SERVERS, **TLD_SERVERS, **DOMAIN_SERVERS}


def build_hierarchy(domains: int, cold: int) -> Hierarchy:
    """Root, com. and ``domains + cold + 2`` domains: the query file's, the cold phase's and
    one per resolver for its first resolution."""
    total = domains + cold + 2
    root = [
        [".", TTL, "SOA", f"a.root-servers.net. hostmaster.root-servers.net. {SERIAL} 1800 900 604800 {TTL}"],
        *[[".", TTL, "NS", name] for name in ROOT_SERVERS],
        *[[name, TTL, "A", address] for name, address in ROOT_SERVERS.items()],
        *[["com.", TTL, "NS", name] for name in TLD_SERVERS],
        *[[name, TTL, "A", address] for name, address in TLD_SERVERS.items()],
    ]
    com = [
        ["com.", TTL, "SOA", f"a.gtld-servers.net. nstld.gtld-servers.net. {SERIAL} 1800 900 604800 {TTL}"],
        *[["com.", TTL, "NS", name] for name in TLD_SERVERS],
    ]
    zones: dict[str, tuple[list[str], list[list]]] = {".": (list(ROOT_SERVERS), root), "com.": (list(TLD_SERVERS), com)}
    names, addresses = list(DOMAIN_SERVERS), list(DOMAIN_SERVERS.values())
    for i in range(total):
        origin = f"d{i}.com."
        pair = [i % len(names), (i + 1) % len(names)]  # spreads the domains over the four servers
        glue = [[f"ns{k + 1}.{origin}", TTL, "A", addresses[s]] for k, s in enumerate(pair)]
        com += [[origin, TTL, "NS", f"ns{k + 1}.{origin}"] for k in range(2)] + glue
        records = [
            [origin, TTL, "SOA", f"ns1.{origin} hostmaster.{origin} {SERIAL} 3600 600 86400 {TTL}"],
            *[[origin, TTL, "NS", f"ns{k + 1}.{origin}"] for k in range(2)],
            *glue,
            [origin, TTL, "MX", f"10 mail.{origin}"],
            *[[f"{label}.{origin}", TTL, "A", Hierarchy.host(i, label)] for label in host_labels()],
        ]
        zones[origin] = ([names[s] for s in pair], records)
    return Hierarchy(
        zones,
        warm=domains,
        cold=list(range(domains, domains + cold)),
        first={"ours": total - 2, "Unbound": total - 1},
    )


def host_labels() -> list[str]:
    return ["www", "mail", *[f"h{j}" for j in range(HOSTS)]]


def query_file(hierarchy: Hierarchy, path: Path) -> list[str]:
    """dnsperf input: every host name of the warm domains once, shuffled with a fixed seed."""
    names = [f"{label}.d{i}.com" for i in range(hierarchy.warm) for label in host_labels()]
    random.Random(SEED).shuffle(names)
    path.write_text("".join(f"{name} A\n" for name in names))
    return names


def write_hints(path: Path) -> None:
    """A root hints file in master-file form, as Unbound's ``root-hints:`` reads it."""
    lines = [f".\t3600000\tIN\tNS\t{name}" for name in ROOT_SERVERS]
    lines += [f"{name}\t3600000\tIN\tA\t{address}" for name, address in ROOT_SERVERS.items()]
    path.write_text("\n".join(lines) + "\n")


def read_hints(path: Path) -> list[tuple[str, str]]:
    """(root server name, address) pairs: the A records of a hints file."""
    hints = []
    for line in path.read_text().splitlines():
        fields = line.split(";", 1)[0].split()
        if len(fields) == 5 and fields[2].upper() == "IN" and fields[3].upper() == "A":
            hints.append((fields[0], fields[4]))
    return hints


# --- processes ---------------------------------------------------------------------------------


def last_json(process: Process, prefix: str) -> dict:
    """The JSON object a child printed last after ``prefix`` (its counters, at exit)."""
    for line in reversed(process.text().splitlines()):
        if line.startswith(prefix):
            return json.loads(line.removeprefix(prefix))
    return {}


def problems_in(process: Process, limit: int = 5) -> tuple[int, list[str]]:
    """How many log lines look like errors (Python's logging and tracebacks), and the first few."""
    lines = [
        line
        for line in process.text().splitlines()
        if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback") or "error:" in line.lower()
    ]
    return len(lines), lines[:limit]


def check_free(addresses: list[str], port: int) -> None:
    """Fail early, with the address, when something already holds one of our sockets."""
    for address in addresses:
        for kind, label in ((socket.SOCK_DGRAM, "UDP"), (socket.SOCK_STREAM, "TCP")):
            with socket.socket(socket.AF_INET, kind) as probe:
                if kind == socket.SOCK_STREAM:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((address, port))
                except OSError as exc:
                    hint = " (ports below 1024 need root)" if port < 1024 and os.geteuid() != 0 else ""
                    raise RuntimeError(f"cannot bind {address} port {port} ({label}): {exc}{hint}") from None


def child_env(work: Path) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(work / "var")}


def start_authorities(hierarchy: Hierarchy, work: Path) -> Process:
    spec = {
        "port": AUTHORITY_PORT,
        "listeners": hierarchy.listeners(),
        "zones": {
            origin: {"servers": servers, "records": records} for origin, (servers, records) in hierarchy.zones.items()
        },
    }
    spec_path = work / "authorities.json"
    spec_path.write_text(json.dumps(spec))
    # On the client's CPU: during the measured runs they are idle (every answer is cached), and
    # otherwise they would take turns on the core of the resolver whose latency is measured.
    command = [*pinned(CLIENT_CPU), PYTHON, str(Path(__file__).resolve()), "--serve-authorities", str(spec_path)]
    return Process("authorities", command, work / "authorities.log", child_env(work))


def serve_authorities(spec_path: Path) -> None:
    """The child: every zone of the hierarchy on its servers' addresses, one DnsServer, uvloop."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import uvloop

    from resolver.dns.authoritative.engine import Engine
    from resolver.dns.authoritative.server import DnsServer

    spec = json.loads(spec_path.read_text())
    zones = {origin: (origin, SERIAL, zone["records"], zone["servers"], []) for origin, zone in spec["zones"].items()}
    engine = Engine(payload=PAYLOAD)
    servers: list[DnsServer] = []

    async def serve() -> None:
        server = DnsServer(
            engine,
            spec["listeners"],
            spec["port"],
            read_serials=lambda names: dict.fromkeys(zones, SERIAL),
            read_zone=zones.get,
            poll_every=3600,
        )
        servers.append(server)
        await server.start()
        print(
            f"authorities: {len(server.serials)} zones on {len(set(spec['listeners'].values()))} addresses", flush=True
        )
        await server.run()

    uvloop.run(serve())
    counts = {address: udp + tcp for address, (udp, tcp) in servers[0].query_counts().items()} if servers else {}
    print("authority queries: " + json.dumps(counts), flush=True)


def start_ours(work: Path, hints: Path, port: int) -> Process:
    spec = {"address": OURS_ADDRESS, "port": port, "hints": str(hints)}
    spec_path = work / "resolver.json"
    spec_path.write_text(json.dumps(spec))
    command = [*pinned(SERVER_CPU), PYTHON, str(Path(__file__).resolve()), "--serve-resolver", str(spec_path)]
    return Process("ours", command, work / "resolver.log", child_env(work))


def serve_resolver(spec_path: Path) -> None:
    """The child: the project's recursive resolver as run_resolver builds it, from a hints file."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import uvloop

    from resolver.dns.recursive.iterative import Resolver
    from resolver.dns.recursive.recursor import Recursor, ResolverServer

    spec = json.loads(spec_path.read_text())
    resolver = Resolver(read_hints(Path(spec["hints"])), port=AUTHORITY_PORT, source=spec["address"])
    recursor = Recursor(resolver, payload=PAYLOAD)

    async def serve() -> None:
        server = ResolverServer(recursor, spec["address"], spec["port"], None)
        await server.start()
        print(f"resolver: listening on {server.address} port {server.port}", flush=True)
        await server.run()

    uvloop.run(serve())
    counters = {**recursor.counters, "upstream queries": resolver.sent, "cache entries": len(resolver.cache)}
    print("recursor counters: " + json.dumps(counters), flush=True)


def unbound_version() -> str:
    out = subprocess.run([UNBOUND, "-V"], capture_output=True, text=True, check=False)
    first = (out.stdout + out.stderr).splitlines()
    return f"Unbound {first[0].removeprefix('Version ').strip()}" if first else "Unbound (version unknown)"


def start_unbound(work: Path, hints: Path, port: int) -> tuple[Process, Path]:
    lines = [
        "server:",
        "    num-threads: 1",
        f"    interface: {UNBOUND_ADDRESS}",
        f"    port: {port}",
        f"    outgoing-interface: {UNBOUND_ADDRESS}",
        "    do-ip6: no",
        "    do-daemonize: no",
        '    chroot: ""',
        '    username: ""',
        '    pidfile: ""',
        '    logfile: ""',
        "    use-syslog: no",
        f'    directory: "{work}"',
        "    verbosity: 1",
        "    access-control: 127.0.0.0/8 allow",
        "    do-not-query-localhost: no",
        f'    root-hints: "{hints}"',
        '    module-config: "iterator"',
        "    infra-cache-max-rtt: 400",
        "    msg-cache-size: 64m",
        "    rrset-cache-size: 128m",
        "    ratelimit: 0",
        "    ip-ratelimit: 0",
        "    so-rcvbuf: 4m",  # as ours asks for its socket
        "    extended-statistics: yes",  # answer rcodes in the stats read at the end
        "remote-control:",
        "    control-enable: yes",
        f'    control-interface: "{work / "unbound.ctl"}"',  # a Unix socket: no keys needed
    ]
    conf = work / "unbound.conf"
    conf.write_text("\n".join(lines) + "\n")
    check = subprocess.run([UNBOUND_CHECKCONF, str(conf)], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"unbound-checkconf rejects {conf}:\n{check.stdout}{check.stderr}")
    return Process("Unbound", [*pinned(SERVER_CPU), UNBOUND, "-d", "-c", str(conf)], work / "unbound.log"), conf


def unbound_stats(conf: Path) -> dict[str, float]:
    done = subprocess.run(
        [UNBOUND_CONTROL, "-c", str(conf), "stats_noreset"], capture_output=True, text=True, timeout=10, check=False
    )
    stats = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        with contextlib.suppress(ValueError):
            stats[key] = float(value)
    return stats


def wait_answering(process: Process, address: str, port: int, name: str, rdtype: str, timeout: float = 60) -> float:
    """Seconds until ``address`` gives any response to ``name rdtype`` with RD clear (so a
    resolver answers from its cache, or refuses, without asking anyone)."""
    start = time.monotonic()
    while True:
        process.check()
        query = dns.message.make_query(name, rdtype)
        query.flags = 0
        try:
            dns.query.udp(query, address, port=port, timeout=0.5)
            return time.monotonic() - start
        except (dns.exception.DNSException, OSError):
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(
                f"{process.name} gave no answer at {address} port {port} in {timeout:g} s:\n{process.tail()}"
            )
        time.sleep(0.1)


# --- asking one question -----------------------------------------------------------------------


@dataclass
class Asked:
    ms: float
    rcode: str  # or "timeout", or the error
    answer: frozenset[tuple[str, str, tuple[str, ...]]] = frozenset()

    @property
    def ok(self) -> bool:
        return self.rcode == "NOERROR" and bool(self.answer)


def ask(address: str, port: int, name: str, rdtype: str = "A", timeout: float = COLD_TIMEOUT) -> Asked:
    query = dns.message.make_query(name, rdtype)
    start = time.perf_counter()
    try:
        response = dns.query.udp(query, address, port=port, timeout=timeout)
    except dns.exception.Timeout:
        return Asked((time.perf_counter() - start) * 1000, "timeout")
    except (dns.exception.DNSException, OSError) as exc:
        return Asked((time.perf_counter() - start) * 1000, f"error: {exc}")
    elapsed = (time.perf_counter() - start) * 1000
    answer = frozenset(
        (r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype), tuple(sorted(map(str, r)))) for r in response.answer
    )
    return Asked(elapsed, dns.rcode.to_text(response.rcode()), answer)


class Mismatch(Exception):
    pass


def verify(hierarchy: Hierarchy, names: list[str], port: int) -> int:
    """A sample of the query file and a few negative and apex questions to both resolvers;
    raises Mismatch listing every question whose rcode or answer rdata differ."""
    questions = [(name, "A") for name in random.Random(SEED + 1).sample(names, min(SAMPLE, len(names)))]
    questions += [
        ("d0.com", "NS"),
        ("d0.com", "MX"),
        ("d1.com", "SOA"),
        ("www.d0.com", "AAAA"),  # NODATA
        ("nothere.d1.com", "A"),  # NXDOMAIN from the domain's server
        ("no-such-domain.com", "A"),  # NXDOMAIN from the TLD
    ]
    problems = []
    for name, rdtype in questions:
        ours = ask(OURS_ADDRESS, port, name, rdtype)
        theirs = ask(UNBOUND_ADDRESS, port, name, rdtype)
        if (ours.rcode, ours.answer) != (theirs.rcode, theirs.answer):
            problems.append(
                f"  MISMATCH {name} {rdtype}:\n"
                f"    ours    {ours.rcode} {sorted(ours.answer)}\n"
                f"    Unbound {theirs.rcode} {sorted(theirs.answer)}"
            )
    if problems:
        raise Mismatch("\n".join(problems))
    return len(questions)


# --- dnsperf -----------------------------------------------------------------------------------


def dnsperf(
    address: str, port: int, queries: Path, args, *, seconds: float, passes: int = 0, outstanding: int | None = None
) -> Run:
    command = [*pinned(CLIENT_CPU), "dnsperf", "-s", address, "-p", str(port), "-d", str(queries), "-T", "1"]
    command += ["-c", str(args.clients), "-q", str(outstanding or args.outstanding), "-l", f"{seconds:g}", "-t", "2"]
    if passes:
        command += ["-n", str(passes)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_dnsperf(done.stdout)


def _ticks(pid: int | str) -> int:
    """CPU time of a process and of its children it has reaped, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15])


def measured(process: Process, address: str, port: int, queries: Path, args) -> Run:
    """One measured dnsperf run, with the cores the resolver, the client side (this process
    and dnsperf) and everything else on the machine kept busy meanwhile: others running
    tests or benchmarks beside us disturb the figures, and this shows by how much."""
    start = (time.monotonic(), _ticks(process.popen.pid), _ticks("self"), busy_ticks())
    run = dnsperf(address, port, queries, args, seconds=args.seconds)
    end = (time.monotonic(), _ticks(process.popen.pid), _ticks("self"), busy_ticks())
    per_second = os.sysconf("SC_CLK_TCK") * (end[0] - start[0])
    server, client, machine = ((end[k] - start[k]) / per_second for k in (1, 2, 3))
    run.cpu = {
        "resolver": round(server, 2),
        "dnsperf": round(client, 2),
        "others": round(max(0.0, machine - server - client), 2),
    }
    process.check()
    return run


@dataclass
class Side:
    """One resolver's measured runs."""

    runs: list[Run]

    @property
    def qps(self) -> float:
        return sum(r.completed for r in self.runs) / sum(r.seconds for r in self.runs)

    @property
    def lost_percent(self) -> float:
        sent = sum(r.sent for r in self.runs)
        return 100 * sum(r.lost for r in self.runs) / sent if sent else 0.0

    @property
    def latency_ms(self) -> float:
        completed = sum(r.completed for r in self.runs) or 1
        return sum(r.latency_ms * r.completed for r in self.runs) / completed

    @property
    def rcodes(self) -> str:
        total: dict[str, int] = {}
        for run in self.runs:
            for code, n in run.rcodes.items():
                total[code] = total.get(code, 0) + n
        answered = sum(total.values()) or 1
        return ", ".join(f"{code} {100 * n / answered:.2f}%" for code, n in sorted(total.items()))


def warm(process: Process, address: str, port: int, queries: Path, args) -> list[Run]:
    """Unmeasured passes through the query file until one is complete and all NOERROR.

    The first goes at ``WARM_OUTSTANDING`` queries in flight: every one is a cold resolution,
    and a few hundred at once keep the authorities (Python, sharing a core with dnsperf)
    100-300 ms late, which Unbound takes for timeouts: with ``infra-cache-max-rtt: 400`` it
    then holds those servers unusable and answers SERVFAIL for their domains for the rest of
    the run (its infra cache keeps a server's RTT for 900 s). The next passes go at the
    measured concurrency, from the cache."""
    passes: list[Run] = []
    while len(passes) < WARM_PASSES:
        outstanding = min(WARM_OUTSTANDING, args.outstanding) if not passes else None
        passes.append(dnsperf(address, port, queries, args, seconds=WARM_LIMIT, passes=1, outstanding=outstanding))
        process.check()
        if len(passes) >= 2 and passes[-1].clean:
            break
    return passes


def describe_pass(run: Run) -> str:
    codes = ", ".join(f"{code} {n}" for code, n in sorted(run.rcodes.items()))
    return f"{run.completed}/{run.sent} answered in {run.seconds:.1f} s ({codes}; {run.lost} lost)"


# --- cold resolution ---------------------------------------------------------------------------


def cold(hierarchy: Hierarchy, port: int) -> dict[str, list[Asked]]:
    """``www.dN.com A`` for every cold domain to both resolvers, one question at a time."""
    results: dict[str, list[Asked]] = {"ours": [], "Unbound": []}
    targets = [("ours", OURS_ADDRESS), ("Unbound", UNBOUND_ADDRESS)]
    for n, i in enumerate(hierarchy.cold):
        # Whoever goes second finds the domain's server with this answer rendered already:
        # take turns so neither gets that every time.
        for name, address in targets if n % 2 == 0 else targets[::-1]:
            results[name].append(ask(address, port, f"www.d{i}.com"))
    return results


def expected(hierarchy: Hierarchy, domain: int) -> frozenset:
    return frozenset({(f"www.d{domain}.com.", "A", (Hierarchy.host(domain, "www"),))})


def latency_summary(asked: list[Asked], want: list[frozenset]) -> dict:
    times = [a.ms for a in asked]
    wrong = [a for a, w in zip(asked, want, strict=True) if not (a.rcode == "NOERROR" and a.answer == w)]
    return {
        "p50_ms": round(percentile(times, 50), 3),
        "p99_ms": round(percentile(times, 99), 3),
        "mean_ms": round(sum(times) / len(times), 3),
        "max_ms": round(max(times), 3),
        "failed": len(wrong),
        "failures": sorted({a.rcode if a.rcode != "NOERROR" else "wrong answer" for a in wrong}),
    }


# --- main --------------------------------------------------------------------------------------


def git_state() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "modified": git("status", "--porcelain", "--untracked-files=no")}


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


@dataclass
class Findings:
    """What one run found, for the report and the JSON record."""

    first: dict[str, Asked]  # resolver -> its first resolution after start
    checked: int  # questions verified alike
    warming: dict[str, list[Run]]
    unwarmed: list[str]  # resolvers whose last warming pass was not clean
    sides: dict[str, Side]
    latencies: dict[str, list[Asked]]  # cold resolution
    cold_stats: dict[str, dict]
    counters: dict  # ours, at exit
    stats: dict[str, float]  # Unbound's
    authority_counts: dict
    ours_problems: tuple[int, list[str]]
    unbound_problems: tuple[int, list[str]]


def _check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 0 < args.seconds <= 10:
        parser.error("--seconds must be in (0, 10]")
    if not 1 <= args.runs <= 5:
        parser.error("--runs must be 1 to 5")
    if not 1 <= args.domains <= 5000 or not 1 <= args.cold <= 5000:
        parser.error("--domains and --cold must be 1 to 5000")


def _start_processes(
    hierarchy: Hierarchy, work: Path, hints: Path, port: int, processes: list[Process]
) -> tuple[Process, Process, Process, Path]:
    """The authorities, ours and Unbound, each answering; Unbound's configuration file."""
    authorities = start_authorities(hierarchy, work)
    processes.append(authorities)
    ours = start_ours(work, hints, port)
    processes.append(ours)
    unbound, unbound_conf = start_unbound(work, hints, port)
    processes.append(unbound)
    last_domain = f"d{len(hierarchy.zones) - 3}.com."
    last_address = DOMAIN_SERVERS[hierarchy.zones[last_domain][0][0]]
    wait_answering(authorities, last_address, AUTHORITY_PORT, last_domain, "SOA")
    wait_answering(ours, OURS_ADDRESS, port, "ready.invalid.", "A")
    wait_answering(unbound, UNBOUND_ADDRESS, port, "ready.invalid.", "A")
    records = sum(len(records) for _, records in hierarchy.zones.values())
    print(
        f"hierarchy: root, com. and {len(hierarchy.zones) - 2} domains ({records} records) on"
        f" {len(set(hierarchy.listeners().values()))} addresses, port {AUTHORITY_PORT};"
        f" resolvers on port {port}"
    )
    return authorities, ours, unbound, unbound_conf


def _first_resolutions(hierarchy: Hierarchy, port: int) -> dict[str, Asked]:
    first = {
        "ours": ask(OURS_ADDRESS, port, f"www.d{hierarchy.first['ours']}.com"),
        "Unbound": ask(UNBOUND_ADDRESS, port, f"www.d{hierarchy.first['Unbound']}.com"),
    }
    for name, asked in first.items():
        if asked.answer != expected(hierarchy, hierarchy.first[name]):
            raise RuntimeError(f"{name}'s first resolution: {asked.rcode} {sorted(asked.answer)}")
    return first


def _warm_up(
    targets: dict[str, tuple[Process, str]], queries: Path, args: argparse.Namespace
) -> tuple[dict[str, list[Run]], list[str]]:
    """Each resolver's warming passes, and the resolvers whose last pass was not clean."""
    warming = {name: warm(process, address, args.port, queries, args) for name, (process, address) in targets.items()}
    print(f"warm-up passes (the first at -q {min(WARM_OUTSTANDING, args.outstanding)}, then -q {args.outstanding}):")
    for name, passes in warming.items():
        print(f"  {name}: " + "; ".join(describe_pass(run) for run in passes))
    # Answers that are not all NOERROR from a full cache make the QPS figures meaningless.
    unwarmed = [name for name, passes in warming.items() if not passes[-1].clean]
    for name in unwarmed:
        print(f"  note: {name} still lost queries or failed after {len(warming[name])} passes: its QPS is not valid")
    return warming, unwarmed


def _cache_hits(targets: dict[str, tuple[Process, str]], queries: Path, args: argparse.Namespace) -> dict[str, Side]:
    runs: dict[str, list[Run]] = {name: [] for name in targets}
    for _ in range(args.runs):
        for name, (process, address) in targets.items():
            runs[name].append(measured(process, address, args.port, queries, args))
    return {name: Side(r) for name, r in runs.items()}


def _print_cache_hits(args: argparse.Namespace, names: list[str], sides: dict[str, Side]) -> None:
    print(
        f"cache hits: {len(names)} names (A, all exist), dnsperf -T 1 -c {args.clients} -q {args.outstanding}"
        f" -l {args.seconds:g}, {args.runs} run(s) each, alternating"
    )
    header = "".join(f"{'run ' + str(k + 1):>10}" for k in range(args.runs))
    print(f"  {'resolver':<10}{header}{'QPS':>10}{'lost %':>9}{'latency ms':>12}  response codes")
    for name, side in sides.items():
        each = "".join(f"{run.qps:>10.0f}" for run in side.runs)
        print(f"  {name:<10}{each}{side.qps:>10.0f}{side.lost_percent:>9.3f}{side.latency_ms:>12.3f}  {side.rcodes}")
    for name, side in sides.items():
        cores = "; ".join(
            f"run {k + 1}: resolver {r.cpu['resolver']:.2f}, dnsperf {r.cpu['dnsperf']:.2f},"
            f" others {r.cpu['others']:.2f}"
            for k, r in enumerate(side.runs)
        )
        print(f"  {name} cores busy: {cores}")
        if any(r.cpu["others"] >= 0.25 for r in side.runs):
            print("    note: other processes on the machine were busy during these runs: figures disturbed")
        if any(r.cpu["dnsperf"] >= 0.9 for r in side.runs):
            print("    note: dnsperf kept a core busy: this figure may be the client's limit, not the resolver's")


def _print_cold(hierarchy: Hierarchy, found: Findings) -> None:
    print(
        f"cold resolution: {len(hierarchy.cold)} names www.dN.com in unseen domains (com. cached), one at a time,"
        f" dnspython, {COLD_TIMEOUT:g} s timeout"
    )
    print(f"  {'resolver':<10}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}{'max ms':>10}{'failed':>8}")
    for name, s in found.cold_stats.items():
        failed = f"{s['failed']}" + (f" ({', '.join(s['failures'])})" if s["failed"] else "")
        print(
            f"  {name:<10}{s['p50_ms']:>10.2f}{s['p99_ms']:>10.2f}{s['mean_ms']:>10.2f}{s['max_ms']:>10.2f}{failed:>8}"
        )
    print(
        "first resolution after start (root, TLD and domain server asked): "
        + ", ".join(f"{name} {asked.ms:.1f} ms" for name, asked in found.first.items())
    )


def _print_counters(found: Findings) -> None:
    if found.counters:
        print("  ours, counters: " + ", ".join(f"{k} {v}" for k, v in found.counters.items()))
    if found.stats:
        keys = ["total.num.queries", "total.num.cachehits", "total.num.cachemiss", "total.requestlist.exceeded"]
        keys += ["total.requestlist.overwritten", "num.answer.rcode.SERVFAIL", "num.query.ratelimited"]
        print("  Unbound, counters: " + ", ".join(f"{k} {found.stats[k]:g}" for k in keys if k in found.stats))
    if found.authority_counts:
        print(f"  authorities: {sum(found.authority_counts.values())} queries received in all")
    for name, (count, first_lines) in (("ours", found.ours_problems), ("Unbound", found.unbound_problems)):
        if count:
            print(f"  {name} logged {count} error line(s), first: " + " | ".join(first_lines))


def _report(args: argparse.Namespace, hierarchy: Hierarchy, names: list[str], found: Findings) -> float:
    """Prints the figures; returns ours over Unbound's cache-hit QPS."""
    print()
    print(
        f"Recursive resolver over UDP ({os.cpu_count()} CPUs; resolvers on CPU {SERVER_CPU}, dnsperf, client and"
        f" authorities on CPU {CLIENT_CPU}{'' if pinned(0) else ' -- NOT pinned: no taskset or one CPU'})"
    )
    _print_cache_hits(args, names, found.sides)
    _print_cold(hierarchy, found)
    _print_counters(found)
    print(f"  peer: {unbound_version()}, one thread, iterator only, qname minimisation on")
    ratio = found.sides["ours"].qps / found.sides["Unbound"].qps
    verdict = "met" if ratio >= TARGET else "NOT met"
    if found.unwarmed:
        verdict = f"NOT VALID: {' and '.join(found.unwarmed)} did not answer every name from a full cache"
    print(f"Ratio: ours is {ratio:.2f}x Unbound's cache-hit QPS (target >= {TARGET}x: {verdict})")
    return ratio


def _write_results(
    args: argparse.Namespace, hierarchy: Hierarchy, names: list[str], found: Findings, ratio: float
) -> None:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "config": {k: v for k, v in vars(args).items() if "serve" not in k},
        "cpus": os.cpu_count(),
        "pinned": bool(pinned(0)),
        "git": git_state(),
        "peer": unbound_version(),
        "names": len(names),
        "zones": len(hierarchy.zones),
        "first_resolution_ms": {name: round(asked.ms, 3) for name, asked in found.first.items()},
        "verified_questions": found.checked,
        "warm_up": {name: [asdict(run) for run in passes] for name, passes in found.warming.items()},
        "cache_hits": {
            name: {
                "qps": round(side.qps, 1),
                "lost_percent": round(side.lost_percent, 4),
                "latency_ms": round(side.latency_ms, 3),
                "runs": [asdict(run) for run in side.runs],
            }
            for name, side in found.sides.items()
        },
        "ratio_qps": round(ratio, 3),
        "valid": not found.unwarmed,
        "target": TARGET,
        "cold": found.cold_stats,
        "cold_latencies_ms": {name: [round(a.ms, 3) for a in asked] for name, asked in found.latencies.items()},
        "counters": {"ours": found.counters, "Unbound": found.stats, "authorities": found.authority_counts},
        "error_lines": {"ours": found.ours_problems[0], "Unbound": found.unbound_problems[0]},
    }
    path = folder / f"resolver-{stamp}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"results: {path.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured dnsperf run (max 10)")
    parser.add_argument("--runs", type=int, default=2, help="measured runs per resolver (alternating)")
    parser.add_argument("--domains", type=int, default=200, help=f"domains in the query file ({HOSTS + 2} names each)")
    parser.add_argument("--cold", type=int, default=200, help="names resolved cold, one at a time, per resolver")
    parser.add_argument("--clients", type=int, default=10, help="dnsperf -c: clients (source ports)")
    parser.add_argument("--outstanding", type=int, default=500, help="dnsperf -q: queries in flight")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="UDP/TCP port of both resolvers")
    parser.add_argument("--serve-authorities", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-resolver", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_authorities:
        serve_authorities(args.serve_authorities)
        return 0
    if args.serve_resolver:
        serve_resolver(args.serve_resolver)
        return 0
    _check_args(parser, args)
    for program in (UNBOUND, UNBOUND_CONTROL, UNBOUND_CHECKCONF, "dnsperf"):
        if shutil.which(program) is None:
            print(f"bench/resolver.py: {program} is not installed", file=sys.stderr)
            return 2

    signal.signal(signal.SIGTERM, _terminate)
    if pinned(CLIENT_CPU):
        os.sched_setaffinity(0, {CLIENT_CPU})  # the cold-latency client; children re-pin with taskset
    work = Path(tempfile.mkdtemp(prefix="namesmith-bench-resolver-"))
    processes: list[Process] = []
    try:
        hierarchy = build_hierarchy(args.domains, args.cold)
        check_free(sorted(set(hierarchy.listeners().values())), AUTHORITY_PORT)
        check_free([OURS_ADDRESS, UNBOUND_ADDRESS], args.port)
        queries = work / "queries.txt"
        names = query_file(hierarchy, queries)
        hints = work / "root.hints"
        write_hints(hints)
        authorities, ours, unbound, unbound_conf = _start_processes(hierarchy, work, hints, args.port, processes)

        first = _first_resolutions(hierarchy, args.port)
        checked = verify(hierarchy, names, args.port)
        print(f"correctness: {checked} questions get the same rcode and answer rdata from both")

        targets = {"ours": (ours, OURS_ADDRESS), "Unbound": (unbound, UNBOUND_ADDRESS)}
        warming, unwarmed = _warm_up(targets, queries, args)
        sides = _cache_hits(targets, queries, args)

        latencies = cold(hierarchy, args.port)
        want = [expected(hierarchy, i) for i in hierarchy.cold]
        cold_stats = {name: latency_summary(asked, want) for name, asked in latencies.items()}

        stats = unbound_stats(unbound_conf)
        ours.stop()
        authorities.stop()
        found = Findings(
            first=first,
            checked=checked,
            warming=warming,
            unwarmed=unwarmed,
            sides=sides,
            latencies=latencies,
            cold_stats=cold_stats,
            counters=last_json(ours, "recursor counters: "),
            stats=stats,
            authority_counts=last_json(authorities, "authority queries: "),
            ours_problems=problems_in(ours),
            unbound_problems=problems_in(unbound),
        )
        ratio = _report(args, hierarchy, names, found)
        _write_results(args, hierarchy, names, found, ratio)
        return 1 if unwarmed else 0
    except Mismatch as exc:
        print("correctness: our resolver and Unbound answer differently:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench/resolver.py: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError, dns.exception.DNSException) as exc:
        print(f"bench/resolver.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        for process in processes:
            print(f"--- {process.name} log (last lines) ---\n{process.tail()}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(processes):
            process.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
