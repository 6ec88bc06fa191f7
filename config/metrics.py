"""Where each process of the emulator serves its Prometheus metrics.

The web app serves ``/metrics`` on its own address. Every other process that serves
(run_dns, run_resolver, run_epp, run_whois) and every Celery worker process serves them on
``METRICS_HOST`` at ``METRICS_PORT`` plus a fixed offset per process, so a scrape
configuration written once stays true: ``manage.py endpoints --json`` lists them under
``"metrics"``. ``METRICS_PORT=0`` turns the per-process servers off.

The metrics themselves live beside the code they count, registered in prometheus_client's
default registry; a hot path (a DNS query) counts in plain integers and exports them
through a collector at scrape time instead of calling the client per event.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

log = logging.getLogger(__name__)

# Process name -> offset from METRICS_PORT. Worker process N (worker.N, numbered from 1)
# is at WORKER_OFFSET + N.
OFFSETS = {"dns": 0, "resolver": 1, "epp": 2, "whois": 3}
WORKER_OFFSET = 10

_served: set[str] = set()
_lock = threading.Lock()


def port_of(process: str) -> int | None:
    """The metrics port of ``process`` ("dns", "worker.2", ...), or None when the
    per-process servers are off or the process has none."""
    base: int = settings.METRICS_PORT
    if not base:
        return None
    if process in OFFSETS:
        return base + OFFSETS[process]
    kind, _, number = process.partition(".")
    if kind == "worker":
        return base + WORKER_OFFSET + (int(number) if number.isascii() and number.isdigit() else 1)
    return None


def urls(workers: int) -> dict[str, str]:
    """Process name -> metrics URL for every process ``make run`` starts that serves
    metrics, with ``workers`` worker processes."""
    found = {"web": f"http://{_url_host(settings.WEB_HOST)}:{settings.WEB_PORT}/metrics"}
    for process in [*OFFSETS, *(f"worker.{n}" for n in range(1, workers + 1))]:
        port = port_of(process)
        if port is not None:
            found[process] = f"http://{_url_host(settings.METRICS_HOST)}:{port}/metrics"
    return found


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(process: str) -> int | None:
    """Serve the default registry's metrics for ``process`` from a background thread
    (once per process). A port already taken is logged, not fatal: the process still
    does its real work. Returns the port served, or None."""
    port = port_of(process)
    if port is None:
        return None
    with _lock:
        if process in _served:
            return port
        try:
            start_http_server(port, addr=settings.METRICS_HOST)
        except OSError as exc:
            where = f"{settings.METRICS_HOST} port {port}"
            log.error("metrics for %s not served: cannot listen on %s: %s", process, where, exc)
            return None
        _served.add(process)
    log.info("metrics for %s on http://%s:%d/metrics", process, _url_host(settings.METRICS_HOST), port)
    return port


def multiprocess_dir() -> Path | None:
    """The directory the web app's worker processes share their metrics through, when
    ``PROMETHEUS_MULTIPROC_DIR`` is set (config/gunicorn.py sets it)."""
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


HTTP_REQUESTS = Counter(
    "namesmith_http_requests", "Web requests answered, by view, method and status.", ["view", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "namesmith_http_request_seconds",
    "Time to answer a web request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class RequestMetrics:
    """Counts every web request by the view that answered it (its URL name, such as
    ``rdap:domain`` or ``registry-api:domain-list``; ``aws`` for the AWS APIs, ``none``
    when no route matched) and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else getattr(request, "metrics_view", "none")
        HTTP_REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        HTTP_SECONDS.labels(view).observe(time.perf_counter() - started)
        return response


def exposition(request: HttpRequest) -> HttpResponse:
    """The web app's ``/metrics``: every gunicorn worker's figures added up when they
    share a multiprocess directory, else this process's."""
    if multiprocess_dir() is not None:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
