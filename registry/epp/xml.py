"""EPP XML: the hardened parser, the namespaces we serve, readers for command elements
and builders for the greeting and responses.

Frames come from the network, so the parser loads no DTD, expands no entity, reaches no
network and refuses any document type declaration outright: an XXE or billion-laughs
frame is a syntax error (2001) like any other malformed frame. Every parser is per
thread, because lxml parsers must not be shared between threads.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree
from lxml.builder import ElementMaker

from registry.epp.choices import ResultCode
from registry.epp.errors import (
    CommandSyntaxError,
    ParameterValueRange,
    ParameterValueSyntax,
    RequiredParameterMissing,
    UnimplementedObjectService,
    UnknownCommand,
)

Element = etree._Element

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
CONTACT = "urn:ietf:params:xml:ns:contact-1.0"
SECDNS = "urn:ietf:params:xml:ns:secDNS-1.1"
RGP = "urn:ietf:params:xml:ns:rgp-1.0"
FEE = "urn:ietf:params:xml:ns:epp:fee-1.0"

OBJECT_URIS = (DOMAIN, HOST, CONTACT)
EXTENSION_URIS = (SECDNS, RGP, FEE)

SERVER_ID = "Namesmith Registry"
VERSION = "1.0"
LANGUAGES = ("en",)

# The verbs of RFC 5730 section 2.9; the first group acts on an object of a mapping.
OBJECT_VERBS = frozenset({"check", "create", "delete", "info", "renew", "transfer", "update"})
SESSION_VERBS = frozenset({"login", "logout", "poll"})
MIN_TRID, MAX_TRID = 3, 64  # epp:trIDStringType

E = ElementMaker(namespace=EPP, nsmap={None: EPP})
DOMAIN_E = ElementMaker(namespace=DOMAIN, nsmap={"domain": DOMAIN})
HOST_E = ElementMaker(namespace=HOST, nsmap={"host": HOST})
CONTACT_E = ElementMaker(namespace=CONTACT, nsmap={"contact": CONTACT})
SECDNS_E = ElementMaker(namespace=SECDNS, nsmap={"secDNS": SECDNS})
RGP_E = ElementMaker(namespace=RGP, nsmap={"rgp": RGP})
FEE_E = ElementMaker(namespace=FEE, nsmap={"fee": FEE})


# --- parsing ----------------------------------------------------------------------------------

_local = threading.local()


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=True,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_frame(data: bytes, max_size: int) -> Element:
    """The root element of a frame, or CommandSyntaxError (2001)."""
    if len(data) > max_size:
        raise CommandSyntaxError(f"the frame has {len(data)} bytes; at most {max_size} are accepted")
    if not data.strip():
        raise CommandSyntaxError("the frame is empty")
    # Checked before parsing so libxml2 never reads an internal subset; the check after
    # parsing catches one in an encoding this byte search would miss (UTF-16).
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CommandSyntaxError("document type declarations and entities are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CommandSyntaxError(f"the frame is not well-formed XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise CommandSyntaxError("document type declarations and entities are not allowed")
    return root


@dataclass
class Command:
    """One EPP message from a client, taken apart: ``verb`` is ``hello`` or a command verb;
    ``object_uri`` and ``target`` are the object mapping's namespace and element (None for
    session commands); ``op`` is the transfer or poll operation."""

    verb: str
    element: Element | None = None
    object_uri: str | None = None
    target: Element | None = None
    op: str | None = None
    extensions: list[Element] = field(default_factory=list)
    cl_trid: str | None = None


def local(element: Element) -> str:
    return etree.QName(element).localname


def namespace(element: Element) -> str | None:
    return etree.QName(element).namespace


def cl_trid_of(root: Element) -> str | None:
    """The clTRID of a parsed frame when it has a valid one, to echo even in an error."""
    value = root.findtext(f"{{{EPP}}}command/{{{EPP}}}clTRID")
    value = value.strip() if value is not None else None
    return value if value is not None and MIN_TRID <= len(value) <= MAX_TRID else None


def read_command(root: Element) -> Command:
    """The message in a parsed frame, or the EPP error its shape calls for."""
    if root.tag != f"{{{EPP}}}epp":
        raise CommandSyntaxError("the root element is not <epp> in the EPP namespace")
    children = list(root)
    if len(children) != 1:
        raise CommandSyntaxError("<epp> holds exactly one of <hello> or <command>")
    message = children[0]
    if message.tag == f"{{{EPP}}}hello":
        return Command(verb="hello")
    if message.tag != f"{{{EPP}}}command":
        raise CommandSyntaxError(f"a client sends <hello> or <command>, not <{local(message)}>")

    parts = list(message)
    cl_trid = None
    if parts and parts[-1].tag == f"{{{EPP}}}clTRID":
        cl_trid = (parts.pop().text or "").strip()
        if not MIN_TRID <= len(cl_trid) <= MAX_TRID:
            raise CommandSyntaxError(f"a clTRID is {MIN_TRID} to {MAX_TRID} characters long")
    extensions: list[Element] = []
    if parts and parts[-1].tag == f"{{{EPP}}}extension":
        extensions = list(parts.pop())
    if len(parts) != 1 or namespace(parts[0]) != EPP:
        raise CommandSyntaxError("<command> holds one command, then an optional <extension> and <clTRID>")
    verb_element = parts[0]
    verb = local(verb_element)
    command = Command(verb=verb, element=verb_element, extensions=extensions, cl_trid=cl_trid)
    if verb in SESSION_VERBS:
        command.op = verb_element.get("op")
        return command
    if verb not in OBJECT_VERBS:
        raise UnknownCommand(f"<{verb}> is not an EPP command")
    objects = list(verb_element)
    if len(objects) != 1:
        raise CommandSyntaxError(f"<{verb}> holds exactly one object element")
    target = objects[0]
    uri = namespace(target)
    if uri not in OBJECT_URIS:
        raise UnimplementedObjectService(f"no object service {uri or '(no namespace)'} here")
    if local(target) != verb:
        raise CommandSyntaxError(f"<{verb}> holds <{local(target)}>, not <{verb}> of its object mapping")
    command.object_uri, command.target = uri, target
    command.op = verb_element.get("op") if verb == "transfer" else None
    return command


# --- reading elements -------------------------------------------------------------------------


def child(parent: Element | None, ns: str, tag: str) -> Element | None:
    return None if parent is None else parent.find(f"{{{ns}}}{tag}")


def children(parent: Element | None, ns: str, tag: str) -> list[Element]:
    return [] if parent is None else parent.findall(f"{{{ns}}}{tag}")


def require(parent: Element, ns: str, tag: str) -> Element:
    found = child(parent, ns, tag)
    if found is None:
        raise RequiredParameterMissing(f"<{local(parent)}> needs <{tag}>")
    return found


def text(parent: Element | None, ns: str, tag: str) -> str | None:
    """The stripped text of a child element; None when the element is absent."""
    found = child(parent, ns, tag)
    return None if found is None else (found.text or "").strip()


def require_text(parent: Element, ns: str, tag: str) -> str:
    value = (require(parent, ns, tag).text or "").strip()
    if not value:
        raise RequiredParameterMissing(f"<{tag}> is empty")
    return value


def texts(parent: Element | None, ns: str, tag: str) -> list[str]:
    return [(found.text or "").strip() for found in children(parent, ns, tag)]


def integer(value: str, what: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ParameterValueSyntax(f"{what} {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ParameterValueRange(f"{what} is {low} to {high}; {number} was given")
    return number


def period_years(parent: Element, ns: str, default: int = 1) -> int:
    """A <period unit="y|m"> as whole years (RFC 5731 section 2.5); absent, ``default``."""
    period = child(parent, ns, "period")
    if period is None:
        return default
    value = integer((period.text or "").strip(), "the period", low=1, high=99)
    unit = period.get("unit", "y")
    if unit == "y":
        return value
    if unit == "m":
        if value % 12:
            # Registration runs in whole years here; RFC 5731 lets a server refuse months.
            raise ParameterValueRange(f"a period of {value} months is not a whole number of years")
        return value // 12
    raise ParameterValueSyntax(f"the period unit is 'y' or 'm', not {unit!r}")


def parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterValueSyntax(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


# --- money (RFC 8748 amounts are decimals in the currency's major unit) -------------------------


def fee_text(minor: int) -> str:
    whole, cents = divmod(minor, 100)
    return f"{whole}.{cents:02d}"


def fee_minor(value: str) -> int:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ParameterValueSyntax(f"the fee {value!r} is not a decimal amount") from None
    minor = amount * 100
    if not amount.is_finite() or amount < 0 or minor != minor.to_integral_value():
        raise ParameterValueRange(f"the fee {value} is not a non-negative amount in cents")
    return int(minor)


# --- writing ----------------------------------------------------------------------------------


def epp_datetime(value: datetime | str) -> str:
    """xs:dateTime in UTC with milliseconds, as EPP examples write it."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_sv_trid() -> str:
    """A server transaction id for a response no transform produced (queries, errors)."""
    return f"NSM-{secrets.token_hex(10)}"


def serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)


def greeting(now: datetime) -> bytes:
    """The <greeting> a server sends on connect and in answer to <hello> (RFC 5730 2.4)."""
    menu = E.svcMenu(
        E.version(VERSION),
        *(E.lang(lang) for lang in LANGUAGES),
        *(E.objURI(uri) for uri in OBJECT_URIS),
        E.svcExtension(*(E.extURI(uri) for uri in EXTENSION_URIS)),
    )
    dcp = E.dcp(
        E.access(E.all()),
        E.statement(
            E.purpose(E.admin(), E.prov()),
            E.recipient(E.ours(), E.public()),
            E.retention(E.stated()),
        ),
    )
    return serialize(E.epp(E.greeting(E.svID(SERVER_ID), E.svDate(epp_datetime(now)), menu, dcp)))


@dataclass(frozen=True)
class MessageQueue:
    """<msgQ> of a poll response: the count, and the message shown when there is one."""

    count: int
    id: int | None = None
    queued_at: datetime | None = None
    message: str | None = None


def response(
    code: ResultCode,
    message: str,
    *,
    cl_trid: str | None,
    sv_trid: str,
    res_data: Element | None = None,
    extensions: Iterable[Element] = (),
    msg_q: MessageQueue | None = None,
) -> bytes:
    """A <response> (RFC 5730 section 2.6): result, msgQ, resData, extension, trID."""
    parts = [E.result(E.msg(message), code=str(int(code)))]
    if msg_q is not None:
        queue = E.msgQ(count=str(msg_q.count))
        if msg_q.id is not None:
            queue.set("id", str(msg_q.id))
        if msg_q.queued_at is not None:
            queue.append(E.qDate(epp_datetime(msg_q.queued_at)))
        if msg_q.message is not None:
            queue.append(E.msg(msg_q.message))
        parts.append(queue)
    if res_data is not None:
        parts.append(E.resData(res_data))
    extensions = list(extensions)
    if extensions:
        parts.append(E.extension(*extensions))
    trid = E.trID(E.svTRID(sv_trid))
    if cl_trid is not None:
        trid.insert(0, E.clTRID(cl_trid))
    parts.append(trid)
    return serialize(E.epp(E.response(*parts)))
