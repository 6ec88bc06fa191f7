"""How a daemon's management command (run_dns, run_resolver, run_epp, run_whois) runs it:
start, say where it listens, serve until SIGTERM or SIGINT, say it stopped."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from config.serving import Daemon, run_loop


def serve(command: BaseCommand, daemon: Daemon, *, started: Callable[[], str], name: str, where: str) -> None:
    """Start ``daemon``, print ``started()`` once it listens, serve until a stop signal,
    then print that it stopped. A socket that cannot be bound is a CommandError naming
    ``where``."""

    async def main() -> None:
        await daemon.start()
        command.stdout.write(started())
        command.stdout.flush()
        await daemon.run()
        command.stdout.write(f"{name}: stopped")

    try:
        run_loop(main())
    except OSError as exc:
        raise CommandError(f"cannot listen on {where}: {exc}") from None
