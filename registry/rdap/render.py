"""RDAP JSON (RFC 9083) for the registry's objects. Pure functions: model rows in, dicts out.

Every object links to itself under ``base`` (the absolute URL of /rdap/). Contacts are
personal data: a registrant shows only its state or province and country, and the fields
left out are listed in a ``redacted`` member (RFC 9537). Auth info is never rendered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from registry import services
from registry.choices import EppStatus, RgpStatus
from registry.errors import InvalidName
from registry.models import Contact, Domain, Host, Registrar
from registry.names import parse_host_name
from registry.services import disclosure

CONFORMANCE = ("rdap_level_0", "redacted")
MEDIA_TYPE = "application/rdap+json"

# RFC 8056 section 2: the RDAP status value of each EPP domain status.
RDAP_STATUS = {
    EppStatus.OK: "active",
    EppStatus.INACTIVE: "inactive",
    EppStatus.CLIENT_DELETE_PROHIBITED: "client delete prohibited",
    EppStatus.CLIENT_HOLD: "client hold",
    EppStatus.CLIENT_RENEW_PROHIBITED: "client renew prohibited",
    EppStatus.CLIENT_TRANSFER_PROHIBITED: "client transfer prohibited",
    EppStatus.CLIENT_UPDATE_PROHIBITED: "client update prohibited",
    EppStatus.SERVER_DELETE_PROHIBITED: "server delete prohibited",
    EppStatus.SERVER_HOLD: "server hold",
    EppStatus.SERVER_RENEW_PROHIBITED: "server renew prohibited",
    EppStatus.SERVER_TRANSFER_PROHIBITED: "server transfer prohibited",
    EppStatus.SERVER_UPDATE_PROHIBITED: "server update prohibited",
    EppStatus.PENDING_CREATE: "pending create",
    EppStatus.PENDING_DELETE: "pending delete",
    EppStatus.PENDING_RENEW: "pending renew",
    EppStatus.PENDING_TRANSFER: "pending transfer",
    EppStatus.PENDING_UPDATE: "pending update",
}

# RFC 8056 section 2: the RDAP status value of each RFC 3915 grace-period status.
RDAP_RGP_STATUS = {
    RgpStatus.ADD_PERIOD: "add period",
    RgpStatus.AUTO_RENEW_PERIOD: "auto renew period",
    RgpStatus.RENEW_PERIOD: "renew period",
    RgpStatus.TRANSFER_PERIOD: "transfer period",
    RgpStatus.REDEMPTION_PERIOD: "redemption period",
    RgpStatus.PENDING_RESTORE: "pending restore",
    RgpStatus.PENDING_DELETE: "pending delete",
}

TERMS_OF_USE = (
    "This is the registration data of the Namesmith registry emulator, served for testing "
    "and teaching. It may be used to look up the registration of a domain name, nameserver or "
    "registrar, and for no other purpose. Contact details of registrants are withheld; reach a "
    "registrant through the sponsoring registrar. Queries are rate limited per client address.",
)
STATUS_CODES_URL = "https://icann.org/epp"


def iso(moment: datetime) -> str:
    """An RFC 3339 UTC timestamp to the second: ``2025-01-31T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(base: str, path: str, *, rel: str = "self", context: str | None = None) -> dict:
    href = base + path
    return {"value": context or href, "rel": rel, "href": href, "type": MEDIA_TYPE}


def _path(kind: str, name: str) -> str:
    return f"{kind}/{quote(name, safe='')}"


def notices(context: str, base: str, *, status_codes: bool = False) -> list[dict]:
    """The terms of use (linking to /rdap/help), and for domains where status codes are explained."""
    items = [
        {
            "title": "Terms of Use",
            "description": list(TERMS_OF_USE),
            "links": [_link(base, "help", rel="terms-of-service", context=context)],
        }
    ]
    if status_codes:
        items.append(
            {
                "title": "Status Codes",
                "description": [f"For more information on domain status codes, please visit {STATUS_CODES_URL}"],
                "links": [{"value": context, "rel": "glossary", "href": STATUS_CODES_URL, "type": "text/html"}],
            }
        )
    return items


def _vcard(*properties: list) -> list:
    return ["vcard", [["version", {}, "text", "4.0"], *properties]]


def _events(*pairs: tuple[str, datetime | None]) -> list[dict]:
    return [{"eventAction": action, "eventDate": iso(moment)} for action, moment in pairs if moment is not None]


