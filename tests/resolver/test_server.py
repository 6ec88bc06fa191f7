"""The listeners of run_dns over real sockets, without the database: zones come from a dict."""

import asyncio
import itertools
import random
import socket
import threading
import time

import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update
import dns.xfr
import dns.zone
import pytest

from config.network import DEFAULT_LATENCY, DEFAULT_REGIONS
from resolver.dns.authoritative.engine import Engine
from resolver.dns.authoritative.regions import Regions
from resolver.dns.authoritative.server import DnsServer
from resolver.dns.wire import mmsg
from resolver.dns.wire import records as rr
from tests.resolver.test_zone import ZONE

ADDRESS = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
SECOND_ADDRESS = ADDRESS.rsplit(".", 1)[0] + f".{int(ADDRESS.rsplit('.', 1)[1]) - 1}"  # a server not listened at start


def serial_of(records) -> int:
    return int(records[0][3].split()[2])


class Running:
    """A DnsServer on its own event loop thread, serving the zones in ``self.zones``."""

    def __init__(
        self,
        routed: list | None = None,
        regions: Regions | None = None,
        apply_update=None,
        keyring=None,
        history: bool = False,
        transfer: dict | None = None,
        **more: tuple,
    ) -> None:
        self.zones = {"example.com.": ZONE}
        # More zones by store key: (name, records, servers), like hosted zones sharing a name.
        self.more = dict(more)
        self.routed = routed or []
        self.serial_reads: list[set[str] | None] = []  # the names each read of the serials asked for
        # With ``history``: each version of example.com. kept, so the server may apply changes.
        self.versions: dict[int, list] = {serial_of(ZONE): ZONE} if history else {}
        self.whole_loads = 0
        self.transfer = transfer or {}  # who may transfer example.com.
        self.port = _free_udp_port()
        self.loop = asyncio.new_event_loop()
        self.server: DnsServer | None = None
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def main() -> None:
                self.server = DnsServer(
                    Engine(regions=regions),
                    {"ns.example.": ADDRESS},
                    self.port,
                    read_serials=self.read_serials,
                    read_zone=self.read_zone,
                    address_of={"ns2.example.": SECOND_ADDRESS}.get,
                    poll_every=3600,
                    apply_update=apply_update,
                    keyring=keyring,
                    read_changes=self.read_changes if history else None,
                )
                await self.server.start()
                started.set()
                await self.server.run(signals=False)

            self.loop.run_until_complete(main())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10)

    def read_serials(self, names: set[str] | None) -> dict[str, int]:
        self.serial_reads.append(names)
        found = {name: serial_of(records) for name, records in self.zones.items() if names is None or name in names}
        found |= {key: serial_of(zone[1]) for key, zone in self.more.items() if names is None or zone[0] in names}
        return found

    def publish(self, records: list) -> None:
        """A new version of example.com. (its SOA serial bumped by the caller)."""
        self.zones["example.com."] = self.versions[serial_of(records)] = records

    def read_changes(self, key: str, since: int, until: int | None) -> tuple | None:
        serials = sorted(self.versions)
        until = serial_of(self.zones[key]) if until is None else until
        if since not in self.versions:
            return serial_of(self.zones[key]), ["ns.example."], None, False
        steps = [s for s in serials if since <= s <= until]
        chain = [rr.difference(self.versions[a], self.versions[b]) for a, b in itertools.pairwise(steps)]
        return serial_of(self.zones[key]), ["ns.example."], chain, False

    def read_zone(self, key: str) -> tuple:
        self.whole_loads += 1
        if key in self.more:
            name, records, servers = self.more[key]
            return name, serial_of(records), records, servers, []
        return key, serial_of(self.zones[key]), self.zones[key], ["ns.example."], self.routed, self.transfer

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stopping.set)
        self.thread.join(10)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((ADDRESS, 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["batches", "one by one"])
def serve(request, monkeypatch):
    """Starts servers with UDP listeners taking datagrams in batches, or one by one."""
    if request.param == "batches":
        if not mmsg.available():
            pytest.skip("no recvmmsg on this system")
    else:
        monkeypatch.setattr(mmsg, "available", lambda: False)
    started: list[Running] = []

    def start(**kwargs) -> Running:
        started.append(Running(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def running(serve):
    return serve()


def test_a_burst_from_several_clients_gets_every_answer_to_its_sender(running):
    clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
    sent = {}
    for round_ in range(25):
        for index, client in enumerate(clients):
            name = "www.example.com." if round_ % 3 else "nope.example.com."
            query = dns.message.make_query(name, "A", id=round_ * 10 + index, use_edns=round_ % 2 == 0)
            client.sendto(query.to_wire(), (ADDRESS, running.port))
            client.sendto(b"\x00junk", (ADDRESS, running.port))  # never answered, never stops the loop
            sent[index, query.id] = name
    received = {}
    for index, client in enumerate(clients):
        client.settimeout(5)
        for _ in range(25):
            reply = dns.message.from_wire(client.recv(4096))
            received[index, reply.id] = (reply.question[0].name.to_text(), reply.rcode())
        client.close()
    assert {key: name for key, (name, _) in received.items()} == sent
    assert {rcode for _, rcode in received.values()} == {dns.rcode.NOERROR, dns.rcode.NXDOMAIN}


def test_a_notify_through_the_listener_reloads_the_zone(running):
    query = dns.message.make_query("www.example.com.", "A")
    assert dns.query.udp(query, ADDRESS, port=running.port, timeout=5).answer[0][0].to_text() == "192.0.2.44"
    changed = [r if r[0] != "www.example.com." or r[2] != "A" else [*r[:3], "192.0.2.45"] for r in ZONE]
    changed[0] = [*changed[0][:3], changed[0][3].replace(" 7 ", " 8 ")]
    running.zones["example.com."] = changed
    notify = dns.message.make_query("example.com.", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    assert dns.query.udp(notify, ADDRESS, port=running.port, timeout=5).rcode() == dns.rcode.NOERROR
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answer = dns.query.udp(query, ADDRESS, port=running.port, timeout=5).answer[0][0].to_text()
        if answer == "192.0.2.45":
            break
        time.sleep(0.02)
    assert answer == "192.0.2.45"
    # Only the zone named in the NOTIFY was read, not every zone of the store.
    assert running.serial_reads == [None, {"example.com."}]


def test_an_update_is_answered_later_from_the_updater_over_udp_and_tcp(serve):
    """The listener hands an UPDATE on and goes on answering; the reply comes when the
    update is done, to the client that sent it, with the zone's key found where it arrived."""
    release = threading.Event()
    seen: list[tuple[str | None, str, int]] = []

    def apply_update(wire: bytes, zone_key, client: str) -> bytes:
        assert release.wait(10)
        message = dns.message.from_wire(wire)
        seen.append((zone_key(message.question[0].name), client, message.id))
        response = dns.message.make_response(message)
        response.set_rcode(dns.rcode.YXDOMAIN)  # anything the listener itself would never say
        return response.to_wire()

    running = serve(apply_update=apply_update)
    update = dns.update.UpdateMessage("Example.COM.", id=4242)
    update.add("www", 300, "A", "192.0.2.1")
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(5)
    client.sendto(update.to_wire(), (ADDRESS, running.port))
    query = dns.message.make_query("www.example.com.", "A")
    assert dns.query.udp(query, ADDRESS, port=running.port, timeout=2).answer  # not held up by the update
    release.set()
    reply = dns.message.from_wire(client.recvfrom(65535)[0])
    assert (reply.id, reply.rcode()) == (4242, dns.rcode.YXDOMAIN)
    tcp_reply = dns.query.tcp(update, ADDRESS, port=running.port, timeout=5)
    assert tcp_reply.rcode() == dns.rcode.YXDOMAIN
    assert seen == [("example.com.", "127.0.0.1", 4242), ("example.com.", "127.0.0.1", 4242)]


def test_signed_queries_and_transfers_get_signed_answers_and_a_bad_signature_notauth(serve):
    key = dns.tsig.Key("xfr.example.", "c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IHNlY3JldA==", dns.tsig.HMAC_SHA256)
    running = serve(keyring=lambda message, name: key if name == key.name else None)
    query = dns.message.make_query("www.example.com.", "A")
    query.use_tsig(key)
    for send in (dns.query.udp, dns.query.tcp):
        reply = send(query, ADDRESS, port=running.port, timeout=5)  # dnspython checks the reply's signature
        assert reply.had_tsig and reply.answer[0].to_text().endswith("192.0.2.44")
    transfer = dns.query.xfr(ADDRESS, "example.com.", port=running.port, keyring=key, timeout=5)
    records = [rrset for message in transfer for rrset in message.answer]  # each message's signature checked
    assert records[0].rdtype == records[-1].rdtype == dns.rdatatype.SOA and len(records) > 3
    stranger = dns.tsig.Key("nobody.example.", key.secret, dns.tsig.HMAC_SHA256)
    unknown = dns.message.make_query("www.example.com.", "A")
    unknown.use_tsig(stranger)
    with pytest.raises(dns.tsig.PeerBadKey):  # NOTAUTH with the BADKEY error
        dns.query.udp(unknown, ADDRESS, port=running.port, timeout=5)


def test_a_zone_names_who_may_transfer_it_and_the_key_they_must_sign_with(serve):
    key = dns.tsig.Key("xfr.example.", "c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IHNlY3JldA==", dns.tsig.HMAC_SHA256)
    other = dns.tsig.Key("other.example.", key.secret, dns.tsig.HMAC_SHA256)
    keys = {key.name: key, other.name: other}
    running = serve(keyring=lambda message, name: keys.get(name), transfer={"key": "xfr.example."})

    def transfer(**options):
        return [
            r for m in dns.query.xfr(ADDRESS, "example.com.", port=running.port, timeout=5, **options) for r in m.answer
        ]

    with pytest.raises(dns.xfr.TransferError, match="REFUSED"):
        transfer()  # unsigned
    with pytest.raises(dns.xfr.TransferError, match="REFUSED"):
        transfer(keyring=other)  # signed, with another key
    assert len(transfer(keyring=key)) > 10
    elsewhere = serve(transfer={"allow": ["127.200.0.0/16"]})
    with pytest.raises(dns.xfr.TransferError, match="REFUSED"):
        [m for m in dns.query.xfr(ADDRESS, "example.com.", port=elsewhere.port, timeout=5)]


def new_version(records: list, serial: int, **changes: str) -> list:
    """``records`` with the SOA serial ``serial`` and the A record of each name given changed."""
    out = rr.with_serial(records, dns.name.from_text("example.com."), serial)
    for name, address in changes.items():
        out = [r for r in out if not (r[0] == f"{name}.example.com." and r[2] == "A")]
        out.append([f"{name}.example.com.", 300, "A", address])
    return out


def notify(running) -> None:
    message = dns.message.make_query("example.com.", "SOA")
    message.set_opcode(dns.opcode.NOTIFY)
    assert dns.query.udp(message, ADDRESS, port=running.port, timeout=5).rcode() == dns.rcode.NOERROR


def served_serial(running) -> int:
    return dns.query.udp(dns.message.make_query("example.com.", "SOA"), ADDRESS, port=running.port).answer[0][0].serial


def test_a_new_version_is_applied_to_the_zone_held_and_secondaries_take_ixfr(serve):
    running = serve(history=True)
    old = running.zones["example.com."]
    secondary = dns.zone.from_text(
        "\n".join(" ".join(map(str, r)) for r in old), origin="example.com.", relativize=False
    )
    loads = running.whole_loads
    running.publish(new_version(old, 8, www="192.0.2.45"))
    running.publish(new_version(running.zones["example.com."], 9, fresh="192.0.2.46", mail="192.0.2.26"))
    notify(running)
    wait_for(lambda: served_serial(running) == 9)
    assert running.whole_loads == loads  # applied to the zone held: never loaded whole again
    answer = dns.query.udp(dns.message.make_query("fresh.example.com.", "A"), ADDRESS, port=running.port)
    assert answer.answer[0][0].address == "192.0.2.46"
    # A secondary at serial 7 asks for what changed since: two versions, applied in order.
    query, _ = dns.xfr.make_query(secondary, serial=7)
    dns.query.inbound_xfr(ADDRESS, secondary, query, port=running.port, timeout=5)
    expected = dns.zone.from_text(
        "\n".join(" ".join(map(str, r)) for r in running.zones["example.com."]), origin="example.com.", relativize=False
    )
    assert secondary.get_soa().serial == 9 and secondary == expected
    # One the history does not reach gets the whole zone instead; one up to date, the SOA alone.
    records = [
        r for m in dns.query.xfr(ADDRESS, "example.com.", port=running.port, rdtype="IXFR", serial=3) for r in m.answer
    ]
    assert len(records) > 10 and records[0].rdtype == records[-1].rdtype == dns.rdatatype.SOA
    current = [m for m in dns.query.xfr(ADDRESS, "example.com.", port=running.port, rdtype="IXFR", serial=9)]
    assert [r.rdtype for m in current for r in m.answer] == [dns.rdatatype.SOA]


def wait_for(check, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not reached"
        time.sleep(0.02)


def test_stopping_closes_every_udp_listener_promptly(running):
    listeners = list(running.server.udp)
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 5
    assert all(not listener.thread.is_alive() for listener in listeners)


def test_latency_answers_follow_the_source_address_through_the_listener(serve):
    routed = [
        {
            "name": "api.example.com.",
            "type": "A",
            "policy": "latency",
            "members": [
                {"id": "us", "ttl": 60, "values": ["192.0.2.1"], "region": "us-east-1"},
                {"id": "eu", "ttl": 60, "values": ["192.0.2.2"], "region": "eu-west-1"},
            ],
        }
    ]
    server = serve(routed=routed, regions=Regions(DEFAULT_REGIONS, DEFAULT_LATENCY))
    query = dns.message.make_query("api.example.com.", "A")
    for source, expected in (("127.0.0.1", "192.0.2.1"), ("127.64.0.9", "192.0.2.2")):
        response = dns.query.udp(query, ADDRESS, port=server.port, source=source, timeout=5)
        assert response.answer[0][0].to_text() == expected


def test_zones_sharing_a_name_answer_each_from_its_own_servers_and_a_new_server_is_listened_for(serve):
    other = [r if r[0] != "www.example.com." or r[2] != "A" else [*r[:3], "192.0.2.99"] for r in ZONE]
    running = serve(Z2=("example.com.", other, ["ns2.example."]))
    query = dns.message.make_query("www.example.com.", "A")

    def answer(address: str) -> str:
        reply = dns.query.udp(query, address, port=running.port, timeout=5)
        return reply.answer[0][0].to_text() if reply.answer else dns.rcode.to_text(reply.rcode())

    assert (answer(ADDRESS), answer(SECOND_ADDRESS)) == ("192.0.2.44", "192.0.2.99")
    del running.more["Z2"]  # withdrawn from the store: a NOTIFY for the name drops that zone alone
    notify = dns.message.make_query("example.com.", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    dns.query.udp(notify, ADDRESS, port=running.port, timeout=5)
    deadline = time.monotonic() + 5
    while answer(SECOND_ADDRESS) != "REFUSED" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (answer(ADDRESS), answer(SECOND_ADDRESS)) == ("192.0.2.44", "REFUSED")
