"""Parsing and validation of domain and host names.

Names arrive as typed by people or clients: Unicode or punycode, any letter case, with or
without the trailing dot. ``parse_name`` turns one into its canonical ASCII form (lower
case, A-labels) and its Unicode form, or raises ``InvalidName`` with a sentence that says
what is wrong. Rules: LDH labels (RFC 952/1123), at most 63 octets per label and 253 per
name (RFC 1035), IDN labels valid under IDNA 2008 (RFC 5891) via the ``idna`` package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import idna

from registry.errors import InvalidName

MAX_LABEL_OCTETS = 63
MAX_NAME_OCTETS = 253
_LDH = re.compile(r"[a-z0-9-]+")


@dataclass(frozen=True)
class ParsedName:
    ascii: str  # canonical form: lower case, A-labels, no trailing dot
    unicode: str  # U-labels where the name has IDN labels
    labels: tuple[str, ...]  # ASCII labels

    @property
    def tld(self) -> str:
        return self.labels[-1]

    @property
    def is_idn(self) -> bool:
        return self.ascii != self.unicode


def _ascii_label(label: str) -> str:
    if label.isascii():
        bad = next((ch for ch in label if not _LDH.fullmatch(ch)), None)
        if bad is not None:
            shown = repr(bad) if bad.isprintable() else f"U+{ord(bad):04X}"
            raise InvalidName(f"label {label!r} contains {shown}; only letters a-z, digits 0-9 and hyphens are allowed")
        if label.startswith("-") or label.endswith("-"):
            raise InvalidName(f"label {label!r} starts or ends with a hyphen")
        if label[2:4] == "--":
            if not label.startswith("xn--"):
                raise InvalidName(
                    f"label {label!r} has hyphens in the 3rd and 4th positions, "
                    "which are reserved for IDN labels (xn--)"
                )
            try:
                if idna.alabel(idna.ulabel(label)).decode() != label:
                    raise idna.IDNAError("it does not round-trip to the same A-label")
            except (idna.IDNAError, UnicodeError) as exc:
                raise InvalidName(f"{label!r} is not a valid IDN label: {exc}") from None
        return label
    try:
        return idna.alabel(label).decode()
    except (idna.IDNAError, UnicodeError) as exc:
        if str(exc) == "Label too long":
            octets = len("xn--" + label.encode("punycode").decode())
            raise InvalidName(
                f"label {label!r} is {octets} octets long as punycode; the limit is {MAX_LABEL_OCTETS}"
            ) from None
        raise InvalidName(f"label {label!r} is not a valid IDNA 2008 label: {exc}") from None


def parse_name(raw: str, *, levels: int | None = None) -> ParsedName:
    """Canonicalise ``raw``; ``levels`` demands an exact number of labels."""
    if not isinstance(raw, str):
        raise InvalidName("a name must be text")
    text = raw.strip()
    if not text:
        raise InvalidName("the name is empty")
    if text.isascii():
        text = text.lower()
    else:
        try:
            # UTS 46 mapping, as browsers do: case folding, full-width dots and the like.
            text = idna.uts46_remap(text, std3_rules=False, transitional=False)
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidName(f"{raw!r} cannot be mapped to an IDN: {exc}") from None
    if text.endswith("."):
        text = text[:-1]
    raw_labels = text.split(".")
    if any(label == "" for label in raw_labels):
        raise InvalidName(f"{raw!r} has an empty label (two dots in a row, or a leading dot)")
    if len(raw_labels) < 2:
        raise InvalidName(f"{raw!r} has no TLD; a domain name looks like 'example.com'")
    if levels is not None and len(raw_labels) != levels:
        raise InvalidName(
            f"{raw!r} has {len(raw_labels)} labels; only names directly under a TLD "
            "(like 'example.com') can be registered"
        )
    labels = tuple(_ascii_label(label) for label in raw_labels)
    for original, label in zip(raw_labels, labels, strict=False):
        if len(label) > MAX_LABEL_OCTETS:
            raise InvalidName(f"label {original!r} is {len(label)} octets long; the limit is {MAX_LABEL_OCTETS}")
    ascii_name = ".".join(labels)
    if len(ascii_name) > MAX_NAME_OCTETS:
        raise InvalidName(f"the name is {len(ascii_name)} octets long; the limit is {MAX_NAME_OCTETS}")
    if labels[-1].isascii() and labels[-1].isdigit():
        raise InvalidName(f"TLD {labels[-1]!r} is all digits, which no TLD can be")
    unicode_name = ".".join(idna.ulabel(label) if label.startswith("xn--") else label for label in labels)
    return ParsedName(ascii=ascii_name, unicode=unicode_name, labels=labels)


def parse_domain_name(raw: str) -> ParsedName:
    """A registrable name: exactly one label under a TLD."""
    return parse_name(raw, levels=2)


def parse_host_name(raw: str) -> ParsedName:
    """A nameserver host name: any depth of two labels or more."""
    return parse_name(raw)
