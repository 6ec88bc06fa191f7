"""Route 53 Domains' operations over the registrar: each parses what botocore's model
gives it, calls one registrar service and renders the answer in the model's shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from registrar import services
from registrar.aws import wire
from registrar.aws.wire import translated
from registrar.services import contacts, management, operations
from registry import services as registry
from registry.choices import CheckStatus
from registry.errors import RegistryError

AVAILABILITY = {
    CheckStatus.AVAILABLE: "AVAILABLE",
    CheckStatus.PREMIUM: "AVAILABLE",  # registrable here, at the premium fee
    CheckStatus.UNAVAILABLE: "UNAVAILABLE",
    CheckStatus.RESERVED: "RESERVED",
    CheckStatus.INVALID: "INVALID_NAME_FOR_TLD",
}
GLUE_AFTER_TRANSFER = (
    "GlueIps cannot come with a transfer: the hosts under the domain are its sponsor's; "
    "give them with UpdateDomainNameservers once the transfer has succeeded"
)
TRANSFERABLE = {
    "transferable": "TRANSFERABLE",
    "untransferable": "UNTRANSFERABLE",
    "own_account": "DOMAIN_IN_OWN_ACCOUNT",
    "another_account": "DOMAIN_IN_ANOTHER_ACCOUNT",
}


@translated
def check_domain_availability(call: Call) -> dict[str, Any]:
    return {"Availability": AVAILABILITY[management.name_check(call.params["DomainName"]).status]}


@translated
def check_domain_transferability(call: Call) -> dict[str, Any]:
    verdict, why = management.transferability(
        wire.customer(call), call.params["DomainName"], call.params.get("AuthCode")
    )
    return {"Transferability": {"Transferable": TRANSFERABLE[verdict]}, "Message": why or None}


def get_domain_suggestions(call: Call) -> dict[str, Any]:
    try:
        found = services.search(call.params["DomainName"])
    except RegistryError as exc:
        raise AwsError("InvalidInput", exc.message) from None
    quotes = [q for q in [*found.across, *found.variants] if q.check.ascii]
    if call.params["OnlyAvailable"]:
        quotes = [q for q in quotes if q.check.registrable]
    suggestions = [{"DomainName": q.check.ascii, "Availability": AVAILABILITY[q.check.status]} for q in quotes]
    return {"SuggestionsList": suggestions[: max(call.params["SuggestionCount"], 0)]}


def list_prices(call: Call) -> dict[str, Any]:
    fees = registry.tld_fees()
    tld = call.params.get("Tld")
    if tld is not None:
        tld = tld.lower().lstrip(".")
        if tld not in fees:
            raise AwsError("UnsupportedTLD", f"TLD {tld} is not supported")
        fees = {tld: fees[tld]}
    currency = settings.REGISTRY_CURRENCY

    def price(fee: int) -> dict[str, Any]:
        return {"Price": wire.money(services.quotes.with_margin(fee, 1)), "Currency": currency}

    rows = [
        {
            "Name": name,
            "RegistrationPrice": price(f.create),
            "TransferPrice": price(f.transfer),
            "RenewalPrice": price(f.renew),
            "ChangeOwnershipPrice": {"Price": 0.0, "Currency": currency},
            "RestorationPrice": price(f.restore),
        }
        for name, f in fees.items()
    ]
    chunk, marker = wire.page(rows, call.params.get("Marker"), call.params.get("MaxItems"), 1000)
    return {"Prices": chunk, "NextPageMarker": marker}


@translated
def register_domain(call: Call) -> dict[str, Any]:
    p = call.params
    management.name_check(p["DomainName"])  # an unsupported TLD is said before anything about the contacts
    operation = management.register(
        wire.customer(call),
        p["DomainName"],
        p["DurationInYears"],
        contacts=wire.contacts_in(p),
        privacy=wire.privacy_in(p, wire.PROTECT),
        auto_renew=p.get("AutoRenew", True),
    )
    return {"OperationId": operation}


@translated
def renew_domain(call: Call) -> dict[str, Any]:
    p = call.params
    operation = management.renew(
        wire.customer(call), p["DomainName"], p.get("DurationInYears", 1), p["CurrentExpiryYear"]
    )
    return {"OperationId": operation}


@translated
def transfer_domain(call: Call) -> dict[str, Any]:
    p = call.params
    management.name_check(p["DomainName"])
    if p.get("DurationInYears", 1) != 1:
        raise AwsError("TLDRulesViolation", "A transfer adds one year to the registration; DurationInYears must be 1")
    servers = p.get("Nameservers") or []
    if any(server.get("GlueIps") for server in servers):
        raise AwsError("InvalidInput", GLUE_AFTER_TRANSFER)
    operation = management.transfer_in(
        wire.customer(call),
        p["DomainName"],
        p.get("AuthCode", ""),
        contacts=wire.contacts_in(p),
        privacy=wire.privacy_in(p, wire.PROTECT),
        auto_renew=p.get("AutoRenew", True),
        nameservers=[server["Name"] for server in servers],
    )
    return {"OperationId": operation}


def _operation(view: operations.OperationView) -> dict[str, Any]:
    return {
        "OperationId": view.id,
        "Status": view.status,
        "Type": view.kind,
        "DomainName": view.domain,
        "Message": view.message or None,
        "SubmittedDate": view.submitted_at,
        "LastUpdatedDate": view.updated_at,
    }


def get_operation_detail(call: Call) -> dict[str, Any]:
    view = operations.operation_detail(wire.customer(call), call.params["OperationId"])
    if view is None:
        raise AwsError("InvalidInput", f"No operation found with operationId: {call.params['OperationId']}")
    return _operation(view)


def list_operations(call: Call) -> dict[str, Any]:
    p = call.params
    views = operations.list_operations(
        wire.customer(call),
        since=p.get("SubmittedSince"),
        statuses=p.get("Status") or (),
        kinds=p.get("Type") or (),
        newest_first=p.get("SortOrder", "DESC") == "DESC",
    )
    chunk, marker = wire.page(views, p.get("Marker"), p.get("MaxItems"), 20)
    return {"Operations": [_operation(view) for view in chunk], "NextPageMarker": marker}


@translated
def get_domain_detail(call: Call) -> dict[str, Any]:
    customer = wire.customer(call)
    domain = management.held(customer, call.params["DomainName"])
    try:
        info = registry.info_domain(domain.name, registrar=registry.get_registrar(settings.REGISTRAR_CLIENT_ID))
    except RegistryError:
        info = None
    kept = contacts.of_domain(customer, domain.contacts)
    detail: dict[str, Any] = {
        "DomainName": domain.name,
        "AutoRenew": domain.auto_renew,
        "RegistrarName": "Namesmith",
        "RegistrarUrl": call.endpoint,
        "WhoIsServer": settings.NETWORK_PLAN.whois.address,
        "AbuseContactEmail": "abuse@namesmith.localhost",
        "AbuseContactPhone": "+1.5555550100",
        "ExpirationDate": domain.expires_at,
        "CreationDate": domain.created_at,
        "DnsSec": "DISABLED",
    }
    for key, role in wire.ROLES.items():
        detail[key] = wire.contact_out(kept[role])
    for key, role in wire.PRIVACY.items():
        detail[key] = domain.privacy.get(role, True)
    if info is not None:
        detail |= {
            "Nameservers": [_nameserver(name, info.hosts) for name in info.nameservers],
            "RegistryDomainId": info.roid,
            "CreationDate": info.created_at,
            "UpdatedDate": info.updated_at,
            "ExpirationDate": info.expires_at,
            "StatusList": info.statuses + info.rgp_statuses,
            "DnsSec": "ENABLED" if info.ds else "DISABLED",
            "DnssecKeys": [_ds(row) for row in info.ds] or None,
        }
    return detail


def _nameserver(name: str, subordinate: list[str]) -> dict[str, Any]:
    """A nameserver as GetDomainDetail gives it: with its glue when it is under the domain."""
    if name not in subordinate:
        return {"Name": name}
    try:
        return {"Name": name, "GlueIps": registry.info_host(name).addresses or None}
    except RegistryError:
        return {"Name": name}


def _ds(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "KeyTag": row.get("key_tag"),
        "Algorithm": row.get("algorithm"),
        "DigestType": row.get("digest_type"),
        "Digest": row.get("digest"),
        "Id": f"{row.get('key_tag')}-{row.get('algorithm')}-{row.get('digest_type')}",
    }


def list_domains(call: Call) -> dict[str, Any]:
    p = call.params
    conditions = [_condition(condition) for condition in p.get("FilterConditions") or ()]
    sort = p.get("SortCondition") or {"Name": "DomainName", "SortOrder": "ASC"}
    if p.get("SortCondition") and conditions and {name for name, _ in conditions} != {sort["Name"]}:
        raise AwsError("InvalidInput", "The sort condition must name the attribute the filter conditions name")
    field = "expires_at" if sort["Name"] == "Expiry" else "name"
    rows = wire.customer(call).domains.filter(released_at=None)
    for _, where in conditions:
        rows = rows.filter(where)
    rows = rows.order_by(f"-{field}" if sort["SortOrder"] == "DESC" else field, "pk")
    chunk, marker = wire.page(rows, p.get("Marker"), p.get("MaxItems"), 20)
    locked = registry.carrying_status([d.name for d in chunk], "clientTransferProhibited")
    found = [
        {"DomainName": d.name, "AutoRenew": d.auto_renew, "TransferLock": d.name in locked, "Expiry": d.expires_at}
        for d in chunk
    ]
    return {"Domains": found, "NextPageMarker": marker}


def _condition(condition: dict[str, Any]) -> tuple[str, Q]:
    """A ListDomains filter condition checked: (the attribute it names, the rows it keeps)."""
    name, operator, value = condition["Name"], condition["Operator"], condition["Values"][0]
    if name == "DomainName":
        if operator != "BEGINS_WITH":
            raise AwsError("InvalidInput", "DomainName is filtered with BEGINS_WITH")
        return name, Q(name__startswith=value.lower())
    if operator == "BEGINS_WITH":
        raise AwsError("InvalidInput", "Expiry is filtered with LE or GE")
    try:
        moment = dt.datetime.fromtimestamp(float(value), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise AwsError("InvalidInput", f"Expiry {value!r} is not a time in seconds since the epoch") from None
    return name, Q(expires_at__lte=moment) if operator == "LE" else Q(expires_at__gte=moment)


@translated
def update_domain_nameservers(call: Call) -> dict[str, Any]:
    servers = call.params["Nameservers"]
    names = [server["Name"] for server in servers]
    glue = {server["Name"]: server["GlueIps"] for server in servers if server.get("GlueIps")}
    operation = management.update_nameservers(wire.customer(call), call.params["DomainName"], names, glue)
    return {"OperationId": operation}


@translated
def update_domain_contact(call: Call) -> dict[str, Any]:
    changed = wire.contacts_in(call.params)
    return {"OperationId": management.update_contacts(wire.customer(call), call.params["DomainName"], changed)}


@translated
def update_domain_contact_privacy(call: Call) -> dict[str, Any]:
    privacy = wire.privacy_in(call.params, wire.PRIVACY)
    return {"OperationId": management.set_privacy(wire.customer(call), call.params["DomainName"], privacy)}


@translated
def enable_domain_auto_renew(call: Call) -> dict[str, Any]:
    management.set_auto_renew(wire.customer(call), call.params["DomainName"], True)
    return {}


@translated
def disable_domain_auto_renew(call: Call) -> dict[str, Any]:
    management.set_auto_renew(wire.customer(call), call.params["DomainName"], False)
    return {}


@translated
def enable_domain_transfer_lock(call: Call) -> dict[str, Any]:
    return {"OperationId": management.set_transfer_lock(wire.customer(call), call.params["DomainName"], True)}


@translated
def disable_domain_transfer_lock(call: Call) -> dict[str, Any]:
    return {"OperationId": management.set_transfer_lock(wire.customer(call), call.params["DomainName"], False)}


@translated
def retrieve_domain_auth_code(call: Call) -> dict[str, Any]:
    return {"AuthCode": management.auth_code(wire.customer(call), call.params["DomainName"])}


@translated
def delete_domain(call: Call) -> dict[str, Any]:
    return {"OperationId": management.delete(wire.customer(call), call.params["DomainName"])}


def view_billing(call: Call) -> dict[str, Any]:
    p = call.params
    records = management.billing(wire.customer(call), p.get("Start"), p.get("End"))
    chunk, marker = wire.page(records, p.get("Marker"), p.get("MaxItems"), 20)
    rows = [
        {
            "DomainName": r.domain,
            "Operation": r.kind,
            "InvoiceId": r.invoice,
            "BillDate": r.billed_at,
            "Price": wire.money(r.amount),
        }
        for r in chunk
    ]
    return {"BillingRecords": rows, "NextPageMarker": marker}


@translated
def list_tags_for_domain(call: Call) -> dict[str, Any]:
    pairs = management.tags(wire.customer(call), call.params["DomainName"])
    return {"TagList": [{"Key": key, "Value": value} for key, value in pairs]}


@translated
def update_tags_for_domain(call: Call) -> dict[str, Any]:
    pairs = [(tag["Key"], tag.get("Value", "")) for tag in call.params.get("TagsToUpdate") or ()]
    if any(not key for key, _ in pairs):
        raise AwsError("InvalidInput", "Every tag needs a Key")
    management.set_tags(wire.customer(call), call.params["DomainName"], pairs)
    return {}


@translated
def delete_tags_for_domain(call: Call) -> dict[str, Any]:
    management.delete_tags(wire.customer(call), call.params["DomainName"], call.params["TagsToDelete"])
    return {}


def dnssec_not_yet(call: Call) -> dict[str, Any]:
    raise AwsError(
        "UnsupportedTLD",
        f"{call.operation}: the TLDs here are not signed yet, so they take no DS records (DNSSEC is to come)",
    )
