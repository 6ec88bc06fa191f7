from django.conf import settings
from django.core.management.base import BaseCommand

from config.daemons import serve
from resolver import updates, zonestore
from resolver.dns.authoritative.engine import Engine
from resolver.dns.authoritative.regions import Regions
from resolver.dns.authoritative.server import DnsServer


class Command(BaseCommand):
    help = "Serve every published zone on the root, TLD and rental nameserver addresses of the network plan."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, help="DNS port (default: the plan's, see DNS_PORT)")
        parser.add_argument(
            "--reuse-port", action="store_true", help="bind with SO_REUSEPORT so several run_dns processes share"
        )

    def handle(self, *args, **options) -> None:
        plan = settings.NETWORK_PLAN
        port = options["port"] or plan.dns_port
        listeners = {server.name: server.address for server in plan.dns_servers()}
        engine = Engine(
            payload=settings.DNS_UDP_PAYLOAD,
            transfer_allow=settings.DNS_TRANSFER_ALLOW,
            regions=Regions(plan.regions, plan.latency),
        )
        server = DnsServer(
            engine,
            listeners,
            port,
            read_serials=zonestore.serials,
            read_zone=zonestore.load,
            address_of=plan.address_of,
            poll_every=settings.DNS_POLL_EVERY,
            idle_timeout=settings.DNS_TCP_IDLE_TIMEOUT,
            reuse_port=options["reuse_port"],
            apply_update=updates.apply,
            keyring=updates.keyring,
            read_changes=zonestore.changes,
        )
        # Zones published on other hosts are announced in Redis (NOTIFY reaches only the
        # publisher's own plan); without Redis this starts nothing.
        zonestore.watch(server.changed_elsewhere)
        addresses = len(set(listeners.values()))
        serve(
            self,
            server,
            started=lambda: (
                f"run_dns: serving {len(server.serials)} zones on {addresses} addresses, port {port} (UDP and TCP)"
            ),
            name="run_dns",
            where=f"port {port}",
        )
