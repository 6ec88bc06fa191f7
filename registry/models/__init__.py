"""The registry's data: TLDs it runs, accredited registrars and their money, and the
objects of RFC 5730-5733 (domains, hosts, contacts) with their history.

Rules that span several rows live in ``registry.services``; the invariants a single row
must keep are here, as ``clean()`` checks and database constraints. One module per part
(TLDs and their zones, registrars and their accounts, the objects they sponsor),
re-exported here.
"""

from registry.models.objects import (
    Contact,
    DelegationSigner,
    Domain,
    DomainHistory,
    DomainStatus,
    GracePeriod,
    Host,
    HostAddress,
    Transfer,
    contact_handle_validator,
    new_auth_info,
    with_derived_statuses,
)
from registry.models.registrars import (
    ApiOperation,
    AppendOnlyQuerySet,
    LedgerEntry,
    Operation,
    PollMessage,
    Registrar,
    RegistrarToken,
    client_id_validator,
)
from registry.models.tlds import (
    MAX_PERIOD_YEARS,
    MIN_PERIOD_YEARS,
    PremiumName,
    ReservedName,
    Tld,
    TldNameserver,
    ZonePendingName,
    ZonePublication,
)

__all__ = [
    "MAX_PERIOD_YEARS",
    "MIN_PERIOD_YEARS",
    "ApiOperation",
    "AppendOnlyQuerySet",
    "Contact",
    "DelegationSigner",
    "Domain",
    "DomainHistory",
    "DomainStatus",
    "GracePeriod",
    "Host",
    "HostAddress",
    "LedgerEntry",
    "Operation",
    "PollMessage",
    "PremiumName",
    "Registrar",
    "RegistrarToken",
    "ReservedName",
    "Tld",
    "TldNameserver",
    "Transfer",
    "ZonePendingName",
    "ZonePublication",
    "client_id_validator",
    "contact_handle_validator",
    "new_auth_info",
    "with_derived_statuses",
]
