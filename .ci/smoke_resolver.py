"""Ask a running emulator's recursive resolver, its dig command and its trace page.

Usage: python .ci/smoke_resolver.py WEB_URL NAME EXPECTED  (run with the project's
virtualenv; reads ``manage.py endpoints --json``). Exits 0 once the resolver answers NAME
with the address EXPECTED, ``manage.py dig NAME`` prints that answer the way dig does, and
the trace page, asked twice, shows the full walk and then the root and TLD skipped.
"""

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import dns.message
import dns.query


def main(web: str, name: str, expected: str) -> int:
    endpoints = json.loads(subprocess.check_output([sys.executable, "manage.py", "endpoints", "--json"]))
    resolver = endpoints["resolver"]
    deadline = time.monotonic() + 120
    while True:
        try:
            query = dns.message.make_query(name, "A")
            response = dns.query.udp(query, resolver["address"], port=resolver["port"], timeout=3)
            addresses = [r.to_text() for rrset in response.answer for r in rrset]
            if expected in addresses:
                break
            error = f"answer {response}"
        except Exception as exc:  # not up yet, or zones not published yet
            error = repr(exc)
        if time.monotonic() > deadline:
            print(f"the resolver at {resolver['address']} did not answer {name} with {expected}: {error}")
            return 1
        time.sleep(1)
    print(f"resolver {resolver['address']}#{resolver['port']}: {name} -> {expected}")
    dig = subprocess.run([sys.executable, "manage.py", "dig", name], capture_output=True, text=True, timeout=30)
    if "status: NOERROR" not in dig.stdout or expected not in dig.stdout:
        print(f"manage.py dig {name} printed:\n{dig.stdout}{dig.stderr}")
        return 1
    print(f"manage.py dig {name}: status NOERROR, {expected}")
    url = f"{web}dns/trace/?{urllib.parse.urlencode({'name': name, 'type': 'A'})}"
    pages = [urllib.request.urlopen(url, timeout=30).read().decode() for _ in range(2)]
    if expected not in pages[0] or 'id="timeline"' not in pages[0]:
        print(f"{url} shows no timeline with {expected}:\n{pages[0][:3000]}")
        return 1
    if 'data-zone="." data-cached="yes"' not in pages[1]:
        print(f"{url} asked again does not show the root skipped from cache:\n{pages[1][:3000]}")
        return 1
    print(f"{url}: the walk, then the cache")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
