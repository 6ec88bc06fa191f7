from django.conf import settings
from django.core.management.base import BaseCommand

from config.daemons import serve
from resolver.dns.recursive.iterative import Resolver
from resolver.dns.recursive.recursor import Recursor, ResolverServer


def make_recursor() -> Recursor:
    """A resolver that starts from the plan's root servers and asks from its own address."""
    plan = settings.NETWORK_PLAN
    resolver = Resolver(
        [(server.name, server.address) for server in plan.root_servers],
        port=plan.dns_port,
        source=plan.resolver.address,
    )
    return Recursor(resolver, payload=settings.DNS_UDP_PAYLOAD, allow=tuple(settings.RESOLVER_ALLOW))


class Command(BaseCommand):
    help = "Run the recursive resolver on the plan's resolver address (UDP and TCP), resolving from the emulated root."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, help="DNS port to listen on (default: the plan's)")
        parser.add_argument("--control-port", type=int, help="control channel port (default: RESOLVER_CONTROL_PORT)")
        parser.add_argument("--reuse-port", action="store_true", help="bind with SO_REUSEPORT")

    def handle(self, *args, **options) -> None:
        plan = settings.NETWORK_PLAN
        server = ResolverServer(
            make_recursor(),
            plan.resolver.address,
            options["port"] or plan.resolver.port,
            options["control_port"] or settings.RESOLVER_CONTROL_PORT,
            idle_timeout=settings.DNS_TCP_IDLE_TIMEOUT,
            reuse_port=options["reuse_port"],
        )
        roots = ", ".join(s.address for s in plan.root_servers)
        serve(
            self,
            server,
            started=lambda: (
                f"run_resolver: resolving on {server.address} port {server.port} (UDP and TCP) from the roots at "
                f"{roots}; control channel on port {server.control_port}"
            ),
            name="run_resolver",
            where=plan.resolver.address,
        )
