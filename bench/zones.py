"""A registry change answered by the TLD servers: commit to first referral, against 1 s p99.

Namesmith: the processes `make run` starts for DNS (the Procfile's two Celery worker processes,
beat, ``manage.py run_dns``) on a PostgreSQL database and a Redis key prefix of their own.
The bench registers ``.com`` domains with nameservers in this process through
``registry.commands.execute`` (the call the order pipeline's registry task makes; it runs
``registry.services.create_domain``) and stamps the wall clock in the first on-commit callback
of each transaction. After that commit the registry asks for a com build
(``registry.zones.request_after_commit``), the worker builds it (``registry.tasks.publish_zone``)
and stores it (``resolver.tasks.store_zone``), the store NOTIFYs run_dns, and run_dns reloads
the zone from the database. A poller (a child process, so the registering threads cannot hold
it back) asks a.gtld-servers.net ``NS <domain>.`` over UDP every --poll-ms (at most --poll-qps
queries a second in all) until a referral (NOERROR, the domain's NS in the authority section)
replaces NXDOMAIN. Latency: first referral received minus commit. The breakdown of where the
time went comes from the worker's task log lines and run_dns's zone-loaded lines, and the CPU
each process group used during each load from /proc.

The peer, measured in the same run once Namesmith's processes are stopped: the conventional
hidden master in front of NSD. Same commits, same database, same zone builder
(``registry.zones.build_tld``); a publisher daemon (one process, woken through a pipe when a
transaction that changes com commits, coalescing requests that arrive while it works) renders
the com master file (one record a line; NSD checks it as it loads it), replaces the file and runs
``nsd-control reload com.``. NSD runs with one server process.

Each gets the same loads: a warm-up (not counted), paced (--domains registrations one at a time
at --rate per second) and bursts (--burst registrations at once from --threads threads,
--bursts times, each after the previous one is answered).

    .venv/bin/python bench/zones.py [--domains 200] [--rate 5] [--burst 50] [--bursts 3] [--threads 4]

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_PG_URL, BENCH_REDIS_URL override) and the nsd and
nsd-control programs. Creates and drops the database namesmith_bench_zones, uses its own Redis
key prefix, and listens on 127.78.0.0/16 (--block) port 15353 (--port): run_dns on the plan's
addresses, NSD on 127.78.9.1. Takes about two minutes.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and bench/dns.py hides dnspython's `dns`.
sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import contextlib
import ipaddress
import json
import math
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import psycopg

from bench.harness import (
    CpuMeter,
    Process,
    create_database,
    drop_database,
    drop_keys,
    namesmith_environment,
    percentile,
    print_cpu,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "namesmith_bench_zones"
DEFAULT_BLOCK = "127.78.0.0/16"
DEFAULT_PORT = 15353
TARGET_MS = 1000.0
# The Procfile's worker and beat command lines; `make run` starts WORKER_CONCURRENCY (default 2)
# worker processes, each with the solo pool.
WORKERS = int(os.environ.get("WORKER_CONCURRENCY") or 2)
WORKER = ["-m", "celery", "-A", "config", "worker", "--queues", "registry,registrar,resolver", "--pool", "solo"]
WORKER += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
BEAT = ["-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]


# --- processes ---------------------------------------------------------------------------------


def wait_answering(process: Process, address: str, port: int, name: str, rdtype: str, timeout: float) -> float:
    """Seconds until ``address`` answers ``name rdtype`` with NOERROR and data (answer or referral)."""
    start = time.monotonic()
    while True:
        process.check()
        try:
            query = dns.message.make_query(name, rdtype)
            query.flags = 0
            response = dns.query.udp(query, address, port=port, timeout=0.5)
            if (
                response.rcode() == dns.rcode.NOERROR
                and (response.answer or response.authority)
                and (response.answer or any(r.rdtype == dns.rdatatype.NS for r in response.authority))
            ):
                return time.monotonic() - start
        except (dns.exception.DNSException, OSError):
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{process.name} gave no answer for {name} {rdtype} in {timeout:g} s:\n{process.tail()}")
        time.sleep(0.1)


# --- the poller (a child process) --------------------------------------------------------------


@dataclass
class Watch:
    key: int
    name: dns.name.Name
    wire: bytes
    target: tuple[str, int]
    queries: int = 0
    nxdomain: int = 0
    other: int = 0
    sent: float = 0.0  # monotonic time of the last query
    gap: float = 0.0  # between the last two queries: how late the referral may be seen


def serve_poller(interval: float, budget: float) -> None:
    """The child: reads ``W <key> <name> <address> <port>`` lines on stdin, asks each watched
    name ``NS`` every ``interval`` seconds (less often when more than ``budget`` queries a
    second would go out, so the polling does not load the server it measures) from one
    non-blocking socket, and prints ``A <key> <time> <queries> <nxdomain> <gap>`` when a
    referral for it comes back."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ, "dns")
    selector.register(0, selectors.EVENT_READ, "stdin")
    watched: dict[int, Watch] = {}  # by DNS message id
    buffer = b""
    next_round = time.monotonic()
    while True:
        timeout = max(0.0, next_round - time.monotonic()) if watched else None
        for key, _ in selector.select(timeout):
            if key.data == "stdin":
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    parts = line.decode().split()
                    if parts and parts[0] == "W":
                        query = dns.message.make_query(parts[2], dns.rdatatype.NS)
                        query.flags = 0  # a resolver's iterative query: no RD
                        query.id = int(parts[1]) & 0xFFFF
                        target = (parts[3], int(parts[4]))
                        watched[query.id] = Watch(int(parts[1]), query.question[0].name, query.to_wire(), target)
                        next_round = time.monotonic()  # ask at once
                    elif parts and parts[0] == "Q":
                        return
                continue
            _take_answers(sock, watched)
        now = time.monotonic()
        if watched and now >= next_round:
            for watch in watched.values():
                with contextlib.suppress(OSError):
                    sock.sendto(watch.wire, watch.target)
                    watch.queries += 1
                    watch.gap, watch.sent = (now - watch.sent if watch.sent else 0.0), now
            next_round = max(next_round + max(interval, len(watched) / budget), now)


