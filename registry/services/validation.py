"""Checks of request values shared by several commands: nameserver lists, DS records, glue
addresses. Each returns the canonical form or raises ParameterError / InvalidName naming
the bad entry.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from registry.errors import InvalidName, ParameterError
from registry.names import parse_host_name

MIN_NAMESERVERS = 2

MAX_NAMESERVERS = 13

MAX_CHECK_NAMES = 50

# Digest lengths (hex digits) of the DS digest types in use (RFC 4034, 4509, 5933, 6605).
_DS_DIGEST_HEX = {1: 40, 2: 64, 3: 64, 4: 96}

MAX_DS_RECORDS = 8


def ds_records(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical DS rows (RFC 5910 dsData) or ParameterError naming the bad one."""
    if isinstance(items, (str, dict)):
        raise ParameterError("DS data must be a list of records")
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items, start=1):
        try:
            key_tag, algorithm, digest_type = (int(item[k]) for k in ("key_tag", "algorithm", "digest_type"))
            digest = str(item["digest"]).strip().upper()
        except (KeyError, TypeError, ValueError):
            raise ParameterError(
                f"DS record {i} needs whole-number key_tag, algorithm and digest_type, and a digest"
            ) from None
        if not 0 <= key_tag <= 65535 or not 1 <= algorithm <= 255 or not 1 <= digest_type <= 255:
            raise ParameterError(f"DS record {i}: key tag 0-65535, algorithm and digest type 1-255")
        if not re.fullmatch(r"(?:[0-9A-F]{2})+", digest) or len(digest) > 128:
            raise ParameterError(f"DS record {i}: the digest is up to 64 octets in hexadecimal")
        expected = _DS_DIGEST_HEX.get(digest_type)
        if expected is not None and len(digest) != expected:
            raise ParameterError(f"DS record {i}: a digest of type {digest_type} has {expected} hex digits")
        row = {"key_tag": key_tag, "algorithm": algorithm, "digest_type": digest_type, "digest": digest}
        if row in rows:
            raise ParameterError(f"DS record {i} is listed twice")
        rows.append(row)
    if len(rows) > MAX_DS_RECORDS:
        raise ParameterError(f"a domain has at most {MAX_DS_RECORDS} DS records; {len(rows)} given")
    return rows


def ds_text(row: dict[str, Any]) -> str:
    return f"{row['key_tag']} {row['algorithm']} {row['digest_type']} {row['digest']}"


AUTH_INFO_LENGTH = (6, 64)  # characters, as EPP's pwType allows and secrets need


def validate_auth_info(value: object) -> str:
    """An auth info a registrar chose (a domain's transfer secret), or ParameterError."""
    low, high = AUTH_INFO_LENGTH
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise ParameterError(f"auth info is {low} to {high} characters long")
    return value


def nameserver_names(nameservers: Sequence[str]) -> list[str]:
    """Canonical host names of a list of nameservers, each once, or an error naming the bad entry."""
    if isinstance(nameservers, str):
        raise ParameterError("nameservers must be a list of host names")
    names: list[str] = []
    for raw in nameservers:
        try:
            ascii_name = parse_host_name(raw).ascii
        except InvalidName as exc:
            raise InvalidName(f"nameserver {raw!r}: {exc.message}") from None
        if ascii_name in names:
            raise ParameterError(f"nameserver {ascii_name} is listed twice")
        names.append(ascii_name)
    return names


def validate_nameservers(nameservers: Sequence[str]) -> list[str]:
    """Canonical host names for a domain's whole nameserver list (2 to 13, or none)."""
    names = nameserver_names(nameservers)
    if names and not MIN_NAMESERVERS <= len(names) <= MAX_NAMESERVERS:
        raise ParameterError(
            f"a domain has {MIN_NAMESERVERS} to {MAX_NAMESERVERS} nameservers, or none; {len(names)} given"
        )
    return names


def glue_addresses(addresses: Sequence[str]) -> list[str]:
    """Canonical glue addresses, or ParameterError naming the bad one."""
    if isinstance(addresses, str):
        raise ParameterError("addresses must be a list of IP addresses")
    glue: list[str] = []
    for raw in addresses:
        try:
            address = ipaddress.ip_address(str(raw).strip())
        except ValueError:
            raise ParameterError(f"{raw!r} is not an IPv4 or IPv6 address") from None
        if address.is_unspecified or address.is_multicast:
            raise ParameterError(f"{address} cannot be a nameserver address")
        if str(address) in glue:
            raise ParameterError(f"address {address} is listed twice")
        glue.append(str(address))
    return glue


def address_order(address: str) -> tuple[int, ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """IPv4 first, then IPv6, each in numeric order (the two cannot be compared)."""
    ip = ipaddress.ip_address(address)
    return ip.version, ip
