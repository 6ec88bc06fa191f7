"""Route 53 Domains' API: Namesmith beside moto's server, then what moto cannot show.

First the API calls alone, the same boto3 workload on each, from ``--threads`` client
threads: per name, RegisterDomain, GetOperationDetail, a page of ListOperations and one of
ListDomains (the operations moto has), in rounds of 16 names (moto's account is emptied
between rounds, untimed: it holds 20 domains at most). Each call's latency (p50, p99) and
the calls per second of each. moto answers from memory; Namesmith places a real order
(charged to the demo customer's card on file) whose registration the workers carry out
meanwhile.

Then registrations at a paced rate (``--rate`` per second, ``--paced`` names), each timed
from the RegisterDomain request to GetOperationDetail's SUCCESSFUL and to the moment com's
server answers the name's referral (NS, no recursion) with the hosted zone's nameservers.

The processes, database, Redis prefix, ports and block are bench/route53.py's (the same
start-up, run one at a time); moto runs from ``.venv-moto``. Takes a couple of minutes.
"""

from __future__ import annotations

import os
import sys

if os.path.dirname(os.path.realpath(__file__)) in sys.path:  # bench/dns.py would hide dnspython's `dns`
    sys.path.remove(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

import argparse
import contextlib
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import botocore.config
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rdatatype

from bench import route53 as base
from bench.harness import CpuMeter, Process, print_cpu

CONTACT = {
    "FirstName": "Bench",
    "LastName": "Marker",
    "ContactType": "PERSON",
    "AddressLine1": "1 Load Street",
    "City": "Seoul",
    "CountryCode": "KR",
    "ZipCode": "04524",
    "PhoneNumber": "+82.212345678",
    "Email": "bench@example.net",
}
CONTACTS = {"AdminContact": CONTACT, "RegistrantContact": CONTACT, "TechContact": CONTACT}
ROUND = 16  # names per round: moto refuses a 21st domain in an account
CALLS = ("RegisterDomain", "GetOperationDetail", "ListOperations", "ListDomains")


def client(url: str, key_id: str, secret: str):
    config = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=32)
    return boto3.client(
        "route53domains",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=config,
    )


def timed(latencies: dict[str, list[float]], name: str, call, **params):
    started = time.monotonic()
    answer = call(**params)
    latencies[name].append(time.monotonic() - started)
    return answer


def one_name(domains, name: str, latencies: dict[str, list[float]]) -> str:
    # Two years: moto refuses one (its expiry falls a moment short of its own one-year minimum).
    started = timed(
        latencies, "RegisterDomain", domains.register_domain, DomainName=name, DurationInYears=2, **CONTACTS
    )
    timed(latencies, "GetOperationDetail", domains.get_operation_detail, OperationId=started["OperationId"])
    timed(latencies, "ListOperations", domains.list_operations, MaxItems=20)
    timed(latencies, "ListDomains", domains.list_domains, MaxItems=20)
    return str(started["OperationId"])


def api_calls(
    domains, args: argparse.Namespace, tag: str, processes: list[Process], reset: str | None = None
) -> tuple[dict, list[str]]:
    """The workload in rounds of ``ROUND`` names; ``reset`` (moto's) empties the account
    between rounds, untimed, since moto holds 20 domains per account at most."""
    names = [f"b{n}-{tag}-{uuid.uuid4().hex[:6]}.com" for n in range(args.names)]
    latencies: dict[str, list[float]] = {name: [] for name in CALLS}
    meter = CpuMeter(processes)
    operations: list[str] = []
    seconds = 0.0
    with ThreadPoolExecutor(args.threads) as pool:
        for first in range(0, len(names), ROUND):
            if reset is not None:
                urllib.request.urlopen(urllib.request.Request(reset, method="POST"), timeout=10).close()
            started = time.monotonic()
            operations += pool.map(lambda name: one_name(domains, name, latencies), names[first : first + ROUND])
            seconds += time.monotonic() - started
    calls = sum(len(v) for v in latencies.values())
    figures = {
        "calls": calls,
        "seconds": round(seconds, 2),
        "calls_per_second": round(calls / seconds, 1),
        "latency": {name: base.summary(values) for name, values in latencies.items()},
        "cpu": meter.stop(),
    }
    return figures, operations


def wait_successful(domains, operation_id: str, started: float, timeout: float = 120) -> float:
    while True:
        status = domains.get_operation_detail(OperationId=operation_id)["Status"]
        if status == "SUCCESSFUL":
            return time.monotonic() - started
        if status not in ("SUBMITTED", "IN_PROGRESS") or time.monotonic() - started > timeout:
            raise RuntimeError(f"operation {operation_id}: {status}")
        time.sleep(0.01)


