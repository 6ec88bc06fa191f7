"""Walk the delegation chain of a running emulator as a resolver would, from its root hints.

Usage: python .ci/smoke_dns.py NAME EXPECTED [FAILOVER]  (run with the project's
virtualenv; reads ``manage.py endpoints --json``). Exits 0 once NAME resolves to EXPECTED
through a root server, a TLD server and a rental nameserver. EXPECTED is an address or a
demo origin's name; for an origin, its page is fetched with NAME as the Host. With
FAILOVER (another origin), EXPECTED is then stopped (``manage.py origin stop``) and NAME
must move to FAILOVER, whose page names it; EXPECTED is started again at the end.
"""

import http.client
import json
import subprocess
import sys
import time

import dns.message
import dns.query
import dns.rdatatype


def walk(name: str, root: str, port: int) -> tuple[list[str], list[str]]:
    """Addresses for ``name`` and the servers asked, following referrals with glue."""
    server, asked = root, []
    for _ in range(8):
        asked.append(server)
        query = dns.message.make_query(name, "A")
        query.flags = 0  # iterative, as a resolver asks
        response = dns.query.udp(query, server, port=port, timeout=2)
        if response.answer:
            return [r.to_text() for rrset in response.answer for r in rrset if rrset.rdtype == dns.rdatatype.A], asked
        glue = [r.to_text() for rrset in response.additional for r in rrset if rrset.rdtype == dns.rdatatype.A]
        if not glue:
            raise RuntimeError(f"{server} gave neither an answer nor glue:\n{response}")
        server = glue[0]
    raise RuntimeError("too many referrals")


def resolve(name: str, expected: str, root: str, port: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            addresses, asked = walk(name, root, port)
            if expected in addresses:
                print(f"{name} -> {expected} via {' -> '.join(asked)} (port {port})")
                return 0
            error = f"answer {addresses}"
        except Exception as exc:  # not up yet, or zones not published yet
            error = repr(exc)
        if time.monotonic() > deadline:
            print(f"{name} did not resolve to {expected}: {error}")
            return 1
        time.sleep(1)


def fetch(name: str, origin: dict) -> int:
    """The origin's page, asked for with ``name`` as the Host, names the origin."""
    conn = http.client.HTTPConnection(origin["address"], origin["port"], timeout=5)
    conn.request("GET", "/", headers={"Host": name})
    body = conn.getresponse().read().decode()
    if origin["name"] not in body or name not in body:
        print(f"http://{origin['address']}:{origin['port']}/ did not name {origin['name']} and {name}:\n{body}")
        return 1
    print(f"http://{origin['address']}:{origin['port']}/ (Host {name}) is served by {origin['name']}")
    return 0


def main(name: str, expected: str, failover: str | None = None) -> int:
    endpoints = json.loads(subprocess.check_output([sys.executable, "manage.py", "endpoints", "--json"]))
    root, port = endpoints["root_servers"][0]["address"], endpoints["dns_port"]
    origins = {o["name"]: o for o in endpoints.get("origins", [])}
    if expected not in origins:
        return resolve(name, expected, root, port)
    first = origins[expected]
    if resolve(name, first["address"], root, port) or fetch(name, first):
        return 1
    if not failover:
        return 0
    second = origins[failover]
    subprocess.check_call([sys.executable, "manage.py", "origin", "stop", expected])
    started = time.monotonic()
    try:
        if resolve(name, second["address"], root, port, timeout=90) or fetch(name, second):
            return 1
        print(f"failover from {expected} to {failover} took {time.monotonic() - started:.1f} s")
    finally:
        subprocess.check_call([sys.executable, "manage.py", "origin", "start", expected])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