def _take_answers(sock: socket.socket, watched: dict[int, Watch]) -> None:
    """Reads every answer waiting on the poller's socket; prints ``A ...`` for each referral
    and stops watching its name."""
    while True:
        try:
            data = sock.recv(4096)
        except OSError:  # BlockingIOError: nothing more to read
            break
        stamp = time.time()
        watch = watched.get(int.from_bytes(data[:2], "big")) if len(data) >= 12 else None
        if watch is None:
            continue
        rcode = data[3] & 0x0F
        if rcode == dns.rcode.NXDOMAIN:
            watch.nxdomain += 1
            continue
        if rcode != dns.rcode.NOERROR or not int.from_bytes(data[8:10], "big"):
            watch.other += 1
            continue
        try:
            response = dns.message.from_wire(data)
        except dns.exception.DNSException:
            watch.other += 1
            continue
        if any(r.rdtype == dns.rdatatype.NS and r.name == watch.name for r in response.authority):
            del watched[response.id]
            print(f"A {watch.key} {stamp:.6f} {watch.queries} {watch.nxdomain} {watch.gap:.6f}", flush=True)
        else:
            watch.other += 1


@dataclass
class Sample:
    key: int
    name: str
    commit: float = 0.0  # wall clock in the transaction's first on-commit callback
    returned: float = 0.0  # wall clock when the registry call returned (its on-commit work done)
    answer: float | None = None  # wall clock the poller received the first referral
    queries: int = 0
    nxdomain: int = 0
    poll_gap: float = 0.0  # seconds between the last two queries for it before the referral

    @property
    def latency_ms(self) -> float:
        return math.inf if self.answer is None else (self.answer - self.commit) * 1000


