"""Orders per second end to end, and checkout-to-SUCCESSFUL latency.

Runs the processes `make run` starts (gunicorn, Celery worker and beat, Procfile defaults) on
PostgreSQL and Redis, pushes orders through the customer API and reads their outcome from
the database. Then runs the peer (bench/peer_relay.py: bare Celery, same shape, no database)
the same way, and prints both with their ratio.

    python bench/orders.py [--orders 2000] [--clients 16] [--rates 25,50] [--seconds 20]

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_PG_URL, BENCH_REDIS_URL override). It creates
and drops its own database (namesmith_bench) and uses its own Redis key prefix.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN = "demo-customer-token-00000000000000000001"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
FINAL = ("SUCCESSFUL", "PARTIAL", "FAILED")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Stack:
    """A process group started like `make run` does, stopped with SIGINT like Ctrl-C."""

    def __init__(self, args: list[str], env: dict, log: Path) -> None:
        self.log = log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGINT)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.log.close()


# --- Namesmith ---------------------------------------------------------------------------------


class Client(threading.local):
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def order(self, domain: str) -> int:
        body = json.dumps({"lines": [{"domain": domain}], "card": CARD})
        self.conn.request(
            "POST", "/api/v1/orders/", body, {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}
        )
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 202:
            raise RuntimeError(f"checkout answered {response.status}: {data[:300]!r}")
        return json.loads(data)["id"]


def wait_for_orders(db_url: str, ids: list[int], timeout: float) -> dict[int, tuple[str, float]]:
    """(state, completed_at) of every order once all are final. Each poll asks only for the
    orders still unfinished, so watching a long run costs the database little."""
    deadline = time.monotonic() + timeout
    done: dict[int, tuple[str, float]] = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            waiting = [pk for pk in ids if pk not in done]
            rows = conn.execute(
                "SELECT id, state, extract(epoch FROM completed_at) FROM registrar_order WHERE id = ANY(%s)"
                " AND state = ANY(%s)",
                (waiting, list(FINAL)),
            ).fetchall()
            done.update((pk, (state, float(finished))) for pk, state, finished in rows)
            if len(done) == len(ids):
                return done
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids) - len(done)} of {len(ids)} orders unfinished after {timeout}s")
            time.sleep(0.2)


def wait_until_idle(db_url: str, store: redis.Redis, prefix: str, timeout: float) -> float:
    """Wait until the work orders leave behind is done too: no task message in any queue
    and no hosted-zone change still PENDING (the checks that the nameservers serve a
    change are countdown tasks the workers hold, outside the queues). Returns the time."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            queued = sum(store.llen(key) for key in store.scan_iter(match=f"{prefix}*", _type="list"))
            pending = conn.execute("SELECT count(*) FROM resolver_change WHERE status = 'PENDING'").fetchone()[0]
            if not queued and not pending:
                return time.time()
            if time.monotonic() > deadline:
                raise TimeoutError(f"still busy after {timeout}s: {queued} task messages, {pending} changes PENDING")
            time.sleep(0.2)


def drop_keys(store: redis.Redis, prefix: str) -> None:
    """Delete a run's Redis keys (its queues and whatever else it left under ``prefix``)."""
    for key in store.scan_iter(match=f"{prefix}*"):
        store.delete(key)


def run_burst(submit, count: int, clients: int) -> tuple[list[float], list]:
    """Submit ``count`` as fast as ``clients`` threads can; returns send times and ids."""
    sent: list[float] = [0.0] * count
    ids: list = [None] * count

    def one(i: int) -> None:
        sent[i] = time.time()
        ids[i] = submit(i)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    return sent, ids


def run_paced(submit, rate: float, seconds: float, clients: int) -> tuple[list[float], list]:
    """Open loop: request i is sent at start + i/rate whatever the earlier ones are doing."""
    count = int(rate * seconds)
    sent: list[float] = [0.0] * count
    ids: list = [None] * count
    start = time.monotonic() + 0.5

    def one(i: int) -> None:
        sent[i] = time.time()
        ids[i] = submit(i)

    with ThreadPoolExecutor(clients) as pool:
        futures = []
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one, i))
        for f in futures:
            f.result()
    return sent, ids


