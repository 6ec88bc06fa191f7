"""Authoritative DNS queries per second over UDP: run_dns's engine beside NSD on the same zones.

Builds two zones in memory — a TLD-like ``com.`` of 5000 delegations (2 NS and 2 glue A each)
and ``web.bench.`` with 2000 hosts (A; MX and TXT at 200 of them) — and serves them from:

- NSD (the peer): master files and an nsd.conf in a temporary directory, one server process,
  rate limiting off, ``minimal-responses: yes`` (no apex NS in the authority section of
  positive answers, as the engine does);
- run_dns: the project's ``DnsServer`` and ``Engine`` in one child process on uvloop, fed the
  same records in their stored form (``[owner, ttl, type, rdata]``) instead of the database.

First a set of queries goes to both with dnspython, twice (the second time run_dns answers
from its cache); the rcode, AA/TC flags and the answer and authority RRsets must be equal
(exit 1 if not; the additional sections may differ and are only noted). Then dnsperf replays one query file, shuffled
with a fixed seed, against each: A at existing hosts, A under ``com.`` (referrals), A at random
names under ``web.bench.`` (NXDOMAIN), MX and TXT where they exist.

"Half with EDNS": dnsperf's ``-e`` applies to a whole run, so every server gets two runs of
the same length, one plain and one with ``-e`` (EDNS0, 4096-byte buffer, no options). The
combined figure is all completed queries over the time of both runs, i.e. a 50/50 mix. Runs
alternate between the servers (NSD plain, run_dns plain, NSD EDNS, run_dns EDNS) so that both
see the same machine; before them, each server and mode gets one unmeasured pass through the
file (run_dns keeps rendered answers, so this measures its steady state). dnsperf runs with
one thread and competes with the server for the CPUs, the same way for both.

    .venv/bin/python bench/dns.py [--seconds 10] [--clients 10] [--outstanding 500] [--queries 20000]

Needs the ``nsd`` and ``dnsperf`` programs. Listens on 127.77.0.1 (run_dns) and 127.77.0.2
(NSD), port 15300; no database, no traffic off loopback. Takes about two minutes.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and its name hides dnspython's `dns`.
sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import ipaddress
import json
import random
import shutil
import signal
import string
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset

from bench.harness import CLIENT_CPU, SERVER_CPU, Process, Run, parse_dnsperf, pinned

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_NAME = "a.bench."
OURS_ADDRESS = "127.77.0.1"
NSD_ADDRESS = "127.77.0.2"
DEFAULT_PORT = 15300
PAYLOAD = 1232
SEED = 20240601
TARGET = 0.8
ROUTED_NAMES = 1000  # weighted and failover names in web.bench. (the routed run's half)


# --- the zones ---------------------------------------------------------------------------------


@dataclass
class Zone:
    origin: str
    serial: int
    records: list[list] = field(default_factory=list)
    # run_dns's routed record sets (the zone store's form); NSD serves each as the plain
    # records a healthy answer holds (both weighted members, the failover primary).
    routed: list[dict] = field(default_factory=list)

    def add(self, owner: str, ttl: int, rtype: str, rdata: str) -> None:
        self.records.append([owner, ttl, rtype, rdata])

    def master_file(self) -> str:
        """RFC 1035 master file; every name is absolute and every record has its TTL."""
        lines = [f"; {self.origin} serial {self.serial}"]
        lines += [f"{owner}\t{ttl}\tIN\t{rtype}\t{rdata}" for owner, ttl, rtype, rdata in self.records]
        for entry in self.routed:
            for member in entry["members"]:
                if entry["policy"] == "weighted" or member.get("role") == "PRIMARY":
                    lines += [f"{entry['name']}\t{member['ttl']}\tIN\t{entry['type']}\t{v}" for v in member["values"]]
        return "\n".join(lines) + "\n"


@dataclass
class DataSet:
    zones: list[Zone]
    domains: int
    hosts: int
    mail_hosts: list[int]
    routed_names: int = 0


def build_zones(domains: int, hosts: int) -> DataSet:
    com = Zone("com.", 1717200000)
    com.add("com.", 900, "SOA", f"a.gtld-servers.net. nstld.verisign-grs.com. {com.serial} 1800 900 604800 86400")
    com.add("com.", 172800, "NS", "a.gtld-servers.net.")
    com.add("com.", 172800, "NS", "b.gtld-servers.net.")
    glue = ipaddress.IPv4Address("10.0.0.0")
    for i in range(domains):
        for k in (1, 2):
            com.add(f"d{i}.com.", 172800, "NS", f"ns{k}.d{i}.com.")
        for k in (1, 2):
            com.add(f"ns{k}.d{i}.com.", 172800, "A", str(glue + 2 * i + k))

    web = Zone("web.bench.", 2024060101)
    web.add("web.bench.", 3600, "SOA", f"ns1.web.bench. hostmaster.web.bench. {web.serial} 3600 900 604800 300")
    web.add("web.bench.", 3600, "NS", "ns1.web.bench.")
    web.add("ns1.web.bench.", 3600, "A", "192.0.2.53")
    address = ipaddress.IPv4Address("10.128.0.0")
    mail_hosts = list(range(0, hosts, 10))[:200]
    for i in range(hosts):
        web.add(f"h{i}.web.bench.", 300, "A", str(address + i))
    for i in mail_hosts:
        web.add(f"h{i}.web.bench.", 300, "MX", f"10 h{i}.web.bench.")
        web.add(f"h{i}.web.bench.", 300, "TXT", f'"v=spf1 ip4:{address + i} -all" "bench host {i}"')
    routed_address = ipaddress.IPv4Address("10.200.0.0")
    for i in range(ROUTED_NAMES):
        one, two = str(routed_address + 2 * i), str(routed_address + 2 * i + 1)
        if i % 2:
            members = [
                {"id": "main", "ttl": 60, "values": [one], "role": "PRIMARY"},
                {"id": "backup", "ttl": 60, "values": [two], "role": "SECONDARY"},
            ]
            policy = "failover"
        else:
            members = [
                {"id": "blue", "ttl": 60, "values": [one], "weight": 3},
                {"id": "green", "ttl": 60, "values": [two], "weight": 1},
            ]
            policy = "weighted"
        web.routed.append({"name": f"r{i}.web.bench.", "type": "A", "policy": policy, "members": members})
    return DataSet([com, web], domains, hosts, mail_hosts, ROUTED_NAMES)


def query_file(data: DataSet, count: int, path: Path) -> dict[str, int]:
    """dnsperf input: one `name type` a line, shuffled with a fixed seed. Returns the mix."""
    rng = random.Random(SEED)
    alphabet = string.ascii_lowercase + string.digits
    mix = {"A host": 0.40, "A referral": 0.30, "A nxdomain": 0.15, "MX": 0.075, "TXT": 0.075}
    sizes = {kind: int(count * share) for kind, share in mix.items()}
    sizes["A host"] += count - sum(sizes.values())
    lines = [f"h{rng.randrange(data.hosts)}.web.bench A" for _ in range(sizes["A host"])]
    lines += [f"www.d{rng.randrange(data.domains)}.com A" for _ in range(sizes["A referral"])]
    lines += [f"{''.join(rng.choices(alphabet, k=12))}.web.bench A" for _ in range(sizes["A nxdomain"])]
    lines += [f"h{rng.choice(data.mail_hosts)}.web.bench MX" for _ in range(sizes["MX"])]
    lines += [f"h{rng.choice(data.mail_hosts)}.web.bench TXT" for _ in range(sizes["TXT"])]
    rng.shuffle(lines)
    path.write_text("\n".join(lines) + "\n")
    return sizes


def routed_query_file(data: DataSet, count: int, plain: Path, path: Path) -> None:
    """The plain mix with every other line replaced by a weighted or failover name."""
    rng = random.Random(SEED + 1)
    lines = plain.read_text().splitlines()[:count]
    for i in range(0, len(lines), 2):
        lines[i] = f"r{rng.randrange(data.routed_names)}.web.bench A"
    path.write_text("\n".join(lines) + "\n")


# --- the servers -------------------------------------------------------------------------------


def nsd_version() -> tuple[str, bool]:
    """NSD's version line and whether it was built with response rate limiting."""
    out = subprocess.run(["nsd", "-v"], capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    first = text.splitlines()[0] if text else "NSD (version unknown)"
    return first, "--enable-ratelimit" in text and "--disable-ratelimit" not in text


def start_nsd(data: DataSet, work: Path, port: int, rrl: bool) -> Process:
    zones = work / "nsd-zones"
    zones.mkdir()
    for zone in data.zones:
        (zones / f"{zone.origin}zone").write_text(zone.master_file())
    lines = [
        "server:",
        "    server-count: 1",
        f"    ip-address: {NSD_ADDRESS}",
        f"    port: {port}",
        "    do-ip6: no",
        f'    zonesdir: "{zones}"',
        '    username: ""',
        '    chroot: ""',
        '    database: ""',
        f'    pidfile: "{work / "nsd.pid"}"',
        f'    xfrdfile: "{work / "xfrd.state"}"',
        f'    xfrdir: "{work}"',
        f'    zonelistfile: "{work / "zone.list"}"',
        "    verbosity: 0",
        "    minimal-responses: yes",
    ]
    if rrl:
        lines += ["    rrl-ratelimit: 0", "    rrl-whitelist-ratelimit: 0"]
    lines += ["remote-control:", "    control-enable: no"]
    for zone in data.zones:
        lines += ["zone:", f"    name: {zone.origin}", f'    zonefile: "{zone.origin}zone"']
    conf = work / "nsd.conf"
    conf.write_text("\n".join(lines) + "\n")
    if shutil.which("nsd-checkconf"):
        check = subprocess.run(["nsd-checkconf", str(conf)], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nsd-checkconf rejects {conf}:\n{check.stdout}{check.stderr}")
    return Process("NSD", [*pinned(SERVER_CPU), "nsd", "-d", "-c", str(conf)], work / "nsd.log")


def start_run_dns(data: DataSet, work: Path, port: int) -> Process:
    spec = {
        "address": OURS_ADDRESS,
        "port": port,
        "zones": {
            zone.origin: {"serial": zone.serial, "records": zone.records, "routed": zone.routed} for zone in data.zones
        },
    }
    spec_path = work / "run_dns-zones.json"
    spec_path.write_text(json.dumps(spec))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(work / "var")}
    command = [*pinned(SERVER_CPU), PYTHON, str(Path(__file__).resolve()), "--serve-run-dns", str(spec_path)]
    return Process("run_dns", command, work / "run_dns.log", env)


def serve_run_dns(spec_path: Path) -> None:
    """The child: run_dns's DnsServer on the zones in ``spec_path``, one process, uvloop."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import uvloop

    from resolver.dns.authoritative.engine import Engine
    from resolver.dns.authoritative.server import DnsServer

    spec = json.loads(spec_path.read_text())
    zones = {
        name: (name, zone["serial"], zone["records"], [SERVER_NAME], zone["routed"])
        for name, zone in spec["zones"].items()
    }
    engine = Engine(payload=PAYLOAD, transfer_allow=["127.0.0.0/8"])

    async def serve() -> None:
        server = DnsServer(
            engine,
            {SERVER_NAME: spec["address"]},
            spec["port"],
            read_serials=lambda names: {name: zone[1] for name, zone in zones.items()},
            read_zone=zones.get,
            poll_every=3600,
            idle_timeout=10,
        )
        await server.start()
        print(f"run_dns: {len(server.serials)} zones loaded", flush=True)
        await server.run()

    uvloop.run(serve())
    print("engine counters: " + json.dumps(engine.counters), flush=True)


def engine_counters(process: Process) -> dict[str, int]:
    try:
        text = process.log.read_text(errors="replace")
    except OSError:
        return {}
    for line in reversed(text.splitlines()):
        if line.startswith("engine counters: "):
            return json.loads(line.removeprefix("engine counters: "))
    return {}


def wait_ready(process: Process, address: str, port: int, data: DataSet, timeout: float = 90) -> float:
    """Seconds until every zone's SOA comes back authoritative."""
    start = time.monotonic()
    pending = [zone.origin for zone in data.zones]
    while pending:
        process.check()
        try:
            query = dns.message.make_query(pending[0], dns.rdatatype.SOA)
            response = dns.query.udp(query, address, port=port, timeout=0.5)
            if response.rcode() == dns.rcode.NOERROR and response.flags & dns.flags.AA and response.answer:
                pending.pop(0)
                continue
        except (dns.exception.DNSException, OSError):
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{process.name} gave no answer for {pending[0]} in {timeout:g} s:\n{process.tail()}")
        time.sleep(0.1)
    return time.monotonic() - start


# --- correctness -------------------------------------------------------------------------------


class Mismatch(Exception):
    pass


def _section(rrsets: list[dns.rrset.RRset]) -> set[tuple]:
    return {
        (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, tuple(sorted(map(str, rrset))))
        for rrset in rrsets
    }


def _shape(response: dns.message.Message) -> dict[str, object]:
    return {
        "rcode": dns.rcode.to_text(response.rcode()),
        "AA": bool(response.flags & dns.flags.AA),
        "TC": bool(response.flags & dns.flags.TC),
        "EDNS": response.edns,
        "answer": _section(response.answer),
        "authority": _section(response.authority),
    }


def verify(data: DataSet, port: int) -> tuple[int, list[str]]:
    """The same questions to both servers; raises Mismatch on a difference in rcode, flags,
    answer or authority. Returns how many were asked and notes on additional sections that
    differ (not an error)."""
    mail = data.mail_hosts[1]
    questions = [
        ("web.bench.", "SOA"),
        ("web.bench.", "NS"),
        ("h1.web.bench.", "A"),
        ("H7.Web.BENCH.", "A"),
        (f"h{mail}.web.bench.", "MX"),
        (f"h{mail}.web.bench.", "TXT"),
        ("h3.web.bench.", "AAAA"),
        ("h3.web.bench.", "MX"),
        ("no-such-host.web.bench.", "A"),
        ("deeper.h5.web.bench.", "A"),
        ("com.", "SOA"),
        ("com.", "NS"),
        ("www.d1.com.", "A"),
        ("d2.com.", "NS"),
        ("d3.com.", "DS"),
        ("ns1.d4.com.", "A"),
        (f"www.d{data.domains - 1}.com.", "MX"),
        ("no-such-domain.com.", "A"),
        ("elsewhere.bench.", "A"),
    ]
    notes = []
    problems = []
    for name, rtype in questions:
        for edns in (False, True):
            shapes = []
            for address in (NSD_ADDRESS, OURS_ADDRESS):
                query = dns.message.make_query(name, rtype, use_edns=0 if edns else False, payload=PAYLOAD)
                response = dns.query.udp(query, address, port=port, timeout=2)
                shapes.append((_shape(response), _section(response.additional)))
            (nsd, nsd_extra), (ours, our_extra) = shapes
            label = f"{name} {rtype}{' +EDNS' if edns else ''}"
            if nsd != ours:
                diff = [key for key in nsd if nsd[key] != ours[key]]
                lines = [f"  MISMATCH {label}: differs in {', '.join(diff)}"]
                for key in diff:
                    lines.append(f"    NSD     {key}: {nsd[key]}")
                    lines.append(f"    run_dns {key}: {ours[key]}")
                problems.append("\n".join(lines))
            elif nsd_extra != our_extra:
                notes.append(
                    f"{label}: additional section NSD {len(nsd_extra)} RRsets, run_dns {len(our_extra)}"
                    f" (only in run_dns: {sorted(r[0] + ' ' + r[1] for r in our_extra - nsd_extra)})"
                )
    if problems:
        raise Mismatch("\n".join(problems))
    return 2 * len(questions), notes


# --- dnsperf -----------------------------------------------------------------------------------


def dnsperf(address: str, port: int, queries: Path, args, *, edns: bool, seconds: float, passes: int = 0) -> Run:
    command = [*pinned(CLIENT_CPU), "dnsperf", "-s", address, "-p", str(port), "-d", str(queries), "-T", "1"]
    command += ["-c", str(args.clients), "-q", str(args.outstanding), "-l", f"{seconds:g}", "-t", "2"]
    if passes:
        command += ["-n", str(passes)]
    if edns:
        command.append("-e")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_dnsperf(done.stdout)


@dataclass
class Figures:
    plain: Run
    edns: Run

    @property
    def combined(self) -> float:
        return (self.plain.completed + self.edns.completed) / (self.plain.seconds + self.edns.seconds)

    @property
    def lost_percent(self) -> float:
        sent = self.plain.sent + self.edns.sent
        return 100 * (self.plain.lost + self.edns.lost) / sent if sent else 0.0

    @property
    def rcodes(self) -> str:
        total: dict[str, int] = {}
        for run in (self.plain, self.edns):
            for code, n in run.rcodes.items():
                total[code] = total.get(code, 0) + n
        answered = sum(total.values()) or 1
        return ", ".join(f"{code} {100 * n / answered:.1f}%" for code, n in sorted(total.items()))


# --- main --------------------------------------------------------------------------------------


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _start_servers(
    args: argparse.Namespace, data: DataSet, work: Path, rrl: bool, servers: list[Process]
) -> tuple[Process, Process]:
    """NSD and run_dns on the zones, each pinned to the server CPU, both answering."""
    nsd = start_nsd(data, work, args.port, rrl)
    servers.append(nsd)
    ours = start_run_dns(data, work, args.port)
    servers.append(ours)
    nsd_ready = wait_ready(nsd, NSD_ADDRESS, args.port, data)
    ours_ready = wait_ready(ours, OURS_ADDRESS, args.port, data)
    records = sum(len(zone.records) for zone in data.zones)
    print(
        f"zones: com. ({data.domains} delegations) and web.bench. ({data.hosts} hosts), {records} records;"
        f" answering after {nsd_ready:.1f} s (NSD), {ours_ready:.1f} s (run_dns)"
    )
    return nsd, ours


def _correctness(data: DataSet, port: int) -> None:
    asked, notes = verify(data, port)
    verify(data, port)  # again: now run_dns answers from its cache of rendered answers
    print(
        f"correctness: {asked} queries (half with EDNS), asked twice (run_dns's cache cold, then warm),"
        " get the same rcode, flags, answer and authority from both"
    )
    for note in notes:
        print(f"  note: {note}")


def _measure(
    args: argparse.Namespace, targets: dict[str, tuple[Process, str]], mixes: dict[str, Path]
) -> dict[str, dict[str, Figures]]:
    """One unmeasured pass through each file per server and mode, then the measured runs,
    alternating between the servers."""
    for path in mixes.values():
        for edns in (False, True):  # unmeasured: one pass through the file
            for process, address in targets.values():
                dnsperf(address, args.port, path, args, edns=edns, seconds=3, passes=1)
                process.check()
    results: dict[str, dict[str, Figures]] = {}
    for mix_name, path in mixes.items():
        runs: dict[tuple[str, bool], Run] = {}
        for edns in (False, True):
            for name, (process, address) in targets.items():
                runs[name, edns] = dnsperf(address, args.port, path, args, edns=edns, seconds=args.seconds)
                process.check()
        results[mix_name] = {name: Figures(runs[name, False], runs[name, True]) for name in targets}
    return results


def _report(
    args: argparse.Namespace,
    data: DataSet,
    mix: dict[str, int],
    results: dict[str, dict[str, Figures]],
    counters: dict[str, int],
    version: str,
    rrl: bool,
) -> None:
    print()
    print(
        f"Authoritative DNS over UDP ({os.cpu_count()} CPUs): dnsperf -T 1 -c {args.clients} -q {args.outstanding},"
        f" {args.seconds:g} s plain + {args.seconds:g} s EDNS (-e) per server, runs alternating"
    )
    print(f"query mix ({args.queries} lines): " + ", ".join(f"{kind} {n}" for kind, n in mix.items()))
    print(
        f"routed mix: the same with every other line a weighted or failover name ({data.routed_names} names;"
        " NSD serves them as plain records)"
    )
    header = f"{'QPS plain':>12}{'QPS EDNS':>12}{'combined':>12}{'lost %':>9}{'latency ms':>12}"
    print(f"  {'mix':<8}{'server':<10}{header}")
    for mix_name, figures in results.items():
        for name, f in figures.items():
            latency = (f.plain.latency_ms + f.edns.latency_ms) / 2
            print(
                f"  {mix_name:<8}{name:<10}{f.plain.qps:>12.0f}{f.edns.qps:>12.0f}{f.combined:>12.0f}"
                f"{f.lost_percent:>9.2f}{latency:>12.3f}"
            )
    for mix_name, figures in results.items():
        for name, f in figures.items():
            print(f"  {mix_name} {name} response codes: {f.rcodes}")
    if counters:
        print("  run_dns engine paths: " + ", ".join(f"{k} {v}" for k, v in sorted(counters.items())))
    print(f"  peer: {version}, server-count 1, RRL {'off' if rrl else 'not built'}, minimal-responses")
    for mix_name, figures in results.items():
        ratio = figures["run_dns"].combined / figures["NSD"].combined
        verdict = "met" if ratio >= TARGET else "NOT met"
        print(f"Ratio ({mix_name}): run_dns is {ratio:.2f}x NSD's combined QPS (target >= {TARGET}x: {verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured dnsperf run (max 10)")
    parser.add_argument("--clients", type=int, default=10, help="dnsperf -c: clients (source ports)")
    parser.add_argument("--outstanding", type=int, default=500, help="dnsperf -q: queries in flight")
    parser.add_argument("--queries", type=int, default=20_000, help="lines in the query file")
    parser.add_argument("--domains", type=int, default=5000, help="delegations in com.")
    parser.add_argument("--hosts", type=int, default=2000, help="hosts in web.bench.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="UDP port of both servers")
    parser.add_argument("--serve-run-dns", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_run_dns:
        serve_run_dns(args.serve_run_dns)
        return 0
    if not 0 < args.seconds <= 10:
        parser.error("--seconds must be in (0, 10]")
    for program in ("nsd", "dnsperf"):
        if shutil.which(program) is None:
            print(f"bench/dns.py: {program} is not installed", file=sys.stderr)
            return 2

    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="namesmith-bench-dns-"))
    servers: list[Process] = []
    try:
        version, rrl = nsd_version()
        data = build_zones(args.domains, args.hosts)
        queries = work / "queries.txt"
        mix = query_file(data, args.queries, queries)
        nsd, ours = _start_servers(args, data, work, rrl, servers)
        _correctness(data, args.port)

        targets = {"NSD": (nsd, NSD_ADDRESS), "run_dns": (ours, OURS_ADDRESS)}
        routed_queries = work / "routed-queries.txt"
        routed_query_file(data, args.queries, queries, routed_queries)
        results = _measure(args, targets, {"plain": queries, "routed": routed_queries})

        ours.stop()
        counters = engine_counters(ours)
        _report(args, data, mix, results, counters, version, rrl)
        return 0
    except Mismatch as exc:
        print("correctness: run_dns and NSD answer differently:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench/dns.py: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError, dns.exception.DNSException) as exc:
        print(f"bench/dns.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        for process in servers:
            print(f"--- {process.name} log (last lines) ---\n{process.tail()}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(servers):
            process.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
