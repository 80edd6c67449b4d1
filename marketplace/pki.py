"""``flask pki init``: a development and demo certificate authority and signing certificate.

It writes ``instance/pki/ca-cert.pem`` (a self-signed root, 10 years), ``signing-cert.pem`` (the
platform's document-signing certificate issued by it, 5 years; key usages digital signature and
non-repudiation) and ``signing-key.pem`` (RSA 3072, readable by the owner only). The CA's key is
not kept: a new certificate means a new ``init --force``. Readers trust neither until the root is
imported; production configures the organisation's own certificate instead (README, "Document
signatures").
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app
from flask.cli import with_appcontext

from marketplace import signing

ORGANISATION = "百校千项高价值专利培育转化平台（开发演示）"
#: id-kp-documentSigning (RFC 9336): what PDF readers look for on a document-signing certificate.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
                         crl_sign=not sign, encipher_only=False, decipher_only=False)


def create(folder: Path, *, key_size: int = 3072, now: datetime | None = None) -> x509.Certificate:
    """Write a new CA certificate, signing certificate and key into ``folder``; return the
    signing certificate."""
    now = now or datetime.now(UTC)
    start = now - timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_name = _name("百校千项平台开发演示根证书")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(sign=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = (x509.CertificateBuilder().subject_name(_name("百校千项平台文件签章（开发演示）"))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(now + timedelta(days=5 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    (folder / signing.CA_CERT).write_bytes(ca.public_bytes(pem))
    (folder / signing.SIGNING_CERT).write_bytes(cert.public_bytes(pem))
    key_path = folder / signing.SIGNING_KEY
    key_path.unlink(missing_ok=True)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return cert


def ensure(app=None) -> bool:
    """Create the development certificate unless a signing key is configured or exists; True if
    it was created (the demo loader calls this, so the demo's documents are signed)."""
    app = app or current_app
    if signing.configured(app):
        return False
    create(signing.pki_dir(app))
    signing.reset(app)
    return True


@click.group("pki")
def pki_cli():
    """The platform's document-signing certificate."""


@pki_cli.command("init")
@click.option("--force", is_flag=True, help="Replace an existing development certificate.")
@with_appcontext
def init_command(force: bool):
    """Create a development/demo CA and signing certificate in the instance folder."""
    folder = signing.pki_dir()
    if (folder / signing.SIGNING_KEY).exists() and not force:
        raise click.ClickException(f"{folder / signing.SIGNING_KEY} exists; --force replaces it.")
    if current_app.config.get("ENV_NAME") == "production":
        click.echo("Warning: a development certificate; production should set SIGNING_CERT and "
                   "SIGNING_KEY or SIGNING_PKCS12 (README).", err=True)
    cert = create(folder)
    signing.reset()
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    click.echo(f"Signing certificate: {folder / signing.SIGNING_CERT}\n"
               f"Key: {folder / signing.SIGNING_KEY}\nCA (import to trust): "
               f"{folder / signing.CA_CERT}\nSHA-256 fingerprint: {fingerprint}")
    if current_app.config.get("SIGNING_CERT") or current_app.config.get("SIGNING_PKCS12"):
        click.echo("Note: SIGNING_CERT or SIGNING_PKCS12 is set, so these files are not used.", err=True)
