"""What the benchmarks share: child processes in sessions of their own, CPU pinning,
percentiles, the machine's busy time, and dnsperf's figures."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent

# The server under test runs on one CPU and its client on another (when there are two and
# taskset exists), so neither competes with the other for a core and runs compare alike.
SERVER_CPU, CLIENT_CPU = 1, 0


def pinned(cpu: int) -> list[str]:
    """The command prefix that runs a program on ``cpu`` (nothing when it cannot)."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(cpu)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def busy_ticks() -> int:
    """CPU time the whole machine has spent busy, in clock ticks (/proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


class Process:
    """A child in its own session (Ctrl-C reaches us, not it), output to a log file."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict[str, str] | None = None, **popen) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            popen.setdefault("stdin", subprocess.DEVNULL)
            popen.setdefault("stdout", out)
            self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stderr=out, start_new_session=True, **popen)

    def check(self) -> None:
        code = self.popen.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with status {code}:\n{self.tail()}")

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 20) -> str:
        return "\n".join("    " + line for line in self.text().splitlines()[-lines:])

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            self.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not print {text!r} in {timeout:g} s:\n{self.tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the process group (a Celery worker's pool children leave it to the main
        process's warm shutdown), SIGKILL if it is still there after ``timeout``."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while _group_alive(self.popen.pid):  # helpers left in its session (NSD's, the pool's)
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                break
            time.sleep(0.1)
        for pipe in (self.popen.stdin, self.popen.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _group_alive(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # a zombie is waiting for init to reap it
            return True
    return False


@dataclass
class Run:
    """One dnsperf run's figures (and, where the bench measures it, the CPU it kept busy)."""

    sent: int
    completed: int
    lost: int
    seconds: float
    qps: float
    latency_ms: float
    rcodes: dict[str, int]
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and set(self.rcodes) <= {"NOERROR"}


def parse_dnsperf(text: str) -> Run:
    def number(label: str) -> float:
        match = re.search(rf"^\s*{re.escape(label)}:\s+([\d.]+)", text, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"dnsperf output has no {label!r}:\n{text}")
        return float(match.group(1))

    codes = re.search(r"^\s*Response codes:\s+(.*)$", text, re.MULTILINE)
    rcodes = {code: int(n) for code, n in re.findall(r"([A-Z]+) (\d+)", codes.group(1))} if codes else {}
    return Run(
        sent=int(number("Queries sent")),
        completed=int(number("Queries completed")),
        lost=int(number("Queries lost")),
        seconds=number("Run time (s)"),
        qps=number("Queries per second"),
        latency_ms=number("Average Latency (s)") * 1000,
        rcodes=rcodes,
    )


SERVICES = {"postgres": "PostgreSQL", "redis-server": "Redis"}  # by process name


class CpuMeter:
    """Cores kept busy, on average, by each of our process groups (a child and everything in
    its session, the worker's pool included), by this process, and by the whole machine,
    from ``__init__`` to ``stop``."""

    def __init__(self, processes: list[Process]) -> None:
        self.groups = {p.name: p.popen.pid for p in processes}
        self.start = self._snapshot()

    def _snapshot(self) -> tuple[float, dict[str, int], int, dict[int, tuple[str, int]]]:
        ticks = dict.fromkeys([*self.groups, *SERVICES.values()], 0)
        others: dict[int, tuple[str, int]] = {}  # pid -> (name, ticks) of processes not ours
        by_pgid = {pgid: name for name, pgid in self.groups.items()}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                command, rest = stat.read_text().rsplit(")", 1)
                fields = rest.split()
            except (OSError, ValueError):
                continue
            used = sum(int(f) for f in fields[11:15])  # utime, stime, and those of reaped children
            name = by_pgid.get(int(fields[2])) or SERVICES.get(command.split("(", 1)[-1])
            if name is not None:
                ticks[name] += used
            elif stat.parent.name != str(os.getpid()):
                others[int(stat.parent.name)] = (command.split("(", 1)[-1], used)
        own = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks["this process (the clients)"] = int(own[11]) + int(own[12])
        return time.monotonic(), ticks, busy_ticks(), others

    def stop(self) -> dict:
        (t0, a, busy0, others0), (t1, b, busy1, others1) = self.start, self._snapshot()
        per_second = os.sysconf("SC_CLK_TCK") * (t1 - t0)
        cores = {name: round((b[name] - a.get(name, 0)) / per_second, 2) for name in b}
        machine = round((busy1 - busy0) / per_second, 2)
        cores["anything else"] = round(machine - sum(cores.values()), 2)
        busiest = sorted(
            ((used - others0.get(pid, ("", 0))[1]) / per_second, f"{name}[{pid}]")
            for pid, (name, used) in others1.items()
        )[-3:]
        top = {name: round(value, 2) for value, name in reversed(busiest) if value >= 0.02}
        return {"seconds": round(t1 - t0, 1), "machine": machine, "cores": cores, "busiest_others": top}


def print_cpu(title: str, cpu: dict) -> None:
    parts = ", ".join(f"{name} {value:.2f}" for name, value in cpu["cores"].items() if value >= 0.005)
    print(f"  {title} ({cpu['seconds']:g} s): machine {cpu['machine']:.2f} of {os.cpu_count()}; {parts}")
    if cpu["cores"]["anything else"] >= 0.25:
        seen = ", ".join(f"{name} {value:.2f}" for name, value in cpu["busiest_others"].items()) or "short-lived ones"
        print(
            f"    note: other processes kept {cpu['cores']['anything else']:.2f} cores busy ({seen}): figures disturbed"
        )


def namesmith_environment(
    work: Path, db_url: str, redis_url: str, prefix: str, block: str, dns_port: int, **more: str
) -> dict[str, str]:
    """The environment of the Namesmith processes a bench starts: a database, a Redis key
    prefix, a VAR_DIR and a network block of their own (``more`` adds or overrides)."""
    return {
        **{k: v for k, v in os.environ.items() if k != "NETWORK_PLAN_FILE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "VAR_DIR": str(work / "var"),
        "NETWORK_BLOCK": block,
        "DNS_PORT": str(dns_port),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        **more,
    }


def create_database(pg_url: str, name: str) -> None:
    """A fresh PostgreSQL database ``name`` (dropped first if a run before left it)."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(pg_url: str, name: str) -> None:
    with contextlib.suppress(psycopg.Error), psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_keys(redis_url: str, prefix: str) -> None:
    """Delete a run's broker keys (everything under its prefix)."""
    with contextlib.suppress(redis.RedisError):
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(match=f"{prefix}*", count=500):
            store.delete(key)
