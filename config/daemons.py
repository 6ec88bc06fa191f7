"""How a daemon's management command (run_dns, run_resolver, run_epp, run_whois) runs it:
start, say where it listens, serve its metrics, serve until SIGTERM or SIGINT, say it
stopped."""

from __future__ import annotations

import errno
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from config import metrics
from config.serving import Daemon, run_loop


def serve(command: BaseCommand, daemon: Daemon, *, started: Callable[[], str], name: str, where: str) -> None:
    """Start ``daemon``, print ``started()`` once it listens, serve its metrics (as the
    process ``name`` less its ``run_``), serve until a stop signal, then print that it
    stopped. A socket that cannot be bound is a CommandError naming ``where``."""

    async def main() -> None:
        await daemon.start()
        command.stdout.write(started())
        command.stdout.flush()
        metrics.serve(name.removeprefix("run_"))
        await daemon.run()
        command.stdout.write(f"{name}: stopped")

    try:
        run_loop(main())
    except OSError as exc:
        hint = ""
        if exc.errno == errno.EADDRNOTAVAIL:
            hint = (
                " (an address of the network plan that is not on this host; each host runs the"
                " daemons whose addresses it has)"
            )
        raise CommandError(f"cannot listen on {where}: {exc}{hint}") from None
