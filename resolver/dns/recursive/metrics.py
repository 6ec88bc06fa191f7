"""The ``namesmith_resolver_*`` metrics: what every running ResolverServer counted (its
``Tally``s and counters, see resolver.dns.recursive.recursor), read when scraped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.dns.metrics import (
    Labels,
    LiveCollector,
    Tally,
    add,
    answers_family,
    counter_family,
    gauge_family,
    latency_family,
)

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from resolver.dns.recursive.recursor import ResolverServer


class ResolverCollector(LiveCollector["ResolverServer"]):
    """The ``namesmith_resolver_*`` metrics of every running ResolverServer, by its address;
    ``max_pending`` is the cap on queries being resolved, named in a help text."""

    def __init__(self, max_pending: int) -> None:
        super().__init__()
        self.max_pending = max_pending

    def families(self, servers: list[ResolverServer]) -> list[Metric]:
        tallies: dict[Labels, list[Tally]] = {}
        hits: dict[Labels, float] = {}
        misses: dict[Labels, float] = {}
        upstream: dict[Labels, float] = {}
        dropped: dict[Labels, float] = {}
        entries: dict[Labels, float] = {}
        rendered: dict[Labels, float] = {}
        pending: dict[Labels, float] = {}
        for server in servers:
            recursor, resolver, address = server.recursor, server.recursor.resolver, server.address
            tallies.setdefault((address, "udp"), []).extend([recursor.rendered_tally, recursor.tallies["udp"]])
            tallies.setdefault((address, "tcp"), []).append(recursor.tallies["tcp"])
            counters = recursor.counters
            add(hits, (address, "rendered"), counters["rendered hits"])
            add(hits, (address, "records"), counters["cache hits"])
            add(misses, (address,), counters["cache misses"])
            add(upstream, (address, "udp"), resolver.sent)
            add(upstream, (address, "tcp"), resolver.sent_tcp)
            add(dropped, (address,), counters["dropped"])
            add(entries, (address,), len(resolver.cache))
            add(rendered, (address,), len(recursor.rendered))
            add(pending, (address,), recursor.pending)
        return [
            answers_family(
                "namesmith_resolver_queries",
                "Queries answered, by listener address, transport, qtype and rcode.",
                tallies,
            ),
            latency_family(
                "namesmith_resolver_answer_seconds",
                "Seconds from taking a query off the socket to handing its answer to the kernel"
                " (rendered answers over UDP in batches: each batch's time, for every answer in it).",
                tallies,
            ),
            counter_family(
                "namesmith_resolver_cache_hits",
                "Queries answered without asking an authority: from rendered answers (layer=rendered)"
                " or from the records cached (layer=records).",
                ["listener", "layer"],
                hits,
            ),
            counter_family(
                "namesmith_resolver_cache_misses",
                "Queries whose answer needed an authority asked (or waited for one being asked).",
                ["listener"],
                misses,
            ),
            counter_family(
                "namesmith_resolver_upstream_queries",
                "Queries sent to authoritative servers, by transport (tcp: asked again after a truncated answer).",
                ["listener", "transport"],
                upstream,
            ),
            counter_family(
                "namesmith_resolver_dropped",
                f"Queries dropped with {self.max_pending} already being resolved.",
                ["listener"],
                dropped,
            ),
            gauge_family(
                "namesmith_resolver_cache_entries", "Record sets and negative answers cached.", ["listener"], entries
            ),
            gauge_family(
                "namesmith_resolver_rendered_answers",
                "Rendered answers kept for the UDP thread.",
                ["listener"],
                rendered,
            ),
            gauge_family("namesmith_resolver_pending", "Client queries being resolved.", ["listener"], pending),
        ]
