"""Result types the registry services return: plain frozen dataclasses, no ORM rows, so
every entry point renders the same data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from registry.choices import CheckStatus
from registry.models import Host
from registry.services.validation import address_order

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class HostDetails(TypedDict):
    """What ``with_host_details`` annotates a host with."""

    linked: bool  # named by a live domain


@dataclass(frozen=True)
class NameCheck:
    """The answer to ``check`` for one name."""

    name: str  # as asked
    status: CheckStatus
    ascii: str | None = None
    unicode: str | None = None
    reason: str = ""
    # Per-year fees for this name when it can be registered (premium or standard).
    create_fee: int | None = None
    renew_fee: int | None = None
    transfer_fee: int | None = None
    restore_fee: int | None = None  # once per restore, not per year
    min_years: int | None = None
    max_years: int | None = None

    @property
    def registrable(self) -> bool:
        return self.status in (CheckStatus.AVAILABLE, CheckStatus.PREMIUM)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"status": self.status.value}


@dataclass(frozen=True)
class OperationResult:
    """What a transform returns: the transaction ids and the data of the response.

    ``replayed`` is true when the client transaction id had been used before and this is
    the first response, returned again without doing anything.
    """

    kind: str
    sv_trid: str
    cl_trid: str | None
    data: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DomainInfo:
    name: str
    unicode_name: str
    roid: str
    registrar: str
    registrant: str | None
    statuses: list[str]
    nameservers: list[str]
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    auth_info: str | None  # only for the sponsoring registrar or one who knows it
    ds: list[dict[str, Any]] = field(default_factory=list)  # secDNS dsData
    hosts: list[str] = field(default_factory=list)  # subordinate hosts
    transfer_status: str | None = None  # trStatus of the latest transfer
    rgp_statuses: list[str] = field(default_factory=list)  # RFC 3915 grace and deletion phases


@dataclass(frozen=True)
class ObjectCheck:
    """The answer to a host or contact check for one identifier."""

    name: str
    available: bool
    reason: str = ""


@dataclass(frozen=True)
class HostInfo:
    name: str
    roid: str
    registrar: str
    addresses: list[str]
    statuses: list[str]
    superordinate: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, host: WithAnnotations[Host, HostDetails]) -> HostInfo:
        """The data of a host read through ``with_host_details`` (a page of them costs two
        queries); ``info_host`` looks one up by name."""
        return cls(
            name=host.name,
            roid=host.roid,
            registrar=host.registrar.client_id,
            addresses=sorted((a.address for a in host.addresses.all()), key=address_order),
            statuses=["linked"] if host.linked else ["ok"],  # annotated by with_host_details
            superordinate=host.superordinate.name if host.superordinate is not None else None,
            created_at=host.created_at,
            updated_at=host.updated_at,
        )


@dataclass(frozen=True)
class ContactInfo:
    handle: str
    roid: str
    registrar: str
    statuses: list[str]
    data: dict[str, Any]
    auth_info: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TransferInfo:
    name: str
    status: str
    gaining: str
    losing: str
    requested_at: datetime
    act_by: datetime
    expires_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PollItem:
    id: int
    kind: str
    object_name: str
    message: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ImportResult:
    """What an import of reserved or premium labels did."""

    created: int
    updated: int
