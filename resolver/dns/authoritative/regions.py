"""Where a DNS client is, for latency and geolocation routing.

The network plan maps parts of 127.0.0.0/8 to emulated regions (each with a continent and
a country), so a query sent from one loopback range gets the "eu" answer and one from
another the "us" answer (``dig -b 127.64.0.1 ...``). A client is placed by its EDNS Client
Subnet when the query carries one (RFC 7871), else by its source address. Latency between
regions is a fixed table of round-trip times, as a latency-based router would have measured.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable

from config.network import Region


class Regions:
    """The plan's regions: which one an address is in, and the latency between two."""

    def __init__(self, regions: Iterable[Region] = (), latency: Iterable[tuple[str, str, int]] = ()) -> None:
        self.regions = {region.name: region for region in regions}
        ranges = []
        for region in self.regions.values():
            for network in region.networks:
                net = ipaddress.ip_network(network)
                if net.version == 4:
                    ranges.append((int(net.network_address), int(net.broadcast_address), region))
        ranges.sort(key=lambda r: r[0])
        self._starts = [start for start, _, _ in ranges]
        self._ranges = ranges
        self.latency = {(a, b): ms for a, b, ms in latency}

    def __bool__(self) -> bool:
        return bool(self.regions)

    def of(self, address: str | None) -> Region | None:
        """The region of an IPv4 address, or None for one outside every region."""
        if not address or not self._ranges:
            return None
        try:
            value = int(ipaddress.IPv4Address(address))
        except ValueError:
            return None
        index = bisect.bisect_right(self._starts, value) - 1
        if index >= 0:
            start, end, region = self._ranges[index]
            if start <= value <= end:
                return region
        return None

    def rtt(self, client: Region | None, resource: str) -> int:
        """Milliseconds from a client's region to a resource's; an unknown pair is far."""
        if client is None:
            return 1000
        if client.name == resource:
            return 1
        return self.latency.get((client.name, resource)) or self.latency.get((resource, client.name)) or 1000