class Poller:
    def __init__(self, work: Path, env: dict, interval: float, budget: float) -> None:
        args = [PYTHON, str(Path(__file__).resolve()), "--serve-poller", str(interval), str(budget)]
        self.process = Process("poller", args, work / "poller.log", env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.answers: dict[int, tuple[float, int, int, float]] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.popen.stdout:
            parts = line.decode().split()
            if parts[:1] == ["A"]:
                with self.changed:
                    self.answers[int(parts[1])] = (float(parts[2]), int(parts[3]), int(parts[4]), float(parts[5]))
                    self.changed.notify_all()

    def watch(self, sample: Sample, target: tuple[str, int]) -> None:
        with self.lock:
            self.process.popen.stdin.write(f"W {sample.key} {sample.name}. {target[0]} {target[1]}\n".encode())
            self.process.popen.stdin.flush()

    def collect(self, samples: list[Sample], timeout: float) -> None:
        """Wait up to ``timeout`` seconds for every sample's referral; fill in what came."""
        with self.changed:
            self.changed.wait_for(lambda: all(s.key in self.answers for s in samples), timeout)
            for s in samples:
                if s.key in self.answers:
                    s.answer, s.queries, s.nxdomain, s.poll_gap = self.answers[s.key]
        self.process.check()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.popen.stdin.write(b"Q\n")
            self.process.popen.stdin.flush()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.popen.wait(3)
        self.process.stop()


# --- registering -------------------------------------------------------------------------------


class Registrations:
    """``.com`` registrations with the demo customer's contact and the demo's rental
    nameservers, as the order pipeline's ``domain.create`` command carries them."""

    def __init__(self, run_id: str) -> None:
        from django.conf import settings

        from registrar.demo import DEMO_CUSTOMER
        from registrar.models import Customer
        from registry.models import Tld
        from resolver.demo import demo_nameservers

        self.run_id = run_id
        self.registrar = settings.REGISTRAR_CLIENT_ID
        self.registrant = Customer.objects.get(user__username=DEMO_CUSTOMER["username"]).registrant_contact()
        self.nameservers = demo_nameservers()
        self.fee = Tld.objects.get(name="com").create_fee
        self.count = 0

    def samples(self, label: str, count: int) -> list[Sample]:
        out = []
        for i in range(count):
            self.count += 1
            if self.count >= 0xFFFF:
                raise RuntimeError("more names than DNS message ids")
            out.append(Sample(self.count, f"zb{self.run_id}-{label}-{i}.com"))
        return out

    def register(self, sample: Sample) -> None:
        from django.db import transaction

        from registry import commands

        command = {
            "op": "domain.create",
            "registrar": self.registrar,
            "cl_trid": f"bench-zones-{sample.name}"[:64],
            "params": {
                "name": sample.name,
                "years": 1,
                "nameservers": self.nameservers,
                "expected_fee": self.fee,
                "registrant": self.registrant,
            },
        }
        stamps: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda: stamps.append(time.time()))  # runs before the registry's own
            reply = commands.execute(command)
        sample.returned = time.time()
        if not reply.get("ok"):
            raise RuntimeError(f"registering {sample.name} failed: {reply.get('error')}")
        sample.commit = stamps[0]


def paced(samples: list[Sample], rate: float, reg: Registrations, poller: Poller, target) -> None:
    """Open loop: registration i starts at start + i/rate, one at a time."""
    start = time.monotonic() + 0.2
    for i, sample in enumerate(samples):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        poller.watch(sample, target)
        reg.register(sample)


def burst(samples: list[Sample], threads: int, reg: Registrations, poller: Poller, target) -> None:
    """Every sample at once: ``threads`` threads, each registering its share back to back."""
    from django.db import connection

    for sample in samples:
        poller.watch(sample, target)
    time.sleep(0.05)  # every name asked (NXDOMAIN) once before the first commit

    def share(part: list[Sample]) -> None:
        try:
            for sample in part:
                reg.register(sample)
        finally:
            connection.close()

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(share, samples[k::threads]) for k in range(threads)]:
            future.result()


def com_records() -> int:
    """Records in the com zone as the registry would build it now."""
    from registry import zones

    return len(zones.build_tld("com")[0])


def measure(label: str, args, reg: Registrations, poller: Poller, target, processes: list[Process]) -> dict:
    def settle(samples: list[Sample]) -> None:
        poller.collect(samples, args.timeout)
        for process in processes:
            process.check()

    warm = reg.samples(f"{label}w", args.warmup)
    paced(warm, 2.0, reg, poller, target)
    settle(warm)
    sizes = [com_records()]
    meter = CpuMeter([*processes, poller.process])
    steady = reg.samples(f"{label}p", args.domains)
    paced(steady, args.rate, reg, poller, target)
    settle(steady)
    cpu = {"paced": meter.stop()}
    sizes.append(com_records())
    meter = CpuMeter([*processes, poller.process])
    bursts: list[Sample] = []
    for b in range(args.bursts):
        time.sleep(0.5)
        batch = reg.samples(f"{label}b{b}", args.burst)
        burst(batch, args.threads, reg, poller, target)
        settle(batch)
        bursts += batch
    cpu["burst"] = meter.stop()
    sizes.append(com_records())
    return {"paced": steady, "burst": bursts, "com_records": {"paced": sizes[:2], "burst": sizes[1:]}, "cpu": cpu}


def preload(reg: Registrations, count: int, threads: int) -> None:
    """``count`` more delegations in com before anything is measured (nobody watches them)."""
    from django.db import connection

    samples = reg.samples("pre", count)

    def share(part: list[Sample]) -> None:
        try:
            for sample in part:
                reg.register(sample)
        finally:
            connection.close()

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(share, samples[k::threads]) for k in range(threads)]:
            future.result()


