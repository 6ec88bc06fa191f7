from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from resolver import origins
from resolver.models import DemoOrigin


class Command(BaseCommand):
    help = "Stop, start or list the demo origins (a stopped origin fails its health check: failover)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["stop", "start", "status"])
        parser.add_argument("name", nargs="?", help="origin-1, origin-2, ... (every origin for status)")

    def handle(self, *args, **options) -> None:
        if options["action"] != "status":
            if not options["name"]:
                raise CommandError(f"which origin? origin {options['action']} NAME")
            try:
                origins.set_running(options["name"], options["action"] == "start")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        states = dict(DemoOrigin.objects.values_list("name", "running"))
        for origin in settings.NETWORK_PLAN.origins:
            state = "running" if states.get(origin.name, True) else "stopped"
            self.stdout.write(f"{origin.name}  http://{origin.address}:{origin.port}/  {state}")
