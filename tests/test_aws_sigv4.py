"""SigV4 as the server checks it, against what botocore's signer makes of the same requests."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from config.aws import sigv4
from config.aws.errors import AwsError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def signed_by_botocore(method: str, url: str, body: bytes = b"") -> tuple[dict[str, str], str, str]:
    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials("AKIDEXAMPLE", SECRET), "route53", "us-east-1").add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {name.lower(): value for name, value in prepared.headers.items()}
    headers["host"] = parts.netloc
    return headers, parts.path, parts.query


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "http://127.0.0.1:8000/2013-04-01/hostedzone", b""),
        ("GET", "http://127.0.0.1:8000/2013-04-01/hostedzonesbyname?dnsname=a%20b~c.com&maxitems=2", b""),
        ("GET", "http://127.0.0.1:8000/2013-04-01/hostedzone/Z1/rrset?name=%5C052.example.com.&type=A", b""),
        ("POST", "http://127.0.0.1:8000/2013-04-01/hostedzone/Z1/rrset/", b"<ChangeResourceRecordSetsRequest/>"),
    ],
)
def test_a_signature_botocore_makes_is_accepted_and_any_change_to_the_request_is_not(method, url, body):
    headers, path, query = signed_by_botocore(method, url, body)
    claims = sigv4.read_authorization(headers)
    now = dt.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    request = {"method": method, "path": path, "query": query, "headers": headers, "body": body, "now": now}
    sigv4.check(claims, SECRET, **request)
    for changed in (
        {"body": body + b" "},
        {"path": path + "x"},
        {"query": query + "&extra=1"},
        {"method": "DELETE"},
        {"headers": {**headers, "host": "127.0.0.2:8000"}},
    ):
        with pytest.raises(AwsError) as refused:
            sigv4.check(claims, SECRET, **{**request, **changed})
        assert refused.value.code == "SignatureDoesNotMatch"
    with pytest.raises(AwsError, match="Signature expired"):
        sigv4.check(claims, SECRET, **{**request, "now": now + dt.timedelta(minutes=16)})


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("", "MissingAuthenticationToken"),
        ("AWS AKID:signature", "IncompleteSignature"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/route53/aws4_request", "IncompleteSignature"),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20261207/route53/aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
            "IncompleteSignature",
        ),
    ],
)
def test_a_missing_or_malformed_authorization_is_named(header, code):
    with pytest.raises(AwsError) as refused:
        sigv4.read_authorization({"authorization": header} if header else {})
    assert refused.value.code == code
