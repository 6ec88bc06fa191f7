import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from resolver import origins


class Command(BaseCommand):
    help = "Serve the demo origins of the network plan, starting and stopping each as `origin` says."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--poll", type=float, default=0.5, help="seconds between looks at the wanted states")

    def handle(self, *args, **options) -> None:
        servers = {o.name: origins.OriginServer(o) for o in settings.NETWORK_PLAN.origins}
        stopping = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
        shown = ", ".join(f"{o.name} http://{o.address}:{o.port}/" for o in settings.NETWORK_PLAN.origins)
        self.stdout.write(f"run_origins: {shown}", ending="\n")
        self.stdout.flush()
        try:
            while not stopping.is_set():
                try:
                    wanted = origins.wanted()
                except Exception as exc:  # the database may be away for a moment: keep what runs
                    self.stderr.write(f"run_origins: reading the origins' states failed: {exc}")
                    wanted = {}
                for name, server in servers.items():
                    done = server.follow(wanted.get(name, True))
                    if done:
                        self.stdout.write(f"run_origins: {name} {done}")
                        self.stdout.flush()
                stopping.wait(options["poll"])
        finally:
            for server in servers.values():
                server.stop()