def registrar_handle(registrar: Registrar) -> str:
    """A registrar's RDAP handle: its IANA id when it has one, else its client id."""
    return str(registrar.iana_id) if registrar.iana_id is not None else registrar.client_id


def registrar_entity(registrar: Registrar, base: str) -> dict:
    """The registrar as an entity (role registrar), with an abuse contact when it has an address."""
    properties: list[list] = [["fn", {}, "text", registrar.name]]
    if registrar.url:
        properties.append(["url", {}, "uri", registrar.url])
    entity: dict = {
        "objectClassName": "entity",
        "handle": registrar_handle(registrar),
        "roles": ["registrar"],
        "vcardArray": _vcard(*properties),
    }
    if registrar.iana_id is not None:
        entity["publicIds"] = [{"type": "IANA Registrar ID", "identifier": str(registrar.iana_id)}]
    abuse: list[list] = [["fn", {}, "text", f"Abuse contact of {registrar.name}"]]
    if registrar.email:
        abuse.append(["email", {}, "text", registrar.email])
    if registrar.phone:
        abuse.append(["tel", {"type": "voice"}, "uri", f"tel:{registrar.phone}"])
    entity["entities"] = [{"objectClassName": "entity", "roles": ["abuse"], "vcardArray": _vcard(*abuse)}]
    entity["status"] = ["active" if registrar.is_active else "inactive"]
    entity["links"] = [_link(base, _path("entity", entity["handle"]))]
    return entity


# What a registrant entity withholds, as (redacted name, method, JSONPath under the entity).
# The list is the same for every contact, so a response never tells which fields a contact has.
_REDACTIONS = (
    ("Registry Registrant ID", "removal", "handle"),
    ("Registrant Name", "emptyValue", "vcardArray[1][?(@[0]=='fn')][3]"),
    ("Registrant Organization", "removal", "vcardArray[1][?(@[0]=='org')]"),
    ("Registrant Street", "emptyValue", "vcardArray[1][?(@[0]=='adr')][3][2]"),
    ("Registrant City", "emptyValue", "vcardArray[1][?(@[0]=='adr')][3][3]"),
    ("Registrant Postal Code", "emptyValue", "vcardArray[1][?(@[0]=='adr')][3][5]"),
    ("Registrant Phone", "removal", "vcardArray[1][?(@[0]=='tel' && @[1].type=='voice')]"),
    ("Registrant Fax", "removal", "vcardArray[1][?(@[0]=='tel' && @[1].type=='fax')]"),
    ("Registrant Email", "removal", "vcardArray[1][?(@[0]=='email')]"),
)


def redactions(entity_path: str, *, handle_shown: bool) -> list[dict]:
    """The RFC 9537 ``redacted`` member for a registrant entity found at ``entity_path``."""
    items = []
    for name, method, path in _REDACTIONS:
        if path == "handle" and handle_shown:
            continue
        path_key = "prePath" if method == "removal" else "postPath"
        items.append(
            {
                "name": {"type": name},
                path_key: f"{entity_path}.{path}",
                "pathLang": "jsonpath",
                "method": method,
                "reason": {"description": "Server policy: registrant contact details are personal data"},
            }
        )
    return items


def _contact_vcard(contact: Contact) -> list:
    # Only what disclosure.PUBLIC_CONTACT_FIELDS names (state or province, and country);
    # name, street, city and postal code stay as empty values so clients reading
    # positions still find the address.
    public = disclosure.public_contact(contact)
    adr = ["", "", "", "", public["state"], "", ""]
    return _vcard(["fn", {}, "text", ""], ["adr", {"cc": public["country_code"]}, "text", adr])


_WITHHELD = {
    "title": "Redacted contact details",
    "description": [
        "Contact details of registrants are withheld; reach the registrant through the sponsoring registrar."
    ],
}


def registrant_entity(contact: Contact) -> dict:
    """The registrant of a domain, without its handle or any personal detail."""
    return {
        "objectClassName": "entity",
        "roles": ["registrant"],
        "vcardArray": _contact_vcard(contact),
        "remarks": [_WITHHELD],
    }


def contact_entity(contact: Contact, base: str) -> dict:
    """A contact looked up by its handle: the same public details as a registrant, its
    sponsoring registrar, and dates."""
    return {
        "objectClassName": "entity",
        "handle": contact.handle,
        "vcardArray": _contact_vcard(contact),
        "status": ["associated"] if getattr(contact, "linked", False) else ["active"],
        "events": _events(("registration", contact.created_at), ("last changed", contact.updated_at)),
        "entities": [registrar_entity(contact.registrar, base)],
        "remarks": [_WITHHELD],
        "links": [_link(base, _path("entity", contact.handle))],
    }


