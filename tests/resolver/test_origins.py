"""The demo origins: their pages, stopping and starting them, and the `origin` command."""

import http.client
import socket
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from config.network import Origin
from resolver import origins
from resolver.models import DemoOrigin


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(origin: Origin, host: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection(origin.address, origin.port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_an_origin_page_names_the_origin_and_the_host_asked_for():
    origin = Origin("origin-t", "127.0.0.1", free_port())
    server = origins.OriginServer(origin)
    assert server.follow(True) == "started" and server.follow(True) is None
    try:
        status, body = get(origin, "www.example.com")
        assert status == 200 and "<h1>origin-t</h1>" in body and "<strong>www.example.com</strong>" in body
        assert "&lt;b&gt;" in get(origin, "<b>")[1]  # what a client sends is escaped
    finally:
        assert server.follow(False) == "stopped"
    with pytest.raises(ConnectionRefusedError):
        get(origin, "www.example.com")


@pytest.mark.django_db
def test_the_origin_command_stops_and_starts_planned_origins():
    origins.seed()
    name = settings.NETWORK_PLAN.origins[0].name
    out = StringIO()
    call_command("origin", "stop", name, stdout=out)
    assert f"{name}  http://" in out.getvalue() and "stopped" in out.getvalue()
    assert DemoOrigin.objects.get(name=name).running is False
    call_command("origin", "start", name, stdout=StringIO())
    assert DemoOrigin.objects.get(name=name).running
    with pytest.raises(CommandError, match="no origin 'nowhere'"):
        call_command("origin", "stop", "nowhere")
    with pytest.raises(CommandError, match="which origin"):
        call_command("origin", "stop")
