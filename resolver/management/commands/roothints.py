from django.conf import settings
from django.core.management.base import BaseCommand

HINTS_TTL = 3600000


def root_hints() -> str:
    """The plan's root servers in the form of IANA's named.root file."""
    plan = settings.NETWORK_PLAN
    lines = [
        "; Root hints of the Namesmith emulator: its root servers on loopback addresses.",
        f'; Point a resolver here (Unbound: root-hints, BIND: zone "." {{ type hint; }}); DNS port {plan.dns_port}.',
        ";",
    ]
    for server in plan.root_servers:
        lines.append(f"{'.':<28}{HINTS_TTL:<10}IN  NS    {server.name}")
        lines.append(f"{server.name:<28}{HINTS_TTL:<10}IN  A     {server.address}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print a root hints file (named.root format) for the emulated root servers."

    def handle(self, *args, **options) -> None:
        self.stdout.write(root_hints(), ending="")
