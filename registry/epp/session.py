"""EPP session state, and the server-wide gate every login passes: a cap on sessions per
registrar and a throttle on failed logins per client address.

Plain Python and no ORM: the server keeps one ``Session`` per connection and one
``SessionGate`` for all of them. Flows run on worker threads, so the gate takes a lock.
Failed logins are counted by the limiter the command hands in (``config.ratelimit``,
shared by every process), not here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from registry.epp import metrics


class FailureLimit(Protocol):
    """A limit on events per key (``config.ratelimit.Limit``): ``hit`` counts one and
    answers 0 or the seconds until one would be allowed, ``wait`` answers the same without
    counting, ``clear`` forgets the key's events."""

    def hit(self, key: str) -> float: ...

    def wait(self, key: str) -> float: ...

    def clear(self, key: str) -> None: ...


class SessionGate:
    """Counts logged-in sessions per registrar, and failed logins per client address
    through ``failed_logins``.

    Once an address has as many failed logins as ``failed_logins``' rate allows in its
    window, further logins from it are refused until the oldest of them has left the
    window; a successful login clears the address's record.
    """

    def __init__(self, *, max_sessions: int, failed_logins: FailureLimit) -> None:
        self.max_sessions = max_sessions
        self.failed_logins = failed_logins
        self._lock = threading.Lock()
        self._sessions: dict[str, int] = {}

    def login_blocked(self, address: str) -> bool:
        return self.failed_logins.wait(address) > 0

    def record_failure(self, address: str) -> bool:
        """Count a failed login; True when the address has now reached the limit."""
        return self.failed_logins.hit(address) > 0 or self.failed_logins.wait(address) > 0

    def record_success(self, address: str) -> None:
        self.failed_logins.clear(address)

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
        metrics.SESSIONS.inc()

    def end(self) -> None:
        """Log out and give the session slot back; safe to call more than once."""
        if self.client_id is not None:
            self.gate.release(self.client_id)
            metrics.SESSIONS.dec()
        self.client_id, self.ext_uris = None, frozenset()