def bench_namesmith(args, pg_url: str, redis_url: str, work: Path) -> dict:
    db_name = "namesmith_bench"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db_name}")
    db_url = pg_url.rsplit("/", 1)[0] + f"/{db_name}"
    port = free_port()
    prefix = f"namesmith-bench-{uuid.uuid4().hex[:6]}:"
    store = redis.Redis.from_url(redis_url)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(work / "var"),
        "REDIS_KEY_PREFIX": prefix,
        "WEB_PORT": str(port),
        "PATH": f"{Path(PYTHON).parent}:{os.environ['PATH']}",
        "LOG_LEVEL": "WARNING",
    }
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    stack = Stack([PYTHON, "-m", "config.procfile", "--procfile", "Procfile", "start"], env, work / "namesmith.log")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the web app did not start; see " + str(work / "namesmith.log")) from None
                time.sleep(0.3)
        client = Client(port)
        run_id = uuid.uuid4().hex[:6]

        def submit(prefix: str):
            return lambda i: client.order(f"{prefix}-{run_id}-{i}.com")

        _, warm = run_burst(submit("warm"), 50, 8)
        wait_for_orders(db_url, warm, 120)
        wait_until_idle(db_url, store, prefix, 120)

        sent, ids = run_burst(submit("burst"), args.orders, args.clients)
        done = wait_for_orders(db_url, ids, 600)
        elapsed = max(d for _, d in done.values()) - min(sent)
        idle = wait_until_idle(db_url, store, prefix, 600) - min(sent)
        throughput = {
            "orders": args.orders,
            "seconds": round(elapsed, 2),
            "per_second": round(args.orders / elapsed, 1),
            "failed": sum(s != "SUCCESSFUL" for s, _ in done.values()),
            # Until the hosted zones of all of them were served (INSYNC) as well.
            "all_done_per_second": round(args.orders / idle, 1),
        }

        latency = []
        for rate in args.rates:
            # Each paced run starts on an idle system, not on the backlog of the run before.
            sent, ids = run_paced(submit(f"paced{rate:g}"), rate, args.seconds, args.clients)
            done = wait_for_orders(db_url, ids, 600)
            wait_until_idle(db_url, store, prefix, 600)
            latencies = [(done[pk][1] - t) * 1000 for pk, t in zip(ids, sent, strict=True)]
            latency.append(
                {
                    "rate": rate,
                    "orders": len(ids),
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                    "max_ms": round(max(latencies), 1),
                    "failed": sum(s != "SUCCESSFUL" for s, _ in done.values()),
                }
            )
        return {"throughput": throughput, "latency": latency}
    finally:
        stack.stop()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        drop_keys(store, prefix)


# --- the peer ----------------------------------------------------------------------------------


def bench_peer(args, redis_url: str, work: Path) -> dict:
    prefix = f"relay-bench-{uuid.uuid4().hex[:6]}:"
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix, "PYTHONPATH": str(ROOT / "bench")}
    # As the Procfile runs the worker: WORKER_CONCURRENCY (default 2) processes, each with the
    # solo pool.
    workers = [
        Stack(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "peer_relay",
                "worker",
                "--queues",
                "relay-a,relay-b",
                "--pool",
                "solo",
                "--hostname",
                f"relay-{n}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            work / f"peer-{n}.log",
        )
        for n in range(1, int(os.environ.get("WORKER_CONCURRENCY") or 2) + 1)
    ]
    os.environ["REDIS_URL"], os.environ["REDIS_KEY_PREFIX"] = redis_url, prefix
    sys.path.insert(0, str(ROOT / "bench"))
    import peer_relay

    store = redis.Redis.from_url(redis_url)
    try:
        time.sleep(3)  # worker start-up

        def relay(key: str):
            def submit(i: int) -> int:
                peer_relay.first.delay(key, i)
                return i

            return submit

        def finished(key: str, count: int, timeout: float) -> dict[int, float]:
            deadline = time.monotonic() + timeout
            while store.hlen(key) < count:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"peer: {count - store.hlen(key)} relays unfinished")
                time.sleep(0.1)
            return {int(k): float(v) for k, v in store.hgetall(key).items()}

        key = f"{prefix}warm"
        run_burst(relay(key), 50, 8)
        finished(key, 50, 60)

        key = f"{prefix}burst"
        sent, _ = run_burst(relay(key), args.orders, args.clients)
        done = finished(key, args.orders, 600)
        elapsed = max(done.values()) - min(sent)
        throughput = {
            "relays": args.orders,
            "seconds": round(elapsed, 2),
            "per_second": round(args.orders / elapsed, 1),
        }

        latency = []
        for rate in args.rates:
            key = f"{prefix}paced{rate:g}"
            sent, ids = run_paced(relay(key), rate, args.seconds, args.clients)
            done = finished(key, len(ids), 600)
            latencies = [(done[i] - sent[i]) * 1000 for i in ids]
            latency.append(
                {
                    "rate": rate,
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                }
            )
        return {"throughput": throughput, "latency": latency}
    finally:
        for worker in workers:
            worker.stop()
        drop_keys(store, prefix)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders in the throughput burst")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument(
        "--rates",
        type=lambda text: [float(r) for r in text.split(",")],
        default=[25.0, 50.0],
        help="comma-separated orders per second for the latency runs",
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of the latency run")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

    with tempfile.TemporaryDirectory(prefix="namesmith-bench-") as tmp:
        work = Path(tmp)
        ours = bench_namesmith(args, pg_url, redis_url, work)
        peer = bench_peer(args, redis_url, work)

    t, pt = ours["throughput"], peer["throughput"]
    print(f"Namesmith orders, end to end ({os.cpu_count()} CPUs; PostgreSQL + Redis; Procfile defaults)")
    print(
        f"  throughput  {t['orders']} orders in {t['seconds']} s = {t['per_second']} orders/s"
        f"  (target >= 100; {t['failed']} not SUCCESSFUL)"
    )
    print(f"              with every hosted zone served (INSYNC) as well: {t['all_done_per_second']} orders/s")
    for lat in ours["latency"]:
        print(
            f"  latency     at {lat['rate']:g} orders/s for {args.seconds:g} s: p50 {lat['p50_ms']} ms,"
            f" p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms  (target at 50/s: p99 <= 1000 ms)"
        )
    print("Peer: bare Celery relay, 3 hops, same broker and pool, no database")
    print(f"  throughput  {pt['per_second']} relays/s")
    for lat in peer["latency"]:
        print(f"  latency     at {lat['rate']:g}/s: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms")
    print(f"Ratio: Namesmith throughput is {t['per_second'] / pt['per_second']:.2f}x the bare relay's")

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"orders-{stamp}.json").write_text(json.dumps({"namesmith": ours, "peer": peer}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
