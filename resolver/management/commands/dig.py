"""``manage.py dig NAME [TYPE] [@SERVER] [+trace] [+norec] [+short] [+tcp]``: dig against the
emulator, with its output laid out as dig's. The emulated resolver is the default server;
@SERVER takes an address or the name of any server of the network plan."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.rrset
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from resolver.dns.recursive.answers import Trace
from resolver.dns.recursive.iterative import Resolver
from resolver.dns.wire import digtext
from resolver.management.commands.roothints import HINTS_TTL
from resolver.trace import TraceError, ascii_name

FLAGS = {"+trace", "+norec", "+norecurse", "+short", "+tcp"}


class Command(BaseCommand):
    help = "Query the emulator like dig: NAME [TYPE] [@SERVER] [+trace] [+norec] [+short] [+tcp]."

    def add_arguments(self, parser) -> None:
        parser.add_argument("words", nargs="+", metavar="NAME [TYPE] [@SERVER] [+trace] [+norec] [+short] [+tcp]")
        parser.add_argument("-p", "--port", type=int, help="server port (default: the plan's DNS port)")
        parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer")

    def handle(self, *args, **options) -> None:
        plan = settings.NETWORK_PLAN
        name, rdtype, server, flags = self._parse(options["words"])
        port = options["port"] or plan.dns_port
        try:
            qname = dns.name.from_text(ascii_name(name))
        except TraceError as exc:
            raise CommandError(str(exc)) from None
        banner = f"; <<>> Namesmith dig <<>> {' '.join(options['words'])}"
        if "+trace" in flags:
            self.stdout.write(banner)
            self.stdout.write(";; global options: +cmd")
            self._trace(qname, rdtype, port, options["timeout"])
            return
        address, server_name = self._server(server)
        query = dns.message.make_query(qname, rdtype, use_edns=0, payload=1232)
        if flags & {"+norec", "+norecurse"}:
            query.flags &= ~dns.flags.RD
        transport = "tcp" if "+tcp" in flags else "udp"
        start = time.monotonic()
        try:
            if transport == "tcp":
                response = dns.query.tcp(query, address, port=port, timeout=options["timeout"])
            else:
                response, used_tcp = dns.query.udp_with_fallback(query, address, port=port, timeout=options["timeout"])
                transport = "tcp" if used_tcp else "udp"
        except (dns.exception.Timeout, OSError) as exc:
            reason = "timed out" if isinstance(exc, dns.exception.Timeout) else str(exc)
            message = f";; communications error to {address}#{port}: {reason}; no servers could be reached"
            raise CommandError(message) from None
        elapsed = (time.monotonic() - start) * 1000
        if "+short" in flags:
            self.stdout.write(digtext.format_short(response), ending="\n" if response.answer else "")
            return
        self.stdout.write(banner)
        self.stdout.write(";; global options: +cmd")
        self.stdout.write(
            digtext.format_reply(
                response,
                server=address,
                port=port,
                transport=transport,
                elapsed_ms=elapsed,
                when=datetime.datetime.now(datetime.UTC),
                size=len(response.to_wire()),
                server_name=server_name,
            )
        )

    @staticmethod
    def _parse(words: list[str]) -> tuple[str, dns.rdatatype.RdataType, str | None, set[str]]:
        name, rdtype, server, flags = None, dns.rdatatype.A, None, set()
        for word in words:
            if word.startswith("@"):
                server = word[1:]
            elif word.startswith("+"):
                if word not in FLAGS:
                    raise CommandError(f"unknown option {word}; this dig knows {', '.join(sorted(FLAGS))}")
                flags.add(word)
            elif name is None:
                name = word
            else:
                try:
                    rdtype = dns.rdatatype.from_text(word.upper())
                except dns.rdatatype.UnknownRdatatype:
                    raise CommandError(f"{word!r} is not a record type (A, AAAA, MX, NS, TXT, SOA, ...)") from None
        if name is None:
            raise CommandError("which name? e.g. manage.py dig www.example.com A")
        return name, rdtype, server, flags

    @staticmethod
    def _server(server: str | None) -> tuple[str, str | None]:
        """The address to ask (only on loopback: the emulator sends nothing beyond it)."""
        plan = settings.NETWORK_PLAN
        if server is None:
            return plan.resolver.address, "resolver"
        try:
            address = str(ipaddress.ip_address(server))
            name = next((s.name for s in plan.dns_servers() if s.address == address), None)
        except ValueError:
            found = plan.address_of(server)
            if found is None:
                known = ", ".join(s.name for s in plan.root_servers[:1] + plan.rental_nameservers[:1])
                message = f"{server} is not a server of the network plan (try an address or e.g. {known})"
                raise CommandError(message) from None
            address, name = found, server.rstrip(".") + "."
        if not ipaddress.ip_address(address).is_loopback:
            raise CommandError(f"{address} is not on loopback; the emulator only talks to 127.0.0.0/8")
        return address, name

    def _trace(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, port: int, timeout: float) -> None:
        """Walk from the root as dig +trace does, with a resolver of our own that starts empty."""
        plan = settings.NETWORK_PLAN
        hints = dns.rrset.from_text_list(
            dns.name.root, HINTS_TTL, "IN", "NS", [server.name for server in plan.root_servers]
        )
        self.stdout.write(digtext.format_records(hints), ending="")
        self.stdout.write(";; (the emulated root's hints: manage.py roothints)\n")
        resolver = Resolver([(s.name, s.address) for s in plan.root_servers], port=port, budget=timeout)
        trace = Trace()
        answer = asyncio.run(resolver.resolve(qname, rdtype, trace))
        for step in trace.steps:
            if step.cached:
                continue
            if step.depth:
                self.stdout.write(f";; (first the address of a nameserver: {step.qname} {step.qtype})")
            if step.response is None:
                where = f"{step.address}#{port}({step.server})"
                self.stdout.write(f";; {step.detail} from {where} in {step.elapsed_ms:.0f} ms\n")
                continue
            self.stdout.write(
                digtext.format_trace_hop(
                    step.response,
                    server=step.address or "",
                    port=port,
                    server_name=step.server,
                    elapsed_ms=step.elapsed_ms,
                    size=len(step.response.to_wire()),
                )
            )
        if answer.ede is not None:
            self.stdout.write(f";; resolution failed: {answer.ede[1]}")
