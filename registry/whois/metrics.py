"""What run_whois exports to Prometheus (served by ``config.metrics``).

Outcomes of a query: ``answered`` (a domain's record), ``not_found`` (no such domain),
``invalid`` (not a domain name: the answer is an error line), ``malformed`` (no query line,
too long, not UTF-8, or none in time), ``rate_limited`` and ``error`` (the answer failed).
"""

from __future__ import annotations

from prometheus_client import Counter

OUTCOMES = ("answered", "not_found", "invalid", "malformed", "rate_limited", "error")

QUERIES = Counter("namesmith_whois_queries", "WHOIS queries by outcome.", ["outcome"])
for _outcome in OUTCOMES:
    QUERIES.labels(_outcome)  # every outcome exported from the start, at 0


def count(outcome: str) -> None:
    QUERIES.labels(outcome).inc()