def _ip_addresses(host: Host) -> dict:
    addresses = [a.address for a in host.addresses.all()]
    found = {"v4": [a for a in addresses if ":" not in a], "v6": [a for a in addresses if ":" in a]}
    return {version: values for version, values in found.items() if values}


def nameserver(host: Host, base: str, *, full: bool = False) -> dict:
    """A nameserver host; ``full`` adds its sponsor, status and dates (the lookup response)."""
    item: dict = {
        "objectClassName": "nameserver",
        "handle": host.roid,
        "ldhName": host.name,
        "unicodeName": _unicode(host.name),
    }
    addresses = _ip_addresses(host)
    if addresses:
        item["ipAddresses"] = addresses
    if full:
        item["status"] = ["associated"] if getattr(host, "linked", False) else ["active"]
        item["events"] = _events(("registration", host.created_at), ("last changed", host.updated_at))
        item["entities"] = [registrar_entity(host.registrar, base)]
    item["links"] = [_link(base, _path("nameserver", host.name))]
    return item


def _unicode(ascii_name: str) -> str:
    # Hosts keep only their ASCII name; domains keep both in the row.
    try:
        return parse_host_name(ascii_name).unicode
    except InvalidName:
        return ascii_name


def domain_statuses(domain: Domain) -> list[str]:
    """RDAP status values of a domain: its EPP statuses, then its grace periods."""
    values = [RDAP_STATUS[EppStatus(status)] for status in domain.epp_statuses()]
    values += [RDAP_RGP_STATUS[RgpStatus(status)] for status in services.rgp_statuses(domain)]
    return list(dict.fromkeys(values))


def domain(row: Domain, base: str, now: datetime, *, port43: str = "") -> dict:
    """A domain object: registrar and registrant, nameservers, DS records, events."""
    entities = [registrar_entity(row.registrar, base)]
    if row.registrant is not None:
        entities.append(registrant_entity(row.registrant))
    ds = [
        {"keyTag": r.key_tag, "algorithm": r.algorithm, "digestType": r.digest_type, "digest": r.digest}
        for r in row.ds_records.all()
    ]
    item: dict = {
        "objectClassName": "domain",
        "handle": row.roid,
        "ldhName": row.name,
        "unicodeName": row.unicode_name,
        "status": domain_statuses(row),
        "events": _events(
            ("registration", row.created_at),
            ("expiration", row.expires_at),
            ("last changed", row.updated_at),
            ("last update of RDAP database", now),
        ),
        "entities": entities,
        "nameservers": [nameserver(host, base) for host in row.nameservers.all()],
        "secureDNS": {"delegationSigned": bool(ds), **({"dsData": ds} if ds else {})},
        "links": [_link(base, _path("domain", row.name))],
    }
    if port43:
        item["port43"] = port43
    if row.registrant is not None:
        item["redacted"] = redactions("$.entities[?(@.roles[0]=='registrant')]", handle_shown=False)
    return item


def response(body: dict, context: str, base: str, *, status_codes: bool = False) -> dict:
    """A top-level response: conformance first, then ``body``, then the notices."""
    return {"rdapConformance": list(CONFORMANCE), **body, "notices": notices(context, base, status_codes=status_codes)}


def domain_search(rows: Iterable[Domain], truncated: bool, context: str, base: str, now: datetime) -> dict:
    """Search results (RFC 9083 section 8), with a notice when more matched than are shown."""
    results = [domain(row, base, now) for row in rows]
    body = response({"domainSearchResults": results}, context, base, status_codes=True)
    if truncated:
        body["notices"].append(
            {
                "title": "Search Policy",
                "type": "result set truncated due to unexplainable reasons",
                "description": [f"Only the first {len(results)} matching domains are shown; narrow the search."],
            }
        )
    return body


def help_body() -> dict:
    """What /rdap/help says besides the terms of use."""
    return {
        "remarks": [
            {
                "title": "Queries",
                "description": [
                    "domain/<name> (Unicode or punycode), nameserver/<name>, entity/<handle> "
                    "(a registrar by IANA id or client id, or a contact by handle), "
                    "domains?name=<prefix>*.<tld>, help.",
                ],
            }
        ]
    }


def error(code: int, title: str, description: str) -> dict:
    """An RDAP error response body (RFC 9083 section 6)."""
    return {"rdapConformance": list(CONFORMANCE), "errorCode": code, "title": title, "description": [description]}
