"""Route 53's API: Namesmith beside moto's server, the same boto3 workload on each.

The workload, from ``--threads`` client threads, per zone: CreateHostedZone, then
``--batches`` ChangeResourceRecordSets batches of ``--records`` UPSERTs each, a GetChange
of every change, and ListResourceRecordSets in pages of 100. Operations per second of
each, and the ratio (target: Namesmith at least 1.0x moto).

Then what moto cannot show: ``--changes`` one-record changes to one zone, one after the
other, each timed from the ChangeResourceRecordSets request to GetChange's INSYNC and to
the moment all four of the zone's nameservers answer with the new value (target: INSYNC
p99 at most 1 s; Route 53 promises "generally within 60 seconds").

Namesmith runs as ``make run`` runs it (gunicorn with 2 workers, two Celery workers with
the solo pool, run_dns) on PostgreSQL and Redis on 127.0.0.1 (BENCH_PG_URL,
BENCH_REDIS_URL override); it creates and drops the database namesmith_bench_route53 and
uses its own Redis key prefix, on 127.79.0.0/16 (--block), DNS port 15354, web port 18053.
moto (``moto[server]``, pinned in bench/requirements-moto.txt) runs from its own virtual
environment, ``.venv-moto``, made on first use, on port 18054. Takes a few minutes.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and bench/dns.py hides dnspython's `dns`.
if os.path.dirname(os.path.realpath(__file__)) in sys.path:
    sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import contextlib
import json
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import boto3
import botocore.config
import dns.exception
import dns.message
import dns.query
import dns.rdatatype

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
DB_NAME = "namesmith_bench_route53"
MOTO_VENV = ROOT / ".venv-moto"
MOTO_REQUIREMENTS = ROOT / "bench" / "requirements-moto.txt"
WORKERS = 2
WORKER = ["-m", "celery", "-A", "config", "worker", "--queues", "registry,registrar,resolver", "--pool", "solo"]
WORKER += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
INSYNC_TARGET = 1.0


def client(url: str, key_id: str, secret: str):
    config = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=32)
    return boto3.client(
        "route53",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=config,
    )


# --- the workload ------------------------------------------------------------------------------


def one_zone(route53, name: str, batches: int, records: int) -> int:
    """The workload on one zone; how many operations it made."""
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    operations = 1
    changes = []
    for batch in range(batches):
        upserts = [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": f"r{n}-{batch}.{name}",
                    "Type": "A",
                    "TTL": 300,
                    "ResourceRecords": [{"Value": f"192.0.2.{n % 250 + 1}"}],
                },
            }
            for n in range(records)
        ]
        info = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": upserts})
        changes.append(info["ChangeInfo"]["Id"])
        operations += 1
    for change_id in changes:
        route53.get_change(Id=change_id)
        operations += 1
    params = {"HostedZoneId": zone_id, "MaxItems": "100"}
    while True:
        page = route53.list_resource_record_sets(**params)
        operations += 1
        if not page["IsTruncated"]:
            break
        params = {**params, "StartRecordName": page["NextRecordName"], "StartRecordType": page["NextRecordType"]}
    return operations


def throughput(route53, args: argparse.Namespace, tag: str, processes: list[Process]) -> dict:
    names = [f"z{n}-{tag}.bench-route53.com" for n in range(args.zones)]
    meter = CpuMeter(processes)
    started = time.monotonic()
    with ThreadPoolExecutor(args.threads) as pool:
        operations = sum(pool.map(lambda name: one_zone(route53, name, args.batches, args.records), names))
    seconds = time.monotonic() - started
    return {
        "operations": operations,
        "seconds": round(seconds, 2),
        "ops_per_second": round(operations / seconds, 1),
        "cpu": meter.stop(),
    }


def propagation(route53, plan, port: int, count: int, fill: int) -> dict:
    """One-record changes one after another in a zone of ``fill`` record sets: seconds until
    the change is accepted (the API's answer), INSYNC and answered by all four nameservers."""
    made = route53.create_hosted_zone(Name="latency.bench-route53.com", CallerReference=uuid.uuid4().hex)
    zone_id = made["HostedZone"]["Id"]
    servers = [plan.address_of(name) for name in made["DelegationSet"]["NameServers"]]
    wait_insync(route53, made["ChangeInfo"]["Id"], time.monotonic())
    for start in range(0, fill, 1000):  # untimed: the zone grows to its size first
        batch = [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": f"host{n}.latency.bench-route53.com",
                    "Type": "A",
                    "TTL": 300,
                    "ResourceRecords": [{"Value": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}],
                },
            }
            for n in range(start, min(start + 1000, fill))
        ]
        info = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": batch})
        wait_insync(route53, info["ChangeInfo"]["Id"], time.monotonic(), timeout=120)
    accepted, insync, answered = [], [], []
    for n in range(count):
        value = f'"v{n}-{uuid.uuid4().hex[:8]}"'
        change = {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": "probe.latency.bench-route53.com",
                "Type": "TXT",
                "TTL": 60,
                "ResourceRecords": [{"Value": value}],
            },
        }
        started = time.monotonic()
        info = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [change]})
        accepted.append(time.monotonic() - started)
        seen = threading.Thread(target=lambda v=value, t=started: answered.append(all_answer(servers, port, v, t)))
        seen.start()
        insync.append(wait_insync(route53, info["ChangeInfo"]["Id"], started))
        seen.join()
    return {"accepted": summary(accepted), "insync": summary(insync), "all_nameservers": summary(answered)}


