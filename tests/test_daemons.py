"""How a daemon's command reports a socket it cannot bind."""

import errno

import pytest
from django.core.management.base import BaseCommand, CommandError

from config.daemons import serve


class Unbindable:
    def __init__(self, error: int) -> None:
        self.error = error

    async def start(self) -> None:
        raise OSError(self.error, "Cannot assign requested address")

    async def run(self) -> None:  # never reached
        raise AssertionError


def test_an_address_not_on_this_host_is_named_as_such():
    with pytest.raises(CommandError, match=r"cannot listen on 192.0.2.10 port 53: .*not on this host"):
        serve(BaseCommand(), Unbindable(errno.EADDRNOTAVAIL), started=str, name="run_dns", where="192.0.2.10 port 53")


def test_a_port_in_use_says_only_that():
    with pytest.raises(CommandError) as raised:
        serve(BaseCommand(), Unbindable(errno.EADDRINUSE), started=str, name="run_dns", where="port 53")
    assert "not on this host" not in str(raised.value)