def wait_delegated(name: str, com: str, port: int, started: float, timeout: float = 120) -> float:
    query = dns.message.make_query(f"{name}.", dns.rdatatype.NS)
    query.flags &= ~dns.flags.RD
    while time.monotonic() - started < timeout:
        with contextlib.suppress(OSError, dns.exception.DNSException):
            reply = dns.query.udp(query, com, port=port, timeout=0.5)
            if any(rrset.rdtype == dns.rdatatype.NS for rrset in reply.authority):
                return time.monotonic() - started
        time.sleep(0.005)
    raise RuntimeError(f"{name} not delegated at com after {timeout} s")


def paced(domains, com: str, args: argparse.Namespace) -> dict:
    """``--paced`` registrations, one every 1/``--rate`` s, each followed to the end on its own thread."""
    successful: list[float] = []
    delegated: list[float] = []
    threads = []

    def follow(name: str, operation_id: str, started: float) -> None:
        successful.append(wait_successful(domains, operation_id, started))
        delegated.append(wait_delegated(name, com, args.port, started))

    for n in range(args.paced):
        name = f"p{n}-{uuid.uuid4().hex[:8]}.com"
        started = time.monotonic()
        made = domains.register_domain(DomainName=name, DurationInYears=1, **CONTACTS)
        thread = threading.Thread(target=follow, args=(name, made["OperationId"], started))
        thread.start()
        threads.append(thread)
        time.sleep(max(0.0, started + 1 / args.rate - time.monotonic()))
    for thread in threads:
        thread.join()
    return {"successful": base.summary(successful), "delegated": base.summary(delegated)}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=100, help="names in the API-calls workload")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--paced", type=int, default=40, help="registrations followed to the end")
    parser.add_argument("--rate", type=float, default=2.0, help="paced registrations per second")
    parser.add_argument("--block", default="127.79.0.0/16")
    parser.add_argument("--port", type=int, default=15354, help="DNS port")
    parser.add_argument("--web-port", type=int, default=18053)
    parser.add_argument("--moto-port", type=int, default=18054)
    args = parser.parse_args()
    args.zones = 0
    return args


def main() -> None:
    args = arguments()
    with base.namesmith_beside_moto(args, "route53domains", ROUTE53_DOMAINS_LIMIT="100000") as (processes, work):
        from django.conf import settings

        from config.aws import keys

        ours = client(f"http://127.0.0.1:{args.web_port}", keys.DEMO_ACCESS_KEY_ID, keys.DEMO_SECRET_ACCESS_KEY)
        moto = client(f"http://127.0.0.1:{args.moto_port}", "testing", "testing")
        print(f"workload: {args.names} names x ({', '.join(CALLS)}) from {args.threads} threads", flush=True)
        moto_reset = f"http://127.0.0.1:{args.moto_port}/moto-api/reset"
        peer, _ = api_calls(moto, args, "moto", [p for p in processes if p.name == "moto"], moto_reset)
        mine, operations = api_calls(ours, args, "namesmith", [p for p in processes if p.name != "moto"])
        for operation_id in operations:  # the workload's registrations finish before the paced run
            wait_successful(ours, operation_id, time.monotonic(), timeout=600)
        com = settings.NETWORK_PLAN.servers_for_tld("com")[0].address
        print(f"paced: {args.paced} registrations at {args.rate}/s", flush=True)
        latency = paced(ours, com, args)
        report(args, mine, peer, latency, work)


def report(args: argparse.Namespace, mine: dict, peer: dict, latency: dict, work: Path) -> None:
    print(f"\n{'':<22}{'calls':>8}{'seconds':>10}{'calls/s':>10}")
    for label, figures in (("Namesmith", mine), ("moto server (peer)", peer)):
        print(f"{label:<22}{figures['calls']:>8}{figures['seconds']:>10}{figures['calls_per_second']:>10}")
    ratio = mine["calls_per_second"] / peer["calls_per_second"]
    print(f"ratio: {ratio:.2f}x moto")
    print(f"\n{'call latency (ms)':<26}{'Namesmith p50':>14}{'p99':>8}{'moto p50':>10}{'p99':>8}")
    for name in CALLS:
        ours, theirs = mine["latency"][name], peer["latency"][name]
        print(f"{name:<26}{ours['p50_ms']:>14}{ours['p99_ms']:>8}{theirs['p50_ms']:>10}{theirs['p99_ms']:>8}")
    print("cores kept busy:")
    for label, figures in (("Namesmith", mine), ("moto", peer)):
        print_cpu(label, figures["cpu"])
    print(f"\nRegisterDomain at {args.rate}/s ({args.paced} names; moto has no equivalent):")
    base.print_latencies(latency, (("to SUCCESSFUL", "successful"), ("to delegated at com", "delegated")))
    base.save("route53domains", args, mine, peer, ratio, latency, work)


if __name__ == "__main__":
    main()