def wait_insync(route53, change_id: str, started: float, timeout: float = 60) -> float:
    while route53.get_change(Id=change_id)["ChangeInfo"]["Status"] != "INSYNC":
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{change_id} not INSYNC after {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - started


def all_answer(servers: list[str], port: int, value: str, started: float, timeout: float = 60) -> float:
    waiting = set(servers)
    while waiting:
        for address in list(waiting):
            query = dns.message.make_query("probe.latency.bench-route53.com.", dns.rdatatype.TXT)
            with contextlib.suppress(OSError, dns.exception.DNSException):
                reply = dns.query.udp(query, address, port=port, timeout=0.5)
                if any(r.to_text() == value for rrset in reply.answer for r in rrset):
                    waiting.discard(address)
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{sorted(waiting)} did not answer {value} in {timeout} s")
        time.sleep(0.005)
    return time.monotonic() - started


def summary(seconds: list[float]) -> dict:
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p99_ms": round(percentile(seconds, 99) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


# --- the processes -----------------------------------------------------------------------------


def start_namesmith(args: argparse.Namespace, work: Path, env: dict[str, str], processes: list[Process]) -> None:
    with (work / "setup.log").open("wb") as log:
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=log, stderr=log)
    web = [PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.web_port}", "--workers", "2"]
    processes.append(Process("web", web, work / "web.log", env))
    for n in range(1, WORKERS + 1):
        command = [PYTHON, *WORKER, "--hostname", f"worker.{n}@%h"]
        processes.append(Process(f"worker.{n}", command, work / f"worker.{n}.log", env))
    processes.append(Process("run_dns", [PYTHON, "manage.py", "run_dns"], work / "run_dns.log", env))
    processes[-1].wait_for_output("run_dns: serving", 60)
    for process in processes[1:-1]:
        process.wait_for_output("ready.", 60)
    wait_http(f"http://127.0.0.1:{args.web_port}/healthz", processes[0])


def start_moto(args: argparse.Namespace, work: Path, processes: list[Process]) -> None:
    if not (MOTO_VENV / "bin" / "moto_server").exists():
        print("making .venv-moto with moto[server] (first run only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MOTO_VENV)], check=True)
        pip = [str(MOTO_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(MOTO_REQUIREMENTS)]
        subprocess.run(pip, check=True)
    command = [str(MOTO_VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(args.moto_port)]
    processes.append(Process("moto", command, work / "moto.log"))
    wait_http(f"http://127.0.0.1:{args.moto_port}/moto-api/", processes[-1])


def wait_http(url: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        process.check()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout} s:\n{process.tail()}") from None
            time.sleep(0.2)


# --- the run -----------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zones", type=int, default=40)
    parser.add_argument("--batches", type=int, default=5, help="change batches per zone")
    parser.add_argument("--records", type=int, default=20, help="UPSERTs per batch")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--changes", type=int, default=100, help="one-record changes timed to INSYNC")
    parser.add_argument(
        "--zone-records",
        type=int,
        default=9_990,
        help="record sets in the zone the changes go to (with its SOA, NS and the probe: 9,993)",
    )
    parser.add_argument("--block", default="127.79.0.0/16")
    parser.add_argument("--port", type=int, default=15354, help="DNS port")
    parser.add_argument("--web-port", type=int, default=18053)
    parser.add_argument("--moto-port", type=int, default=18054)
    return parser.parse_args()


@contextlib.contextmanager
def namesmith_beside_moto(args: argparse.Namespace, name: str, **more_env: str) -> Iterator[tuple[list[Process], Path]]:
    """Namesmith (its own database, Redis prefix, block and ports) and moto's server started,
    and Django set up in this process against that database; everything stopped and dropped
    at the end. Yields the processes and the folder of their logs."""
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"bench-{name}-{uuid.uuid4().hex[:8]}:"
    db_url = pg_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    env = namesmith_environment(
        work, db_url, redis_url, prefix, args.block, args.port, WEB_PORT=str(args.web_port), **more_env
    )
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "NETWORK_BLOCK", "DNS_PORT")})
    os.environ["VAR_DIR"] = env["VAR_DIR"]
    processes: list[Process] = []
    create_database(pg_url, DB_NAME)
    try:
        start_namesmith(args, work, env, processes)
        start_moto(args, work, processes)
        import django

        django.setup()
        yield processes, work
    finally:
        for process in reversed(processes):
            process.stop()
        drop_database(pg_url, DB_NAME)
        drop_keys(redis_url, prefix)


