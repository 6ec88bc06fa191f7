"""EPP command latency: check, info and create over one TLS session and over 10 parallel
sessions, against `manage.py run_epp` as the Procfile starts it.

    python bench/epp.py [--commands 300] [--sessions 10] [--parallel-commands 100] [--postgres]

The server runs on its own database (SQLite in a temporary VAR_DIR, or with --postgres a
database namesmith_bench_epp on BENCH_PG_URL, made and dropped), with one TLD `bench` and
one registrar. Clients are plain blocking TLS sockets with RFC 5734 framing, each command
sent when the answer to the one before has arrived; every answer must be 1000.

The peer, measured in the same run, is <hello> on the same sessions: it takes the whole
path a command takes (TLS, framing, the hop to a worker thread, parsing the frame and
writing the answer) except the flow and its database work, so the ratio is what the
registry work itself costs. A bare TLS echo of the same framing (a separate asyncio
process, no EPP) is shown too, as the floor of a round trip on this machine.

Listens on 127.81.4.1 (run_epp) and 127.81.4.2 (echo), port 17700; no traffic off
loopback. Takes about a minute with the defaults.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and bench/dns.py hides dnspython's `dns`.
sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import json
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import CLIENT_CPU, SERVER_CPU, Process, percentile, pinned
from registry.epp.client import EppClient
from registry.epp.framing import HEADER, body_size, framed

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EPP_ADDRESS = "127.81.4.1"
ECHO_ADDRESS = "127.81.4.2"
DEFAULT_PORT = 17700
CLIENT_ID = "bench-reg"
PASSWORD = "bench-epp-2026"
TARGET_P90_MS = 50.0
COMMANDS = ("hello", "check", "info", "create")

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HELLO = f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><hello/></epp>'.encode()
LOGIN = (
    f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><login><clID>{CLIENT_ID}</clID>'
    f"<pw>{PASSWORD}</pw><options><version>1.0</version><lang>en</lang></options><svcs>"
    f"<objURI>{DOMAIN}</objURI><objURI>urn:ietf:params:xml:ns:host-1.0</objURI>"
    "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI></svcs></login><clTRID>{trid}</clTRID></command></epp>"
)
CHECK = (
    f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><check><domain:check xmlns:domain="{DOMAIN}">'
    "<domain:name>{name}</domain:name></domain:check></check><clTRID>{trid}</clTRID></command></epp>"
)
INFO = (
    f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><info><domain:info xmlns:domain="{DOMAIN}">'
    "<domain:name>{name}</domain:name></domain:info></info><clTRID>{trid}</clTRID></command></epp>"
)
CREATE = (
    f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><create><domain:create xmlns:domain="{DOMAIN}">'
    '<domain:name>{name}</domain:name><domain:period unit="y">1</domain:period>'
    "<domain:authInfo><domain:pw>bench-auth-1</domain:pw></domain:authInfo></domain:create></create>"
    "<clTRID>{trid}</clTRID></command></epp>"
)
LOGOUT = f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><logout/></command></epp>'.encode()


# --- the client -------------------------------------------------------------------------------


def epp_session(address: str, port: int, context: ssl.SSLContext) -> EppClient:
    """One EPP session: a blocking TLS socket, one frame out and one in at a time. The echo
    peer presents run_epp's certificate, which names run_epp's address."""
    return EppClient(address, port, context, server_hostname=EPP_ADDRESS, timeout=30, nodelay=True)


def result_code(answer: bytes) -> int:
    at = answer.find(b'<result code="')
    return int(answer[at + 14 : at + 18]) if at >= 0 else 0


@dataclass
class Timings:
    """Round trips in milliseconds per command, and answers that were not what we asked for."""

    ms: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in COMMANDS})
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def merge(self, other: Timings) -> None:
        for command, values in other.ms.items():
            self.ms[command].extend(values)
        self.errors.extend(other.errors)

    def figures(self, command: str) -> dict[str, float]:
        values = self.ms[command]
        return {
            "n": len(values),
            "p50": percentile(values, 50),
            "p90": percentile(values, 90),
            "p99": percentile(values, 99),
            "mean": sum(values) / len(values),
        }


def run_session(session: EppClient, tag: str, count: int, info_names: list[str], timings: Timings) -> list[str]:
    """``count`` of each command, interleaved (hello, check, info, create, hello, ...) so
    that every command sees the same server state; returns the names created."""
    created = []
    for i in range(count):
        name = f"{tag}-{i}-{secrets.token_hex(3)}.bench"
        frames = {
            "hello": HELLO,
            "check": CHECK.format(name=name, trid=f"{tag}-c{i}").encode(),
            "info": INFO.format(name=info_names[i % len(info_names)], trid=f"{tag}-i{i}").encode(),
            "create": CREATE.format(name=name, trid=f"{tag}-n{i}").encode(),
        }
        for command in COMMANDS:
            started = time.perf_counter()
            answer = session.send(frames[command])
            timings.ms[command].append((time.perf_counter() - started) * 1000)
            ok = b"<greeting>" in answer if command == "hello" else result_code(answer) == 1000
            if not ok:
                timings.errors.append(f"{command} {name}: {answer[:400].decode(errors='replace')}")
        created.append(name)
    return created


def logged_in(address: str, port: int, context: ssl.SSLContext, tag: str) -> EppClient:
    session = epp_session(address, port, context)
    answer = session.send(LOGIN.format(trid=f"login-{tag}").encode())
    if result_code(answer) != 1000:
        raise RuntimeError(f"login failed: {answer.decode(errors='replace')}")
    return session


def echo_round_trips(port: int, context: ssl.SSLContext, count: int) -> list[float]:
    session = epp_session(ECHO_ADDRESS, port, context)
    values = []
    for _ in range(count):
        started = time.perf_counter()
        session.send(HELLO)
        values.append((time.perf_counter() - started) * 1000)
    session.close()
    return values


# --- the children -----------------------------------------------------------------------------


def setup_database(count: int) -> None:
    """The child: migrate, then the bench TLD, the registrar and ``count`` domains to read."""
    import django

    django.setup()
    from django.core.management import call_command

    from registry import services
    from registry.models import Registrar, Tld

    call_command("migrate", "--noinput", verbosity=0)
    Tld.objects.create(name="bench", create_fee=100, renew_fee=100, transfer_fee=100, restore_fee=100)
    registrar = Registrar(client_id=CLIENT_ID, name="Bench Registrar", email="bench@example.net")
    registrar.set_epp_password(PASSWORD)
    registrar.save()
    services.top_up(registrar, 10**12, cl_trid="bench-funds")
    for i in range(count):
        services.create_domain(registrar, f"read-{i}.bench", auth_info="bench-auth-1")
    print("setup done", flush=True)


def serve_echo(port: int, cert: str, key: str) -> None:
    """The child: a TLS server that sends a frame on connect (as EPP's greeting), then
    answers each RFC 5734 frame with the same frame."""
    import asyncio

    import uvloop

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(framed(HELLO))  # stands in for the greeting
        try:
            while True:
                header = await reader.readexactly(HEADER)
                body = await reader.readexactly(body_size(header))
                writer.write(header + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(connection, ECHO_ADDRESS, port, ssl=context)
        print("echo: serving", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()

    uvloop.run(main())


# --- main -------------------------------------------------------------------------------------


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def table(title: str, timings: Timings) -> list[str]:
    lines = [f"  {title} ({timings.seconds:.1f} s)"]
    for command in COMMANDS:
        f = timings.figures(command)
        lines.append(
            f"    {command:<8}{f['n']:>6}{f['p50']:>10.2f}{f['p90']:>10.2f}{f['p99']:>10.2f}{f['mean']:>10.2f}"
        )
    return lines


def _environment(work: Path, sessions: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "EPP_TLS_CERT")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(work / "var"),
        "NETWORK_BLOCK": "127.81.0.0/16",
        "EPP_SESSIONS_PER_REGISTRAR": str(sessions + 2),
        "LOG_LEVEL": "WARNING",
    }


def _fresh_database(pg_url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


def _start_servers(args: argparse.Namespace, work: Path, env: dict[str, str], processes: list[Process]) -> Path:
    """run_epp and the echo peer, each pinned to the server CPU; the certificate they present."""
    server = Process(
        "run_epp",
        [*pinned(SERVER_CPU), PYTHON, "manage.py", "run_epp", "--address", EPP_ADDRESS, "--port", str(args.port)],
        work / "run_epp.log",
        env,
    )
    processes.append(server)
    server.wait_for_output("run_epp: serving", 60)
    cert, key = work / "var" / "epp-cert.pem", work / "var" / "epp-key.pem"
    echo = Process(
        "echo",
        [
            *pinned(SERVER_CPU),
            PYTHON,
            str(Path(__file__).resolve()),
            "--port",
            str(args.port),
            "--serve-echo",
            str(cert),
            str(key),
        ],
        work / "echo.log",
        env,
    )
    processes.append(echo)
    echo.wait_for_output("echo: serving", 30)
    return cert


def _one_session(port: int, context: ssl.SSLContext, count: int, info_names: list[str]) -> Timings:
    warm = Timings()
    session = logged_in(EPP_ADDRESS, port, context, "warm")
    run_session(session, "warm", 30, info_names, warm)
    session.close()
    if warm.errors:
        raise RuntimeError("warm-up answers were not 1000:\n" + "\n".join(warm.errors[:5]))
    single = Timings()
    session = logged_in(EPP_ADDRESS, port, context, "one")
    started = time.perf_counter()
    run_session(session, "one", count, info_names, single)
    single.seconds = time.perf_counter() - started
    session.send(LOGOUT)
    session.close()
    return single


def _parallel_sessions(port: int, context: ssl.SSLContext, sessions: int, count: int, info_names: list[str]) -> Timings:
    parallel = Timings()
    clients = [logged_in(EPP_ADDRESS, port, context, f"p{n}") for n in range(sessions)]
    parts = [Timings() for _ in clients]
    gate = threading.Barrier(len(clients))

    def work_one(n: int) -> None:
        gate.wait()
        run_session(clients[n], f"p{n}", count, info_names, parts[n])

    threads = [threading.Thread(target=work_one, args=(n,)) for n in range(len(clients))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel.seconds = time.perf_counter() - started
    for part in parts:
        parallel.merge(part)
    for client in clients:
        client.send(LOGOUT)
        client.close()
    return parallel


def _report(args: argparse.Namespace, database: str, single: Timings, parallel: Timings, echo_ms: list[float]) -> dict:
    errors = single.errors + parallel.errors
    ours = {
        "database": database,
        "cpus": os.cpu_count(),
        "one_session": {c: single.figures(c) for c in COMMANDS},
        "parallel_sessions": args.sessions,
        "parallel": {c: parallel.figures(c) for c in COMMANDS},
        "parallel_commands_per_second": sum(len(v) for v in parallel.ms.values()) / parallel.seconds,
        "echo_ms": {"p50": percentile(echo_ms, 50), "p90": percentile(echo_ms, 90), "p99": percentile(echo_ms, 99)},
        "errors": errors[:20],
    }
    print(
        f"EPP over TLS: run_epp ({database}, {os.cpu_count()} CPUs; server and client pinned apart when"
        " possible), one command in flight per session, latency as the client sees it (ms)"
    )
    print(f"    {'command':<8}{'n':>6}{'p50':>10}{'p90':>10}{'p99':>10}{'mean':>10}")
    for line in table(f"one session, {args.commands} of each", single):
        print(line)
    rate = ours["parallel_commands_per_second"]
    title = f"{args.sessions} sessions in parallel, {args.parallel_commands} of each per session"
    title += f", {rate:.0f} commands/s in all"
    for line in table(title, parallel):
        print(line)
    e = ours["echo_ms"]
    print(f"  bare TLS echo, same framing, no EPP: p50 {e['p50']:.2f}, p90 {e['p90']:.2f}, p99 {e['p99']:.2f}")
    if errors:
        print(f"  {len(errors)} answers were not 1000, first: {errors[0]}")
    for label, timings in (("one session", single), (f"{args.sessions} sessions", parallel)):
        hello = timings.figures("hello")["p50"]
        ratios = ", ".join(f"{c} {timings.figures(c)['p50'] / hello:.1f}x" for c in ("check", "info", "create"))
        print(f"Ratio ({label}): p50 against <hello> on the same sessions: {ratios}")
    for label, timings in (("one session", single), (f"{args.sessions} sessions", parallel)):
        p90 = timings.figures("create")["p90"]
        verdict = "met" if p90 <= TARGET_P90_MS else "NOT met"
        print(f"Target ({label}): transform (create) p90 {p90:.2f} ms <= {TARGET_P90_MS:g} ms: {verdict}")
    return ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=300, help="of each command over the single session")
    parser.add_argument("--sessions", type=int, default=10, help="parallel sessions")
    parser.add_argument("--parallel-commands", type=int, default=100, help="of each command per parallel session")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (BENCH_PG_URL) instead of SQLite")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port of run_epp and of the echo peer")
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-echo", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup is not None:
        setup_database(args.setup)
        return 0
    if args.serve_echo:
        serve_echo(args.port, *args.serve_echo)
        return 0

    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="namesmith-bench-epp-"))
    env = _environment(work, args.sessions)
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_name = "namesmith_bench_epp"
    database = "SQLite (WAL)"
    if args.postgres:
        _fresh_database(pg_url, db_name, create=True)
        env["DATABASE_URL"] = pg_url.rsplit("/", 1)[0] + f"/{db_name}"
        database = "PostgreSQL"
    processes: list[Process] = []
    try:
        reads = 200
        subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "--setup", str(reads)], cwd=ROOT, env=env, check=True, timeout=300
        )
        cert = _start_servers(args, work, env, processes)
        if pinned(CLIENT_CPU):
            os.sched_setaffinity(0, {CLIENT_CPU})
        context = ssl.create_default_context(cafile=str(cert))
        info_names = [f"read-{i}.bench" for i in range(reads)]
        single = _one_session(args.port, context, args.commands, info_names)
        processes[0].check()
        parallel = _parallel_sessions(args.port, context, args.sessions, args.parallel_commands, info_names)
        processes[0].check()
        echo_ms = echo_round_trips(args.port, context, args.commands * 2)
        ours = _report(args, database, single, parallel, echo_ms)
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        (results / f"epp-{stamp}.json").write_text(json.dumps(ours, indent=2))
        return 1 if ours["errors"] else 0
    except KeyboardInterrupt:
        print("bench/epp.py: interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/epp.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        for process in processes:
            print(f"--- {process.name} log (last lines) ---\n{process.tail()}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(processes):
            process.stop()
        if args.postgres:
            _fresh_database(pg_url, db_name, create=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
