"""Pieces several flows read or write: auth info, secDNS dsData (RFC 5910), transfer data,
the fee agreement of RFC 8748, nameserver lists and contact details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings

from registry.epp import xml
from registry.epp.errors import (
    ParameterValueRange,
    ParameterValueSyntax,
    RequiredParameterMissing,
    UnimplementedOption,
)
from registry.epp.flows.base import Flow
from registry.epp.xml import CONTACT, CONTACT_E, DOMAIN, DOMAIN_E, FEE, FEE_E, SECDNS, SECDNS_E
from registry.errors import ParameterError

# --- auth info --------------------------------------------------------------------------------


def auth_info(parent: xml.Element | None, ns: str) -> str | None:
    """The password of an <authInfo> child (``<pw>``), or None when there is none. An empty
    <pw/> counts as none: clients send one on create to let the registry choose (RFC 5731
    gives <authInfo> to every create, and pwType allows the empty string)."""
    element = xml.child(parent, ns, "authInfo")
    if element is None:
        return None
    if xml.child(element, ns, "null") is not None:
        raise ParameterError("auth info cannot be removed; give a new password instead")
    pw = xml.child(element, ns, "pw")
    if pw is None:
        raise ParameterError("<authInfo> needs <pw>")
    if pw.get("roid"):
        # A registrant's or contact's password standing in for the domain's (RFC 5731 3.1.2).
        raise UnimplementedOption("auth info of an associated contact (pw roid=...) is not accepted here")
    return pw.text or None


# --- secDNS-1.1 -------------------------------------------------------------------------------


def ds_records(parent: xml.Element | None) -> list[dict]:
    """The <secDNS:dsData> children of ``parent`` as the services' DS rows."""
    rows = []
    for ds in xml.children(parent, SECDNS, "dsData"):
        rows.append(
            {
                "key_tag": xml.integer(xml.require_text(ds, SECDNS, "keyTag"), "keyTag", low=0, high=65535),
                "algorithm": xml.integer(xml.require_text(ds, SECDNS, "alg"), "alg", low=0, high=255),
                "digest_type": xml.integer(xml.require_text(ds, SECDNS, "digestType"), "digestType", low=0, high=255),
                "digest": xml.require_text(ds, SECDNS, "digest"),
            }
        )
    return rows


def refuse_key_data(parent: xml.Element | None) -> None:
    """Only the DS data interface is implemented (RFC 5910 section 4): the key data
    interface and maxSigLife answer 2102."""
    if xml.child(parent, SECDNS, "keyData") is not None:
        raise UnimplementedOption("the secDNS key data interface is not supported; send dsData")
    if xml.child(parent, SECDNS, "maxSigLife") is not None:
        raise UnimplementedOption("secDNS maxSigLife is not supported")


def ds_data(rows: list[dict]) -> list[xml.Element]:
    return [
        SECDNS_E.dsData(
            SECDNS_E.keyTag(str(row["key_tag"])),
            SECDNS_E.alg(str(row["algorithm"])),
            SECDNS_E.digestType(str(row["digest_type"])),
            SECDNS_E.digest(str(row["digest"])),
        )
        for row in rows
    ]


# --- transfers --------------------------------------------------------------------------------


def transfer_data(data: Mapping) -> xml.Element:
    """<domain:trnData> from the services' transfer data (RFC 5731 section 3.2.4)."""
    parts = [
        DOMAIN_E.name(str(data["name"])),
        DOMAIN_E.trStatus(str(data["status"])),
        DOMAIN_E.reID(str(data["gaining"])),
        DOMAIN_E.reDate(xml.epp_datetime(data["requested_at"])),
        DOMAIN_E.acID(str(data["losing"])),
        DOMAIN_E.acDate(xml.epp_datetime(data["act_by"])),
    ]
    expires: datetime | str | None = data.get("expires_at")
    if expires:
        parts.append(DOMAIN_E.exDate(xml.epp_datetime(expires)))
    return DOMAIN_E.trnData(*parts)


def domain_name(flow: Flow) -> str:
    return xml.require_text(flow.target, DOMAIN, "name")


# --- fee-1.0 ----------------------------------------------------------------------------------


def currency() -> str:
    return settings.REGISTRY_CURRENCY


def check_currency(parent: xml.Element) -> None:
    given = xml.text(parent, FEE, "currency")
    if given and given != currency():
        raise ParameterValueRange(f"fees are in {currency()}; {given} is not supported")


def expected_fee(flow: Flow, tag: str) -> int | None:
    """The fee the client agreed to in <fee:{tag}> (the sum of its <fee:fee> elements), or
    None when it sent none. The service refuses the command (2004) when it differs."""
    agreement = flow.extension(FEE, tag)
    if agreement is None:
        return None
    check_currency(agreement)
    amounts = xml.texts(agreement, FEE, "fee")
    if not amounts:
        raise ParameterError(f"<fee:{tag}> needs <fee:fee>")
    return sum(xml.fee_minor(amount) for amount in amounts)


