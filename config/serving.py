"""What every network daemon of the emulator shares: the event loop it runs on, how
SIGTERM and SIGINT stop it, and how its management command starts it and reports.

A daemon (run_dns, run_resolver, run_epp, run_whois) is an object with ``async start()``
(bind its sockets) and ``async run()`` (serve until its ``stopping`` event is set, then
drain and close); ``config.daemons.serve`` runs one from its management command. Nothing
here imports Django: the protocol servers that use it hold no ORM code.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Daemon(Protocol):
    async def start(self) -> None: ...

    async def run(self) -> None: ...


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run a daemon's main coroutine on uvloop when it is installed (a speed-up, not a
    requirement), else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def stop_on_signals(stopping: asyncio.Event) -> None:
    """Set ``stopping`` on SIGTERM (what a Procfile runner or a service manager sends) or
    SIGINT (Ctrl-C), so the daemon drains instead of dying mid-answer."""
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)


async def run_until_stopped(
    stopping: asyncio.Event, close: Callable[[], Coroutine[Any, Any, None]], *, signals: bool
) -> None:
    """Wait for ``stopping`` (set by a signal when ``signals``), then ``close``."""
    if signals:
        stop_on_signals(stopping)
    await stopping.wait()
    await close()
