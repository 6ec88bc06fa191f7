"""EPP session state, and the server-wide gate every login passes: a cap on sessions per
registrar and a throttle on failed logins per client address.

Plain Python and no ORM: the server keeps one ``Session`` per connection and one
``SessionGate`` for all of them. Flows run on worker threads, so the gate takes a lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class SessionGate:
    """Counts logged-in sessions per registrar and failed logins per client address.

    ``max_failures`` failed logins from one address within ``window`` seconds block further
    logins from it until the oldest of them is ``window`` old; a successful login clears
    the address's record.
    """

    def __init__(
        self,
        *,
        max_sessions: int,
        max_failures: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_sessions = max_sessions
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, int] = {}
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        horizon = self.clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[address]
        return failures

    def login_blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) >= self.max_failures

    def record_failure(self, address: str) -> bool:
        """Count a failed login; True when the address has now reached the limit."""
        with self._lock:
            failures = self._recent(address)
            failures.append(self.clock())
            self._failures[address] = failures
            return len(failures) >= self.max_failures

    def record_success(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def acquire(self, client_id: str) -> bool:
        """Take a session slot of ``client_id``; False when all are taken."""
        with self._lock:
            held = self._sessions.get(client_id, 0)
            if held >= self.max_sessions:
                return False
            self._sessions[client_id] = held + 1
            return True

    def release(self, client_id: str) -> None:
        with self._lock:
            held = self._sessions.get(client_id, 0) - 1
            if held > 0:
                self._sessions[client_id] = held
            else:
                self._sessions.pop(client_id, None)

    def sessions(self, client_id: str) -> int:
        with self._lock:
            return self._sessions.get(client_id, 0)


@dataclass
class Session:
    """One client connection: who logged in (``client_id``) and which extensions it said
    it understands (``ext_uris``, from <login>). ``peer`` is the client's address."""

    peer: str
    gate: SessionGate
    client_id: str | None = None
    ext_uris: frozenset[str] = field(default_factory=frozenset)

    @property
    def logged_in(self) -> bool:
        return self.client_id is not None

    def log_in(self, client_id: str, ext_uris: frozenset[str]) -> None:
        """Record a login whose session slot the caller has already taken."""
        self.client_id, self.ext_uris = client_id, ext_uris

    def end(self) -> None:
        """Log out and give the session slot back; safe to call more than once."""
        if self.client_id is not None:
            self.gate.release(self.client_id)
        self.client_id, self.ext_uris = None, frozenset()
