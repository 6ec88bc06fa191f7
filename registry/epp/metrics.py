"""What run_epp exports to Prometheus (served by ``config.metrics``).

``command`` is the session command ("login", "logout", "poll") or the object and verb
("domain:create", "host:info"), "unknown" for a frame that is not a command EPP knows;
``result_code`` the EPP result code of the answer. Both come from closed sets, so the
series stay few whatever clients send.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "namesmith_epp_commands", "EPP commands answered, by command and result code.", ["command", "result_code"]
)
COMMAND_SECONDS = Histogram("namesmith_epp_command_seconds", "Time to answer an EPP command.", ["command"])
SESSIONS = Gauge("namesmith_epp_sessions", "EPP sessions logged in now.")


def count(command: str, result_code: int, seconds: float | None) -> None:
    """Count one answer; ``seconds`` it took, None when it was not timed."""
    COMMANDS.labels(command, str(int(result_code))).inc()
    if seconds is not None:
        COMMAND_SECONDS.labels(command).observe(seconds)
