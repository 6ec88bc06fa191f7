"""Who holds a domain name, for the rental service's rule that only a name's holder makes
its hosted zone.

The registrar's records say who holds what, but the resolver app never imports the
registrar (``docs/architecture.md``): the registrar registers a lookup here when it
starts (its ``AppConfig.ready``), as apps register the clock's sweeps. With none
registered nobody holds anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# (account, names) -> whether the account holds any of the names (ASCII, no final dot).
HolderLookup = Callable[[Any, Sequence[str]], bool]

_lookups: list[HolderLookup] = []


def register(lookup: HolderLookup) -> None:
    if lookup not in _lookups:
        _lookups.append(lookup)


def holds_any(owner: Any, names: Sequence[str]) -> bool:
    return any(lookup(owner, names) for lookup in _lookups)
