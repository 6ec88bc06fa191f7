"""Reach a running emulator the way a partner registrar does: the registry REST API, EPP
over TLS, then RDAP and the Debian whois client for the name it registered.

Usage: python .ci/smoke_partner.py http://127.0.0.1:8000/  (run with the emulator's
environment, so `manage.py endpoints` finds its EPP and WHOIS addresses)
"""

import json
import secrets
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.request

TOKEN = "nsm_alphareg_demo-token-of-alpha-names"  # seed_demo's alpha-reg
EPP_LOGIN = ("alpha-reg", "alpha-epp-2026")
EPP_NS = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN_NS = "urn:ietf:params:xml:ns:domain-1.0"


def rest(method: str, url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "Prefer": "wait=10"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


def epp_frame(sock: ssl.SSLSocket) -> str:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the EPP server closed the session")
            data += chunk
        return data

    (length,) = struct.unpack("!I", exactly(4))
    return exactly(length - 4).decode()


def epp_send(sock: ssl.SSLSocket, xml: str) -> str:
    data = xml.encode()
    sock.sendall(struct.pack("!I", len(data) + 4) + data)
    return epp_frame(sock)


def epp_info(address: str, port: int, name: str) -> str:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the emulator's certificate is self-signed
    with socket.create_connection((address, port), timeout=10) as raw, context.wrap_socket(raw) as sock:
        greeting = epp_frame(sock)
        assert "<greeting>" in greeting, greeting
        login = epp_send(
            sock,
            f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP_NS}"><command><login>'
            f"<clID>{EPP_LOGIN[0]}</clID><pw>{EPP_LOGIN[1]}</pw><options><version>1.0</version><lang>en</lang>"
            f"</options><svcs><objURI>{DOMAIN_NS}</objURI></svcs></login><clTRID>smoke-1</clTRID></command></epp>",
        )
        assert 'code="1000"' in login, login
        info = epp_send(
            sock,
            f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP_NS}"><command><info>'
            f'<domain:info xmlns:domain="{DOMAIN_NS}"><domain:name>{name}</domain:name></domain:info>'
            "</info><clTRID>smoke-2</clTRID></command></epp>",
        )
        epp_send(sock, f'<epp xmlns="{EPP_NS}"><command><logout/><clTRID>smoke-3</clTRID></command></epp>')
        return info


def main(base: str) -> int:
    endpoints = json.loads(subprocess.check_output([sys.executable, "manage.py", "endpoints", "--json"]))
    name = f"partner-{secrets.token_hex(4)}.com"
    api = f"{base}api/registry/v1/"
    operation = rest("POST", f"{api}domains/", {"name": name, "nameservers": []})
    deadline = time.monotonic() + 60
    while operation["state"] in ("SUBMITTED", "IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.2)
        operation = rest("GET", f"{api}operations/{operation['id']}/")
    print(f"REST create {name}: {operation['state']}")
    if operation["state"] != "SUCCESSFUL":
        print(json.dumps(operation, indent=2))
        return 1

    info = epp_info(endpoints["epp"]["address"], endpoints["epp"]["port"], name)
    if f"<domain:name>{name}</domain:name>" not in info or "<domain:clID>alpha-reg</domain:clID>" not in info:
        print(f"EPP domain:info of {name} did not show it:\n{info}")
        return 1
    print(f"EPP info {name}: sponsored by alpha-reg")

    with urllib.request.urlopen(f"{base}rdap/domain/{name}", timeout=10) as response:
        rdap = json.load(response)
    if rdap.get("ldhName") != name:
        print(f"RDAP answered {rdap}")
        return 1
    print(f"RDAP {name}: {rdap['status']}")

    whois = endpoints["whois"]
    out = subprocess.run(
        ["whois", "-h", whois["address"], "-p", str(whois["port"]), name], capture_output=True, text=True, timeout=20
    ).stdout
    if f"Domain Name: {name.upper()}" not in out:
        print(f"whois answered:\n{out}")
        return 1
    print(f"whois {name}: found")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/"))
