"""Checking AWS Signature Version 4 on a request, as AWS does before it reads one.

A client signs a canonical form of its request (method, path, query string, the headers it
names, a hash of the body) with a key derived from its secret, the date, the region and
the service; the server derives the same key from the secret it keeps and compares. Only
the ``Authorization`` header form is taken (what boto3, the AWS CLI and Terraform send).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus

from config.aws.errors import AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = dt.timedelta(minutes=15)  # AWS refuses requests signed further from its clock
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class Signed:
    """What the Authorization header claims: who signed, in which scope, over which headers."""

    access_key_id: str
    date: str  # YYYYMMDD of the scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def read_authorization(headers: Mapping[str, str]) -> Signed:
    """The signature's claims; raises AwsError when the request carries none or a malformed one."""
    header = headers.get("authorization", "")
    if not header:
        raise AwsError("MissingAuthenticationToken", "Missing Authentication Token")
    if not header.startswith(ALGORITHM):
        raise AwsError("IncompleteSignature", f"Only {ALGORITHM} (Signature Version 4) is supported")
    match = _AUTH.match(header)
    if match is None:
        raise AwsError(
            "IncompleteSignature",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters",
        )
    parts = match.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise AwsError(
            "IncompleteSignature",
            "Credential should be scoped to a valid region, service and date, like "
            "AKID/20130524/us-east-1/route53/aws4_request",
        )
    signed = tuple(match.group("signed").lower().split(";"))
    return Signed(parts[0], parts[1], parts[2], parts[3], signed, match.group("signature"))


def check(
    signed: Signed,
    secret: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: dt.datetime,
) -> None:
    """Raise AwsError unless ``signed.signature`` is the one ``secret`` makes for this
    request (``headers`` with lower-case names; ``path`` and ``query`` as sent)."""
    stamp = headers.get("x-amz-date", "")
    try:
        when = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise AwsError("IncompleteSignature", "The request needs an X-Amz-Date header (YYYYMMDDTHHMMSSZ)") from None
    if abs(now - when) > MAX_SKEW:
        raise AwsError(
            "SignatureDoesNotMatch",
            f"Signature expired: {stamp} is now earlier than "
            f"{(now - MAX_SKEW):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 15 min.)",
        )
    if stamp[:8] != signed.date:
        raise AwsError("SignatureDoesNotMatch", f"Credential should be scoped to a valid date: {stamp[:8]}")
    if "host" not in signed.signed_headers:
        raise AwsError("SignatureDoesNotMatch", "'Host' must be a signed header")
    missing = [name for name in signed.signed_headers if name not in headers]
    if missing:
        raise AwsError("SignatureDoesNotMatch", f"Signed headers missing from the request: {', '.join(missing)}")
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method,
            quote(path, safe="/~") or "/",
            canonical_query(query),
            "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed.signed_headers),
            ";".join(signed.signed_headers),
            payload,
        ]
    )
    to_sign = "\n".join([ALGORITHM, stamp, signed.scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = signing_key(secret, signed.date, signed.region, signed.service)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signed.signature):
        raise AwsError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )


def canonical_query(query: str) -> str:
    """The query string as SigV4 signs it: each name and value percent-encoded, sorted."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((_encode(unquote_plus(name)), _encode(unquote_plus(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
