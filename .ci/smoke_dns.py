"""Walk the delegation chain of a running emulator as a resolver would, from its root hints.

Usage: python .ci/smoke_dns.py NAME ADDRESS  (run with the project's virtualenv; reads
``manage.py endpoints --json``). Exits 0 once NAME resolves to ADDRESS through a root
server, a TLD server and a rental nameserver.
"""

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


def main(name: str, expected: str) -> int:
    endpoints = json.loads(subprocess.check_output([sys.executable, "manage.py", "endpoints", "--json"]))
    root, port = endpoints["root_servers"][0]["address"], endpoints["dns_port"]
    deadline = time.monotonic() + 120
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
