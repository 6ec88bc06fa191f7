"""Prometheus metrics of the DNS servers (run_dns, run_resolver), without the client per query.

A query is counted in plain Python where it is answered: a ``Tally`` per listener and
transport holds answers by an int key (the query type and the reply's rcode, see
``answer_key``) in a dict, and answer latency in a list of bucket counts. Calling
prometheus_client per query would cost the authoritative server a large part of its
speed. A ``LiveCollector`` turns the tallies of every live server into metric families
when the default registry is scraped (``config.metrics`` serves it), summed by label
values so that two servers of one process never give one series twice. It is
registered while at least one server is watched, so tests may start and stop servers
one after the other in one process.

Each tally is written by one thread only (a UDP listener's own thread, or the event
loop) and read by the scraping thread: a reading may be one batch behind, never torn.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import dns.rcode
import dns.rdatatype
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

# Upper bounds (seconds) of the answer latency buckets: a cached authoritative answer
# takes tens of microseconds, a cold recursive resolution up to the resolver's 3 s budget.
LATENCY_BOUNDS: tuple[float, ...] = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
_BUCKET_LABELS = [repr(bound) for bound in LATENCY_BOUNDS] + ["+Inf"]

# Label values, by the values a listener counts.
Labels = tuple[str, ...]


class Tally:
    """What one listener counted over one transport on one thread: answers sent by
    ``answer_key``, and how long they took, as counts per latency bucket and their sum."""

    __slots__ = ("answers", "buckets", "seconds")

    def __init__(self) -> None:
        self.answers: dict[int, int] = {}
        self.buckets = [0] * (len(LATENCY_BOUNDS) + 1)  # the last: above every bound
        self.seconds = 0.0

    def observe(self, seconds: float, count: int = 1) -> None:
        """``count`` answers that each took ``seconds`` (a batch sent together)."""
        self.buckets[bisect.bisect_left(LATENCY_BOUNDS, seconds)] += count
        self.seconds += seconds * count

    def count(self, reply: bytes) -> None:
        """One answer, its key read from its bytes (for paths slower than this parse)."""
        key = answer_key(reply)
        self.answers[key] = self.answers.get(key, 0) + 1


def answer_key(reply: bytes) -> int:
    """The key an answer is counted by: its question's type shifted left by 8, or'ed with
    its header's fourth byte (whose low 4 bits are the rcode; the rest are flags, masked
    off when exported). Type 0 for a reply without a question (a bare error reply)."""
    if len(reply) < 12:
        return 0
    flags = reply[3]
    if not (reply[4] or reply[5]):
        return flags
    pos = 12
    try:
        while length := reply[pos]:
            if length >= 0xC0:  # a compression pointer ends the name; never first in a message
                pos += 1
                break
            pos += length + 1
        return (reply[pos + 1] << 8 | reply[pos + 2]) << 8 | flags
    except IndexError:
        return flags


_TYPE_NAMES = {int(t): dns.rdatatype.to_text(t) for t in dns.rdatatype.RdataType}


def type_label(qtype: int) -> str:
    """A query type's name; OTHER for a number no type has, so that a client sending
    random types cannot make a series of each."""
    return _TYPE_NAMES.get(qtype, "OTHER")


# The header's 4 bits of rcode (an extended rcode such as BADVERS shows as its low bits).
_RCODE_NAMES = [dns.rcode.to_text(dns.rcode.Rcode.make(value)) for value in range(16)]


# --- turning tallies into metric families --------------------------------------------------------


def answers_family(name: str, documentation: str, tallies: dict[Labels, list[Tally]]) -> CounterMetricFamily:
    """A counter of answers by (listener, transport) -> tallies, with qtype and rcode added."""
    totals: dict[Labels, float] = {}
    for labels, group in tallies.items():
        for tally in group:
            for key, n in tally.answers.copy().items():
                full = (*labels, type_label(key >> 8), _RCODE_NAMES[key & 0x0F])
                totals[full] = totals.get(full, 0) + n
    return counter_family(name, documentation, ["listener", "transport", "qtype", "rcode"], totals)


def latency_family(name: str, documentation: str, tallies: dict[Labels, list[Tally]]) -> HistogramMetricFamily:
    """A histogram of answer latency by (listener, transport) -> tallies."""
    family = HistogramMetricFamily(name, documentation, labels=["listener", "transport"])
    for labels, group in sorted(tallies.items()):
        counts = [0] * (len(LATENCY_BOUNDS) + 1)
        seconds = 0.0
        for tally in group:
            seconds += tally.seconds
            for i, n in enumerate(tally.buckets.copy()):
                counts[i] += n
        cumulative, buckets = 0, []
        for bound, n in zip(_BUCKET_LABELS, counts, strict=True):
            cumulative += n
            buckets.append((bound, float(cumulative)))
        family.add_metric(list(labels), buckets, seconds)
    return family


def counter_family(
    name: str, documentation: str, labels: Sequence[str], values: dict[Labels, float]
) -> CounterMetricFamily:
    return _filled(CounterMetricFamily(name, documentation, labels=labels), values)


def gauge_family(
    name: str, documentation: str, labels: Sequence[str], values: dict[Labels, float]
) -> GaugeMetricFamily:
    return _filled(GaugeMetricFamily(name, documentation, labels=labels), values)


_Family = TypeVar("_Family", CounterMetricFamily, GaugeMetricFamily)


def _filled(family: _Family, values: dict[Labels, float]) -> _Family:
    for label_values, value in sorted(values.items()):
        family.add_metric(list(label_values), value)
    return family


def add(values: dict[Labels, float], labels: Labels, value: float) -> None:
    """Sum ``value`` into ``values`` under ``labels`` (several servers may share them)."""
    values[labels] = values.get(labels, 0) + value


# --- the collector ---------------------------------------------------------------------------------

Server = TypeVar("Server")


class LiveCollector(Generic[Server]):
    """The metrics of every live server of one kind, in ``registry`` while any is watched.

    Subclasses say what the families are in ``families``; given no servers, it gives
    them empty, which is how the registry learns their names."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.servers: weakref.WeakSet[Server] = weakref.WeakSet()  # a server never closed still goes
        self.lock = threading.Lock()
        self.registered = False

    def watch(self, server: Server) -> None:
        with self.lock:
            self.servers.add(server)
            if not self.registered:
                self.registry.register(self)
                self.registered = True

    def unwatch(self, server: Server) -> None:
        with self.lock:
            self.servers.discard(server)
            if self.registered and not self.servers:
                self.registry.unregister(self)
                self.registered = False

    def describe(self) -> Iterable[Metric]:
        return self.families([])

    def collect(self) -> Iterable[Metric]:
        with self.lock:
            servers = list(self.servers)
        return self.families(servers)

    def families(self, servers: list[Server]) -> list[Metric]:
        raise NotImplementedError