def preload_bulk(count: int, run_id: str) -> None:
    """``count`` delegations to the demo's rental nameservers written straight into the
    registry's tables, in batches: registering 100,000 names one by one through the
    registry's commands would take most of an hour, and what is measured is what a zone of
    that size costs each new registration, not how these got there."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction

    from config import clock
    from registry.models import Domain, Host, Registrar, Tld
    from resolver.demo import demo_nameservers

    tld = Tld.objects.get(name="com")
    registrar = Registrar.objects.get(client_id=settings.REGISTRAR_CLIENT_ID)
    hosts = list(Host.objects.filter(name__in=demo_nameservers(), deleted_at=None))
    now = clock.now()
    through = Domain.nameservers.through
    for start in range(0, count, 5000):
        with transaction.atomic():
            made = Domain.objects.bulk_create(
                Domain(
                    name=f"zp{run_id}-{n}.com",
                    unicode_name=f"zp{run_id}-{n}.com",
                    tld=tld,
                    registrar=registrar,
                    created_at=now,
                    updated_at=now,
                    expires_at=now + timedelta(days=365),
                )
                for n in range(start, min(start + 5000, count))
            )
            through.objects.bulk_create(through(domain_id=d.pk, host_id=h.pk) for d in made for h in hosts)


def git_state() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "modified": git("status", "--porcelain", "--untracked-files=no")}


def summary(samples: list[Sample]) -> dict:
    latencies = [s.latency_ms for s in samples]

    def ms(value: float) -> float | None:
        return None if math.isinf(value) else round(value, 1)

    return {
        "count": len(samples),
        "unanswered": sum(s.answer is None for s in samples),
        "p50_ms": ms(percentile(latencies, 50)),
        "p90_ms": ms(percentile(latencies, 90)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies)),
        "answered_early": sum(s.answer is not None and s.answer < s.commit for s in samples),
        "nxdomain_first": sum(s.nxdomain > 0 for s in samples),
        "commit_to_return_p50_ms": round(percentile([(s.returned - s.commit) * 1000 for s in samples], 50), 2),
        "poll_gap_p50_ms": round(percentile([s.poll_gap * 1000 for s in samples], 50), 1),
        "poll_gap_max_ms": round(max(s.poll_gap * 1000 for s in samples), 1),
    }


# --- where the time goes -----------------------------------------------------------------------

STAMP = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})"
TASK_EVENT = re.compile(
    STAMP + r" [^:]*: Task (registry\.tasks\.publish_zone|resolver\.tasks\.(?:store|patch)_zone)\[([\w-]+)\] "
    r"(received|succeeded in ([\d.e-]+)s)"
)
# A new version of com served: loaded whole, or its changes applied to the zone held.
ZONE_LOADED = re.compile(
    STAMP + r" \S+ INFO resolver\.dns\.authoritative\.server: zone com\. serial (\d+)(?: loaded|: \d+ versions)"
)


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # logging writes local time


@dataclass
class Task:
    received: float = math.nan
    start: float = math.nan
    end: float = math.nan


def task_runs(log: str, name: str) -> list[Task]:
    runs: dict[str, Task] = {}
    for stamp, task, task_id, what, runtime in TASK_EVENT.findall(log):
        if task != name:
            continue
        run = runs.setdefault(task_id, Task())
        if what == "received":
            run.received = _epoch(stamp)
        else:
            run.end = _epoch(stamp)
            run.start = run.end - float(runtime)
    return sorted((r for r in runs.values() if not math.isnan(r.end)), key=lambda r: r.end)


def _last(items: list, at: float, key) -> object | None:
    found = None
    for item in items:
        if key(item) <= at:
            found = item
    return found


def namesmith_stages(samples: list[Sample], worker_log: str, dns_log: str) -> dict[str, dict]:
    """For each answered sample, the chain that made it visible: the run_dns load of com
    just before its first referral, the store_zone run that started last before that load,
    and the publish_zone run that ended last before that store started. Log stamps have
    millisecond resolution."""
    publishes = task_runs(worker_log, "registry.tasks.publish_zone")
    stores = task_runs(worker_log, "resolver.tasks.store_zone") + task_runs(worker_log, "resolver.tasks.patch_zone")
    stores.sort(key=lambda r: r.end)
    loads = [_epoch(stamp) for stamp, _ in ZONE_LOADED.findall(dns_log)]
    gaps: dict[str, list[float]] = {
        "commit -> publish_zone started": [],
        "publish_zone (build com or its part)": [],
        "publish_zone done -> store started": [],
        "store or patch_zone (store, NOTIFY, ack)": [],
        "store started -> run_dns serves com": [],
        "run_dns loaded -> first referral seen": [],
    }
    for s in samples:
        if s.answer is None:
            continue
        load = _last(loads, s.answer + 0.001, lambda t: t)
        store = load and _last(stores, load, lambda r: r.start)
        publish = store and _last(publishes, store.start + 0.001, lambda r: r.end)
        if not publish:
            continue
        values = [
            publish.start - s.commit,
            publish.end - publish.start,
            store.start - publish.end,
            store.end - store.start,
            load - store.start,
            s.answer - load,
        ]
        for gap, value in zip(gaps.values(), values, strict=True):
            gap.append(value * 1000)
    builds = {"publish_zone runs": len(publishes), "store/patch_zone runs": len(stores), "run_dns loads": len(loads)}
    return {"counts": builds, "stages": _stage_table(gaps)}


def peer_stages(samples: list[Sample], publisher_log: str) -> dict[str, dict]:
    """For each answered sample, the publisher build whose file was written last before its
    first referral."""
    builds = [json.loads(line[6:]) for line in publisher_log.splitlines() if line.startswith("build ")]
    gaps: dict[str, list[float]] = {
        "commit -> publisher woke": [],
        "build com from the database": [],
        "render and replace the master file": [],
        "nsd-control reload com.": [],
        "file written -> first referral seen": [],
    }
    for s in samples:
        if s.answer is None:
            continue
        build = _last(builds, s.answer, lambda b: b["written"])
        if build is None:
            continue
        values = [
            build["woke"] - s.commit,
            build["built"] - build["woke"],
            build["written"] - build["built"],
            build["reloaded"] - build["written"],
            s.answer - build["written"],
        ]
        for gap, value in zip(gaps.values(), values, strict=True):
            gap.append(value * 1000)
    return {"counts": {"builds": len(builds)}, "stages": _stage_table(gaps)}


def _stage_table(gaps: dict[str, list[float]]) -> dict[str, dict]:
    return {
        stage: {"p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1), "n": len(v)}
        for stage, v in gaps.items()
        if v
    }


# --- the peer: hidden master and NSD -----------------------------------------------------------


def write_com_zone(path: Path, serial: int) -> tuple[int, float]:
    """Build com from the registry's data (as publish_zone does) and replace ``path`` with it
    as a master file, one record a line, as a zone generator writes it (every name in the
    records is absolute). The record count and when the build ended."""
    from registry import zones
    from resolver.dns.wire import records as rr

    records, _ = zones.build_tld("com")
    built = time.time()
    lines = [f"; com. serial {serial}"]
    lines += [
        f"{owner}\t{ttl}\tIN\t{rtype}\t{rdata}"
        for owner, ttl, rtype, rdata in rr.with_serial(records, rr.zone_name("com."), serial)
    ]
    part = path.with_name(path.name + ".new")
    part.write_text("\n".join(lines) + "\n")
    os.replace(part, path)
    return len(records), built


def serve_peer_publisher(conf: Path, zonefile: Path, serial: int) -> None:
    """The child: each read from stdin (one byte per committed change; whatever piled up
    while a build ran is one read) is one build of com, a new file and an NSD reload."""
    import django

    django.setup()
    print("peer publisher: ready", flush=True)
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            return
        woke = time.time()
        serial = max(serial + 1, int(woke))
        count, built = write_com_zone(zonefile, serial)
        written = time.time()
        done = subprocess.run(
            ["nsd-control", "-c", str(conf), "reload", "com."], capture_output=True, text=True, check=False
        )
        reloaded = time.time()
        if done.returncode != 0 or "ok" not in done.stdout:
            print(f"nsd-control reload failed: {done.stdout}{done.stderr}", flush=True)
        stamps = {"woke": woke, "built": built, "written": written, "reloaded": reloaded}
        print("build " + json.dumps({**stamps, "serial": serial, "records": count, "triggers": len(chunk)}), flush=True)


def start_nsd(work: Path, address: str, port: int) -> tuple[Process, Path, Path, int]:
    folder = work / "nsd"
    folder.mkdir()
    zonefile = folder / "com.zone"
    serial = int(time.time())
    write_com_zone(zonefile, serial)
    lines = [
        "server:",
        "    server-count: 1",
        f"    ip-address: {address}",
        f"    port: {port}",
        "    do-ip6: no",
        f'    zonesdir: "{folder}"',
        '    username: ""',
        '    chroot: ""',
        '    database: ""',
        f'    pidfile: "{folder / "nsd.pid"}"',
        f'    xfrdfile: "{folder / "xfrd.state"}"',
        f'    xfrdir: "{folder}"',
        f'    zonelistfile: "{folder / "zone.list"}"',
        "    verbosity: 1",
        "    minimal-responses: yes",
        "remote-control:",
        "    control-enable: yes",
        f"    control-interface: {folder / 'nsd.ctl'}",
        "zone:",
        "    name: com.",
        f'    zonefile: "{zonefile}"',
    ]
    conf = folder / "nsd.conf"
    conf.write_text("\n".join(lines) + "\n")
    check = subprocess.run(["nsd-checkconf", str(conf)], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"nsd-checkconf rejects {conf}:\n{check.stdout}{check.stderr}")
    return Process("NSD", ["nsd", "-d", "-c", str(conf)], work / "nsd.log", None), conf, zonefile, serial


# --- main --------------------------------------------------------------------------------------


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def print_table(rows: list[tuple[str, dict]]) -> None:
    def cell(value) -> str:
        return "timeout" if value is None else f"{value:.0f}"

    head = f"  {'':<28}{'count':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'unanswered':>12}"
    print(head + "  poll gap p50/max ms  com zone records")
    for label, s in rows:
        print(
            f"  {label:<28}{s['count']:>7}{cell(s['p50_ms']):>9}{cell(s['p90_ms']):>9}{cell(s['p99_ms']):>9}"
            f"{cell(s['max_ms']):>9}{s['unanswered']:>12}  {s['poll_gap_p50_ms']:>9.0f}/{s['poll_gap_max_ms']:<9.0f}"
            f"  {s['com_records'][0]} -> {s['com_records'][1]}"
        )


def print_stages(title: str, stages: dict) -> None:
    print(f"  {title} ({', '.join(f'{v} {k}' for k, v in stages['counts'].items())}):")
    for stage, v in stages["stages"].items():
        print(f"    {stage:<44} p50 {v['p50_ms']:>7.1f} ms   p99 {v['p99_ms']:>7.1f} ms")


def _copy_logs(work: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for log in work.glob("*.log"):
        shutil.copy(log, folder / log.name)


def _set_up(work: Path, env: dict[str, str]) -> None:
    """``migrate`` and ``seed_demo`` on the new database, then Django in this process."""
    with (work / "setup.log").open("wb") as log:
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=log, stderr=log)
    import django

    django.setup()


def _start_namesmith(
    args: argparse.Namespace, work: Path, env: dict[str, str], processes: list[Process]
) -> tuple[list[Process], Process, tuple[str, int]]:
    """The Procfile's workers, beat and run_dns, answering for the demo's example.com; the
    workers, run_dns and the com server's address and port."""
    from django.conf import settings

    workers = [
        Process(f"worker.{n}", [PYTHON, *WORKER, "--hostname", f"worker.{n}@%h"], work / f"worker.{n}.log", env)
        for n in range(1, WORKERS + 1)
    ]
    processes += workers
    beat = Process("beat", [PYTHON, *BEAT], work / "beat.log", env)
    processes.append(beat)
    run_dns = Process("run_dns", [PYTHON, "manage.py", "run_dns"], work / "run_dns.log", env)
    processes.append(run_dns)
    for worker in workers:
        worker.wait_for_output("ready.", 60)
    run_dns.wait_for_output("run_dns: serving", 60)
    com = settings.NETWORK_PLAN.servers_for_tld("com")[0]
    target = (com.address, args.port)
    # The demo order (example.com) has gone through the worker and com is published with it.
    wait_answering(run_dns, com.address, args.port, "example.com.", "NS", 90)
    return workers, run_dns, target


