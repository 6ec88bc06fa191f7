"""``manage.py run_epp``: the registry's EPP server (the Procfile's ``epp`` process).

Parses options, makes sure a TLS certificate is there (self-signed on first run unless
EPP_TLS_CERT names one) and runs ``registry.epp.server.EppServer`` until SIGTERM.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import ratelimit
from config.daemons import serve
from registry.epp import certs
from registry.epp.runner import EppHandler
from registry.epp.server import EppServer
from registry.epp.session import SessionGate


class Command(BaseCommand):
    help = "Run the registry's EPP server (RFC 5730-5734 over TLS) on the plan's EPP address."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--address", help="address to listen on (default: the plan's EPP address)")
        parser.add_argument("--port", type=int, help="TCP port (default: the plan's, 700 or 10700)")
        parser.add_argument("--cert", type=Path, help="TLS certificate, PEM (default: EPP_TLS_CERT)")
        parser.add_argument("--key", type=Path, help="TLS private key, PEM (default: EPP_TLS_KEY)")

    def handle(self, *args, **options) -> None:
        plan = settings.NETWORK_PLAN
        address = options["address"] or plan.epp.address
        port = options["port"] if options["port"] is not None else plan.epp.port
        cert, key = options["cert"] or settings.EPP_TLS_CERT, options["key"] or settings.EPP_TLS_KEY
        self_signed = settings.EPP_TLS_SELF_SIGNED and options["cert"] is None
        try:
            if certs.ensure(cert, key, self_signed=self_signed, hosts=[address, plan.epp.address, "localhost"]):
                self.stdout.write(f"run_epp: made a self-signed certificate {cert}")
            context = certs.server_context(cert, key)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot load the TLS certificate {cert} and key {key}: {exc}") from None
        gate = SessionGate(
            max_sessions=settings.EPP_SESSIONS_PER_REGISTRAR,
            failed_logins=ratelimit.Limit(
                "epp-login", ratelimit.per(settings.EPP_LOGIN_FAILURES, settings.EPP_LOGIN_WINDOW)
            ),
        )
        server = EppServer(
            EppHandler(max_frame=settings.EPP_MAX_FRAME),
            address,
            port,
            context,
            gate=gate,
            idle_timeout=settings.EPP_IDLE_TIMEOUT,
            max_frame=settings.EPP_MAX_FRAME,
            workers=settings.EPP_WORKERS,
        )
        serve(
            self,
            server,
            started=lambda: f"run_epp: serving EPP over TLS on {server.address} port {server.port}",
            name="run_epp",
            where=f"{address} port {port}",
        )
