"""The EPP server's TLS certificate: the configured one, or a self-signed one made on
first run (ECDSA P-256, for the EPP address, ``localhost`` and 127.0.0.1).

A self-signed certificate is made again when it is missing, expired or does not name the
address the server listens on; a configured one is used as it is and must exist.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured

COMMON_NAME = "Namesmith Registry EPP"
VALID_DAYS = 825  # the longest validity browsers have accepted for a server certificate


def _san(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _usable(cert_path: Path, hosts: list[str]) -> bool:
    """Whether the self-signed certificate there is valid now and names every host."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        named = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc - timedelta(days=1):
        return False
    return all(name in named for name in _san(hosts))


def make_self_signed(cert_path: Path, key_path: Path, hosts: list[str]) -> None:
    """Write a new key (mode 0600) and a self-signed certificate naming ``hosts``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_san(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created with its final mode, so the key is never readable by others, not even briefly.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure(cert_path: Path, key_path: Path, *, self_signed: bool, hosts: list[str]) -> bool:
    """Make sure a certificate and key are there; True when a new self-signed pair was made."""
    if not self_signed:
        for path in (cert_path, key_path):
            if not path.is_file():
                raise ImproperlyConfigured(f"the EPP TLS certificate or key {path} does not exist")
        return False
    if key_path.is_file() and _usable(cert_path, hosts):
        return False
    make_self_signed(cert_path, key_path, hosts)
    return True


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """TLS 1.2 or newer (RFC 5734 asks for TLS; RFC 9325 for nothing older than 1.2)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