def fee_data(flow: Flow, tag: str, request_tag: str, fee: int | None) -> list[xml.Element]:
    """<fee:{tag}> with the fee charged, for a client that sent <fee:{request_tag}> or
    announced fee-1.0 at login; nothing otherwise."""
    if fee is None or not (flow.extension(FEE, request_tag) is not None or flow.announces(FEE)):
        return []
    return [getattr(FEE_E, tag)(FEE_E.currency(currency()), FEE_E.fee(xml.fee_text(fee)))]


def nameservers(parent: xml.Element | None) -> list[str]:
    """Host names of a <domain:ns> child of ``parent`` (hostObj; hostAttr answers 2102)."""
    ns = xml.child(parent, DOMAIN, "ns")
    if ns is None:
        return []
    if xml.child(ns, DOMAIN, "hostAttr") is not None:
        raise UnimplementedOption("nameservers are host objects here (hostObj), not host attributes (hostAttr)")
    return xml.texts(ns, DOMAIN, "hostObj")


def refuse_contacts(parent: xml.Element | None) -> None:
    """The registry keeps a domain's registrant only, not admin, tech or billing contacts."""
    if xml.children(parent, DOMAIN, "contact"):
        raise ParameterError("this registry keeps a registrant only; send no admin, tech or billing contacts")


# --- contacts ---------------------------------------------------------------------------------

MAX_STREET_LINES = 3


def _phone(parent: xml.Element | None, tag: str) -> str | None:
    """A phone number with its extension (``x`` attribute) in the services' form."""
    element = xml.child(parent, CONTACT, tag)
    if element is None:
        return None
    number = (element.text or "").strip()
    extension = (element.get("x") or "").strip()
    return f"{number}x{extension}" if number and extension else number


def contact_fields(parent: xml.Element, *, partial: bool) -> dict:
    """The services' contact fields in ``parent`` (<contact:create> or <contact:chg>).

    The registry keeps one postal address: the first <contact:postalInfo> given (int or
    loc). With ``partial`` only the fields present are returned, for an update to merge.
    """
    fields: dict = {}
    postal = xml.child(parent, CONTACT, "postalInfo")
    if postal is None and not partial:
        raise RequiredParameterMissing("<contact:create> needs <contact:postalInfo>")
    if postal is not None:
        if postal.get("type") not in ("int", "loc"):
            raise ParameterValueSyntax('<contact:postalInfo> has type="int" or type="loc"')
        for key, tag in (("name", "name"), ("organization", "org")):
            value = xml.text(postal, CONTACT, tag)
            if value is not None:
                fields[key] = value
        address = xml.child(postal, CONTACT, "addr")
        if address is None and not partial:
            raise RequiredParameterMissing("<contact:postalInfo> needs <contact:addr>")
        if address is not None:
            street = xml.texts(address, CONTACT, "street")
            if len(street) > MAX_STREET_LINES:
                raise ParameterValueRange(f"at most {MAX_STREET_LINES} street lines")
            fields["street"] = "\n".join(street)
            for key, tag in (("city", "city"), ("state", "sp"), ("postal_code", "pc"), ("country_code", "cc")):
                fields[key] = xml.text(address, CONTACT, tag) or ""
    for key in ("voice", "fax"):
        value = _phone(parent, key)
        if value is not None:
            fields[key] = value
    email = xml.text(parent, CONTACT, "email")
    if email is not None:
        fields["email"] = email
    return fields


def postal_info(data: Mapping) -> xml.Element:
    """<contact:postalInfo>: type "int" when every field is 7-bit ASCII (RFC 5733 2.3)."""
    address = [CONTACT_E.street(line) for line in str(data.get("street") or "").splitlines()]
    address.append(CONTACT_E.city(data["city"]))
    if data.get("state"):
        address.append(CONTACT_E.sp(data["state"]))
    if data.get("postal_code"):
        address.append(CONTACT_E.pc(data["postal_code"]))
    address.append(CONTACT_E.cc(data["country_code"]))
    parts = [CONTACT_E.name(data["name"])]
    if data.get("organization"):
        parts.append(CONTACT_E.org(data["organization"]))
    parts.append(CONTACT_E.addr(*address))
    text = "".join(str(value or "") for value in data.values())
    return CONTACT_E.postalInfo(*parts, type="int" if text.isascii() else "loc")


def phone(tag: str, value: str) -> xml.Element:
    number, _, extension = value.partition("x")
    element = getattr(CONTACT_E, tag)(number)
    if extension:
        element.set("x", extension)
    return element