def _measure_namesmith(
    args: argparse.Namespace,
    reg: Registrations,
    poller: Poller,
    target: tuple[str, int],
    processes: list[Process],
    workers: list[Process],
    run_dns: Process,
) -> tuple[dict, dict]:
    """The loads on Namesmith's pipeline, its processes stopped afterwards; what they measured
    and where the time went, from the workers' and run_dns's logs."""
    ours = measure("n", args, reg, poller, target, list(processes))
    for process in reversed(processes):
        process.stop()
    ours_stages = namesmith_stages(ours["paced"] + ours["burst"], "".join(w.text() for w in workers), run_dns.text())
    return ours, ours_stages


def _measure_peer(
    args: argparse.Namespace,
    work: Path,
    env: dict[str, str],
    reg: Registrations,
    poller: Poller,
    nsd_address: str,
    processes: list[Process],
) -> tuple[dict, dict]:
    """NSD and the publisher in place of Namesmith's pipeline, the same loads; what they
    measured and where the time went."""
    from django.db import transaction

    from registry import zones

    print("bench/zones.py: peer (hidden master + NSD), same loads", flush=True)
    nsd, conf, zonefile, serial = start_nsd(work, nsd_address, args.port)
    processes.append(nsd)
    wait_answering(nsd, nsd_address, args.port, "example.com.", "NS", 30)
    publisher = Process(
        "publisher",
        [PYTHON, str(Path(__file__).resolve()), "--serve-peer-publisher", str(conf), str(zonefile), str(serial)],
        work / "publisher.log",
        env,
        stdin=subprocess.PIPE,
    )
    processes.append(publisher)
    publisher.wait_for_output("peer publisher: ready", 30)
    trigger_fd = publisher.popen.stdin.fileno()

    def ask_peer(zone: str, names: object = None) -> None:  # in place of request_after_commit, for this phase only
        transaction.on_commit(lambda: os.write(trigger_fd, b"."))

    original, zones.request_after_commit = zones.request_after_commit, ask_peer
    try:
        peer = measure("d", args, reg, poller, (nsd_address, args.port), [nsd, publisher])
    finally:
        zones.request_after_commit = original
    return peer, peer_stages(peer["paced"] + peer["burst"], publisher.text())