def main() -> None:
    args = arguments()
    with namesmith_beside_moto(args, "route53", ROUTE53_LIMITS="MAX_HOSTED_ZONES_BY_OWNER=100000") as (processes, work):
        from django.conf import settings

        from config.aws import keys

        ours = client(f"http://127.0.0.1:{args.web_port}", keys.DEMO_ACCESS_KEY_ID, keys.DEMO_SECRET_ACCESS_KEY)
        moto = client(f"http://127.0.0.1:{args.moto_port}", "testing", "testing")
        print(f"workload: {args.zones} zones x ({args.batches} batches of {args.records} UPSERTs, GetChange, pages)")
        peer = throughput(moto, args, "moto", [p for p in processes if p.name == "moto"])
        mine = throughput(ours, args, "namesmith", [p for p in processes if p.name != "moto"])
        latency = propagation(ours, settings.NETWORK_PLAN, args.port, args.changes, args.zone_records)
        report(args, mine, peer, latency, work)


def report(args: argparse.Namespace, mine: dict, peer: dict, latency: dict, work: Path) -> None:
    ratio = mine["ops_per_second"] / peer["ops_per_second"]
    print(f"\n{'':<28}{'operations':>12}{'seconds':>10}{'ops/s':>10}")
    for label, figures in (("Namesmith", mine), ("moto server (peer)", peer)):
        print(f"{label:<28}{figures['operations']:>12}{figures['seconds']:>10}{figures['ops_per_second']:>10}")
    print(f"ratio: {ratio:.2f}x moto (target >= 1.0x)")
    print("cores kept busy:")
    for label, figures in (("Namesmith", mine), ("moto", peer)):
        print_cpu(label, figures["cpu"])
    print(f"\nChangeResourceRecordSets, one record at a time ({args.changes} changes, zone of {args.zone_records}):")
    print_latencies(
        latency,
        (
            ("accepted (the API's answer)", "accepted"),
            ("to INSYNC (GetChange)", "insync"),
            ("to all four nameservers", "all_nameservers"),
        ),
    )
    met = latency["insync"]["p99_ms"] <= INSYNC_TARGET * 1000
    print(f"INSYNC p99 target <= {INSYNC_TARGET * 1000:.0f} ms: {'met' if met else 'NOT met'}")
    save("route53", args, mine, peer, ratio, latency, work)


def print_latencies(latency: dict, rows: tuple[tuple[str, str], ...]) -> None:
    """One line per (label, key of ``latency``): its p50, p99 and max."""
    for label, key in rows:
        figures = latency[key]
        print(
            f"  {label:<26} p50 {figures['p50_ms']:>7} ms   p99 {figures['p99_ms']:>7} ms   max {figures['max_ms']} ms"
        )


def save(name: str, args: argparse.Namespace, mine: dict, peer: dict, ratio: float, latency: dict, work: Path) -> None:
    """The run's figures as bench/results/<name>-<time>.json, and where they and the logs are."""
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {"args": vars(args), "namesmith": mine, "moto": peer, "ratio": round(ratio, 2), "latency": latency}
    (results / f"{name}-{stamp}.json").write_text(json.dumps(record, indent=2))
    print(f"\nlogs in {work}; figures in bench/results/{name}-{stamp}.json")


if __name__ == "__main__":
    main()
