"""Registry services: the one place where registry rules live.

EPP, the REST API, Celery tasks, admin actions and management commands all call these
functions, so their behaviour cannot drift apart. Each transform owns its database
transaction and is all or nothing: when it raises a ``RegistryError`` nothing it did is
kept. Each transform is idempotent on the client transaction id (``cl_trid``): the same
registrar sending the same id again gets the first result back and is charged nothing.

One module per aggregate or concern, each saying in its docstring what it owns; this
package re-exports what callers use, so ``from registry import services`` is the way in.
"""

from registry.models import MAX_PERIOD_YEARS
from registry.services.billing import top_up
from registry.services.contacts import (
    CONTACT_FIELDS,
    check_contacts,
    contact_differs,
    contact_fields,
    create_contact,
    delete_contact,
    info_contact,
    update_contact,
)
from registry.services.credentials import authenticate_epp, change_epp_password
from registry.services.dates import add_years
from registry.services.domains import (
    carrying_status,
    check,
    create_domain,
    delete_domain,
    info_domain,
    renew_domain,
    update_domain,
    update_nameservers,
)
from registry.services.graces import rgp_statuses
from registry.services.hosts import (
    check_hosts,
    create_host,
    delete_host,
    info_host,
    update_host,
    with_host_details,
)
from registry.services.lifecycle import (
    SWEEP_BATCH,
    advance_deletions,
    auto_renew_expired,
    next_auto_renewal,
    next_deletion_step,
)
from registry.services.poll import poll_ack, poll_request
from registry.services.pricing import (
    FREE,
    PERIODIC,
    PRICED,
    Fees,
    RestoreQuote,
    annual_fee,
    fees_for,
    fees_of,
    restore_quote,
    tld_fees,
    tld_names,
)
from registry.services.restore import report_restore, restore_domain
from registry.services.results import (
    ContactInfo,
    DomainInfo,
    HostInfo,
    ImportResult,
    NameCheck,
    ObjectCheck,
    OperationResult,
    PollItem,
    TransferInfo,
)
from registry.services.staff import MAX_IMPORT_ROWS, import_name_list, set_server_status
from registry.services.transfers import (
    approve_due_transfers,
    approve_transfer,
    cancel_transfer,
    next_transfer_decision,
    reject_transfer,
    request_transfer,
    transfer_query,
)
from registry.services.transform import fingerprint, get_registrar
from registry.services.validation import (
    AUTH_INFO_LENGTH,
    MAX_CHECK_NAMES,
    MAX_DS_RECORDS,
    MAX_NAMESERVERS,
    MIN_NAMESERVERS,
    glue_addresses,
    validate_auth_info,
    validate_nameservers,
)

__all__ = [
    "AUTH_INFO_LENGTH",
    "CONTACT_FIELDS",
    "FREE",
    "MAX_CHECK_NAMES",
    "MAX_DS_RECORDS",
    "MAX_IMPORT_ROWS",
    "MAX_NAMESERVERS",
    "MAX_PERIOD_YEARS",
    "MIN_NAMESERVERS",
    "PERIODIC",
    "PRICED",
    "SWEEP_BATCH",
    "ContactInfo",
    "DomainInfo",
    "Fees",
    "HostInfo",
    "ImportResult",
    "NameCheck",
    "ObjectCheck",
    "OperationResult",
    "PollItem",
    "RestoreQuote",
    "TransferInfo",
    "add_years",
    "advance_deletions",
    "annual_fee",
    "approve_due_transfers",
    "approve_transfer",
    "authenticate_epp",
    "auto_renew_expired",
    "cancel_transfer",
    "carrying_status",
    "change_epp_password",
    "check",
    "check_contacts",
    "check_hosts",
    "contact_differs",
    "contact_fields",
    "create_contact",
    "create_domain",
    "create_host",
    "delete_contact",
    "delete_domain",
    "delete_host",
    "fees_for",
    "fees_of",
    "fingerprint",
    "get_registrar",
    "glue_addresses",
    "import_name_list",
    "info_contact",
    "info_domain",
    "info_host",
    "next_auto_renewal",
    "next_deletion_step",
    "next_transfer_decision",
    "poll_ack",
    "poll_request",
    "reject_transfer",
    "renew_domain",
    "report_restore",
    "request_transfer",
    "restore_domain",
    "restore_quote",
    "rgp_statuses",
    "set_server_status",
    "tld_fees",
    "tld_names",
    "top_up",
    "transfer_query",
    "update_contact",
    "update_domain",
    "update_host",
    "update_nameservers",
    "validate_auth_info",
    "validate_nameservers",
    "with_host_details",
]