def _report(args: argparse.Namespace, ours: dict, peer: dict, ours_stages: dict, peer_stage: dict) -> tuple[dict, dict]:
    """Prints the table, the checks, the stages and the CPU; returns the summaries of each
    side's loads and Namesmith's p99 over the peer's for each."""
    results = {
        who: {kind: {**summary(d[kind]), "com_records": d["com_records"][kind]} for kind in ("paced", "burst")}
        for who, d in (("namesmith", ours), ("peer", peer))
    }
    nsd_version = subprocess.run(["nsd", "-v"], capture_output=True, text=True, check=False).stderr.split("\n")[0]
    print()
    print(
        f"Registry change -> answered by the com servers ({os.cpu_count()} CPUs; PostgreSQL + Redis;"
        f" {WORKERS} worker processes, beat, run_dns; each name asked every {args.poll_ms:g} ms,"
        f" at most {args.poll_qps:g} queries/s in all)"
    )
    print_table(
        [
            (f"Namesmith paced {args.rate:g}/s", results["namesmith"]["paced"]),
            (f"Namesmith bursts {args.bursts}x{args.burst}", results["namesmith"]["burst"]),
            (f"peer paced {args.rate:g}/s", results["peer"]["paced"]),
            (f"peer bursts {args.bursts}x{args.burst}", results["peer"]["burst"]),
        ]
    )
    every = [results[who][kind] for who in results for kind in ("paced", "burst")]
    print(
        f"  checks: {sum(s['nxdomain_first'] for s in every)} of {sum(s['count'] for s in every)} names answered"
        f" NXDOMAIN before their referral, {sum(s['answered_early'] for s in every)} referred before their commit"
    )
    print("Where the time goes (per answered name, from the processes' logs, millisecond stamps):")
    print_stages("Namesmith", ours_stages)
    print_stages("peer", peer_stage)
    print(f"  peer: {nsd_version}, server-count 1; publisher process, build_tld + master file + nsd-control")
    print("CPU: cores kept busy, on average over each load:")
    for who, d in (("Namesmith", ours), ("peer", peer)):
        for kind in ("paced", "burst"):
            print_cpu(f"{who} {kind}", d["cpu"][kind])
    verdicts, ratios = [], {}
    for kind in ("paced", "burst"):
        ours_p99, peer_p99 = results["namesmith"][kind]["p99_ms"], results["peer"][kind]["p99_ms"]
        met = ours_p99 is not None and ours_p99 <= TARGET_MS
        verdicts.append(f"{kind} {'met' if met else 'NOT met'} ({ours_p99} ms)")
        ratios[kind] = round(ours_p99 / peer_p99, 2) if ours_p99 and peer_p99 else None
    print(f"Target: Namesmith p99 <= {TARGET_MS:.0f} ms from commit: " + ", ".join(verdicts))
    print(
        "Ratio: Namesmith's p99 is "
        + ", ".join(f"{ratios[k]}x the peer's ({k}: {results['peer'][k]['p99_ms']} ms)" for k in ratios)
    )
    return results, ratios


