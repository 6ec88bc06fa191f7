"""Push one order through a running emulator and wait until it is SUCCESSFUL.

Usage: python .ci/smoke_order.py http://127.0.0.1:8000/  (standard library only)
"""

import json
import secrets
import sys
import time
import urllib.request

TOKEN = "demo-customer-token-00000000000000000001"  # seed_demo's demo customer


def call(method: str, url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main(base: str) -> int:
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"{base}healthz", timeout=5)
            break
        except OSError:  # refused, reset, or slow to answer while everything starts up
            if time.monotonic() > deadline:
                print("the web app never answered /healthz")
                return 1
            time.sleep(1)
    name = f"smoke-{secrets.token_hex(4)}.com"
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    order = call("POST", f"{base}api/v1/orders/", {"lines": [{"domain": name}], "card": card})
    print(f"order {order['id']} for {name}: {order['state']}")
    deadline = time.monotonic() + 60
    while order["state"] not in ("SUCCESSFUL", "PARTIAL", "FAILED"):
        if time.monotonic() > deadline:
            print(f"order still {order['state']} after 60 s")
            return 1
        time.sleep(0.2)
        order = call("GET", f"{base}api/v1/orders/{order['id']}/")
    print(f"order {order['id']}: {order['state']}")
    if order["state"] != "SUCCESSFUL":
        print(json.dumps(order, indent=2))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/"))
