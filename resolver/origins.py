"""The demo origins: small web servers on planned loopback addresses, standing for the
customer's web servers that the demo zone points at (the story's "web server at
192.0.2.44"). Each page names the origin and the Host it was asked for, so a browser or
``curl`` shows which one DNS chose. An origin can be stopped and started
(``manage.py origin stop origin-1``): its port then refuses connections, its health
check fails, and failover moves the demo zone's answers to the other origin.
"""

from __future__ import annotations

import html
import http.server
import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from config import clock
from config.network import Origin
from resolver.models import DemoOrigin

log = logging.getLogger(__name__)


# --- state (database) ---------------------------------------------------------------------------


def seed() -> None:
    """A row per planned origin, running (an existing row keeps its state)."""
    for origin in settings.NETWORK_PLAN.origins:
        DemoOrigin.objects.get_or_create(name=origin.name, defaults={"changed_at": clock.now()})


def set_running(name: str, running: bool) -> DemoOrigin:
    planned = {o.name for o in settings.NETWORK_PLAN.origins}
    if name not in planned:
        raise ValueError(f"no origin {name!r}; the plan has {', '.join(sorted(planned)) or 'none'}")
    origin, _ = DemoOrigin.objects.update_or_create(name=name, defaults={"running": running, "changed_at": clock.now()})
    return origin


def wanted() -> dict[str, bool]:
    """Which origins should be serving, by name (run_origins polls this)."""
    close_old_connections()
    return dict(DemoOrigin.objects.values_list("name", "running"))


# --- the servers (no database) ------------------------------------------------------------------


def page(origin: Origin, host: str) -> bytes:
    name, asked = html.escape(origin.name), html.escape(host or "(none)")
    return (
        f"<!doctype html>\n<html lang=en><meta charset=utf-8><title>{name}</title>\n"
        f"<h1>{name}</h1>\n<p>This page comes from {name} at {origin.address} port {origin.port}.</p>\n"
        f"<p>You asked for Host: <strong>{asked}</strong></p>\n</html>\n"
    ).encode()


class OriginServer:
    """One origin's HTTP server, started and stopped on demand."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def running(self) -> bool:
        return self.server is not None

    def start(self) -> None:
        origin = self.origin

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = f"namesmith-{origin.name}"

            def do_GET(self) -> None:  # the stdlib's name
                body = page(origin, self.headers.get("Host", ""))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Origin", origin.name)
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:  # the stdlib's name
                self.send_response(200)
                self.send_header("X-Origin", origin.name)
                self.end_headers()

            def log_message(self, format: str, *args) -> None:
                log.debug("%s: " + format, origin.name, *args)

        self.server = http.server.ThreadingHTTPServer((origin.address, origin.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name=origin.name, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def follow(self, running: bool) -> str | None:
        """Start or stop to match ``running``; what was done, if anything."""
        if running and not self.running:
            self.start()
            return "started"
        if not running and self.running:
            self.stop()
            return "stopped"
        return None