def _write_results(
    args: argparse.Namespace,
    results: dict,
    ratios: dict,
    ours: dict,
    peer: dict,
    ours_stages: dict,
    peer_stage: dict,
) -> None:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if "serve" not in k},
        "cpus": os.cpu_count(),
        "git": git_state(),
        **results,
        "ratio_p99": ratios,
        "stages": {"namesmith": ours_stages, "peer": peer_stage},
        "cpu": {"namesmith": ours["cpu"], "peer": peer["cpu"]},
        "latencies_ms": {
            who: {kind: [round(s.latency_ms, 2) if s.answer else None for s in d[kind]] for kind in ("paced", "burst")}
            for who, d in (("namesmith", ours), ("peer", peer))
        },
    }
    (folder / f"zones-{stamp}.json").write_text(json.dumps(record, indent=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=200, help="registrations in the paced run")
    parser.add_argument("--rate", type=float, default=5.0, help="registrations per second in the paced run")
    parser.add_argument("--burst", type=int, default=50, help="registrations in one burst")
    parser.add_argument("--bursts", type=int, default=3, help="bursts, one after the other is answered")
    parser.add_argument("--threads", type=int, default=4, help="registering threads in a burst")
    parser.add_argument("--warmup", type=int, default=5, help="registrations before measuring (at 2/s)")
    parser.add_argument("--preload", type=int, default=0, help="delegations added to com before measuring")
    parser.add_argument(
        "--preload-bulk", type=int, default=0, help="delegations written straight into com's tables before measuring"
    )
    parser.add_argument("--poll-ms", type=float, default=5.0, help="how often each watched name is asked")
    parser.add_argument(
        "--poll-qps", type=float, default=2000.0, help="at most this many polling queries a second in all"
    )
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a load's last referral")
    parser.add_argument("--block", default=DEFAULT_BLOCK, help="NETWORK_BLOCK of the stack (a /16 of 127/8)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="DNS_PORT of run_dns and NSD")
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this folder")
    parser.add_argument("--serve-poller", type=float, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--serve-peer-publisher", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_poller:
        serve_poller(*args.serve_poller)
        return 0
    if args.serve_peer_publisher:
        conf, zonefile, serial = args.serve_peer_publisher
        serve_peer_publisher(Path(conf), Path(zonefile), int(serial))
        return 0
    for program in ("nsd", "nsd-control", "nsd-checkconf"):
        if shutil.which(program) is None:
            print(f"bench/zones.py: {program} is not installed (make test-tools installs nsd)", file=sys.stderr)
            return 2
    network = ipaddress.ip_network(args.block)
    nsd_address = str(network.network_address + 9 * 256 + 1)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C cleans up even if started with it ignored
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    db_url = pg_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    prefix = f"namesmith-bench-zones-{uuid.uuid4().hex[:6]}:"
    work = Path(tempfile.mkdtemp(prefix="namesmith-bench-zones-"))
    # INFO: each task's received/succeeded lines, which the stage breakdown reads.
    env = namesmith_environment(
        work, db_url, redis_url, prefix, args.block, args.port, LOG_LEVEL="INFO", TASK_LOG_LEVEL="INFO"
    )
    os.environ.clear()
    os.environ.update(env)
    processes: list[Process] = []
    database_created = False
    poller: Poller | None = None
    try:
        create_database(pg_url, DB_NAME)
        database_created = True
        started = time.monotonic()
        _set_up(work, env)
        from django.db import connection

        reg = Registrations(uuid.uuid4().hex[:6])
        if args.preload:  # before the worker starts: the build requests coalesce into one
            preload(reg, args.preload, args.threads)
        if args.preload_bulk:
            preload_bulk(args.preload_bulk, reg.run_id)
            from registry import zones

            zones.request_all()  # the whole zones, built once the worker starts
        workers, run_dns, target = _start_namesmith(args, work, env, processes)
        setup_seconds = time.monotonic() - started
        poller = Poller(work, env, args.poll_ms / 1000, args.poll_qps)

        print(
            f"bench/zones.py: stack up in {setup_seconds:.0f} s; Namesmith: {args.warmup} warm-up,"
            f" {args.domains} paced at {args.rate:g}/s, {args.bursts} bursts of {args.burst}",
            flush=True,
        )
        ours, ours_stages = _measure_namesmith(args, reg, poller, target, processes, workers, run_dns)

        peer, peer_stage = _measure_peer(args, work, env, reg, poller, nsd_address, processes)
        connection.close()

        results, ratios = _report(args, ours, peer, ours_stages, peer_stage)
        _write_results(args, results, ratios, ours, peer, ours_stages, peer_stage)
        return 0
    except KeyboardInterrupt:
        print("bench/zones.py: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError, psycopg.Error) as exc:
        print(f"bench/zones.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        for process in processes:
            print(f"--- {process.name} log (last lines) ---\n{process.tail()}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        if poller is not None:
            poller.stop()
        for process in reversed(processes):
            process.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.logs:
            _copy_logs(work, args.logs)
        if database_created:
            drop_database(pg_url, DB_NAME)
        drop_keys(redis_url, prefix)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
