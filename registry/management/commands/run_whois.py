"""``manage.py run_whois``: the WHOIS server (RFC 3912) on the network plan's WHOIS address."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import ratelimit
from config.daemons import serve
from registry.whois import query
from registry.whois.server import WhoisServer


class Command(BaseCommand):
    help = "Run the WHOIS server on the plan's WHOIS address (port 43, or 10043 unprivileged) for domain queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", help="loopback address to listen on (default: the plan's WHOIS address)")
        parser.add_argument("--port", type=int, help="TCP port to listen on (default: the plan's; 0 picks a free one)")

    def handle(self, *args, **options) -> None:
        planned = settings.NETWORK_PLAN.whois
        address = options["address"] or planned.address
        port = planned.port if options["port"] is None else options["port"]
        try:
            if not ipaddress.ip_address(address).is_loopback:
                raise ValueError
        except ValueError:
            raise CommandError(f"--address {address!r}: the emulator's servers listen on loopback only") from None
        if not 0 <= port <= 65535:
            raise CommandError(f"--port {port} is out of range")
        server = WhoisServer(
            query.serve,
            address,
            port,
            limit=ratelimit.Limit("whois", settings.WHOIS_RATE).hit,
            idle_timeout=settings.WHOIS_IDLE_TIMEOUT,
            release=query.release,
        )
        serve(
            self,
            server,
            started=lambda: (
                f"run_whois: answering on {server.address} port {server.port} "
                f"(at most {settings.WHOIS_RATE} queries per client address)"
            ),
            name="run_whois",
            where=f"{address} port {port}",
        )
