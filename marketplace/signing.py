"""The platform's signature on the documents it issues (agreements, licence certificates).

PAdES signatures (``ETSI.CAdES.detached``, SHA-256) made with pyHanko, so any PDF reader shows who
signed and whether the file changed since. The key and certificate come from the configuration:

- ``SIGNING_PKCS12`` (+ ``SIGNING_PKCS12_PASSWORD``): a PKCS#12 file with the key, the certificate
  and its chain; or
- ``SIGNING_CERT`` + ``SIGNING_KEY`` (PEM; ``SIGNING_KEY_PASSWORD`` if the key is encrypted);
- neither: the development certificate ``flask pki init`` wrote to ``instance/pki/``.

``SIGNING_CHAIN`` (PEM, one or more certificates) adds the issuing CA certificates: they travel in
each signature and are the trust anchors ``validate`` checks against. ``TIMESTAMP_URL`` names an
RFC 3161 time-stamping server whose token is added to each signature (a trusted signing time).

``validate`` is the other half: it reads an uploaded PDF and says whether the platform signed it
and whether it changed since. "Signed by the platform" means the signature verifies, the signer's
certificate chains to the configured anchors, and its subject is the platform's own (so a renewed
certificate still counts, another holder of the same CA's certificates does not).
"""

import asyncio
import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from flask import current_app

with warnings.catch_warnings():
    # pyHanko imports cryptography's deprecated DSA key type; we never sign with DSA.
    warnings.simplefilter("ignore")
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

#: Files ``flask pki init`` writes into ``instance/pki/`` and the default configuration reads.
PKI_DIR = "pki"
CA_CERT, SIGNING_CERT, SIGNING_KEY = "ca-cert.pem", "signing-cert.pem", "signing-key.pem"
FIELD_NAME = "PlatformSignature"


#: pyHanko's synchronous calls each run an asyncio event loop. Under the gevent server several
#: greenlets share one thread, and a loop that waits lets another greenlet start a second loop in
#: that thread, which asyncio refuses; so one signature or validation runs at a time. The lock is
#: made on first use, after gevent has patched ``threading`` (it then waits cooperatively).
_lock = None


def _one_at_a_time():
    global _lock
    if _lock is None:
        _lock = threading.Lock()
    return _lock


def _pyhanko(function, *args, **kwargs):
    """``function(*args, **kwargs)``, one at a time (see ``_lock``).

    pyHanko's synchronous calls start an event loop with ``asyncio.run``, which asyncio refuses
    where a loop already runs in this thread (Playwright's synchronous API runs one in the
    tests' thread). The running loop is set aside for the call and put back after it: the call
    is synchronous, so that loop cannot run in between.
    """
    with _one_at_a_time():
        running = asyncio._get_running_loop()
        if running is None:
            return function(*args, **kwargs)
        asyncio._set_running_loop(None)
        try:
            return function(*args, **kwargs)
        finally:
            asyncio._set_running_loop(running)


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko reads the private key anew for each raw signature (two per PDF: the size estimate
    and the signature), and reading an RSA key checks it: 0.1-0.4 s each for 3072 bits. This
    signer reads it once; other mechanisms than RSA PKCS#1 v1.5 and ECDSA go the usual way."""

    _key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if self._key is None:
            self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


class SigningUnavailable(RuntimeError):
    """No signing key and certificate are configured (or they cannot be read)."""


@dataclass(frozen=True)
class Material:
    signer: "_KeptKeySigner"
    #: Trust anchors for validation: the configured chain, else the signing certificate itself.
    anchors: tuple
    subject: object


@dataclass(frozen=True)
class Verdict:
    """What ``validate`` found. ``state``: ``unchanged`` (signed by the platform, not changed
    since), ``changed`` (signed by the platform, changed since), ``foreign`` (a signature that is
    not the platform's), ``unsigned`` (a PDF without a signature) or ``unreadable`` (not a PDF)."""

    state: str
    signer: str | None = None
    signed_at: datetime | None = None
    timestamped: bool = False
    #: The document's /Subject (the platform puts the agreement's SHA-256 there).
    subject: str | None = None

    @property
    def unchanged(self) -> bool:
        return self.state == "unchanged"


def pki_dir(app=None) -> Path:
    return Path((app or current_app).instance_path) / PKI_DIR


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SigningUnavailable(f"{what} {path!r} cannot be read: {error.strerror}.") from error


def _password(config, name: str) -> bytes | None:
    value = config.get(name) or ""
    return value.encode("utf-8") if value else None


def configured(app=None) -> bool:
    """Whether a signing key is configured or ``flask pki init`` has made one."""
    app = app or current_app
    config = app.config
    return bool(config.get("SIGNING_PKCS12") or (config.get("SIGNING_CERT") and config.get("SIGNING_KEY"))
                or (pki_dir(app) / SIGNING_KEY).exists())


def _load(app) -> Material:
    config = app.config
    chain = []
    if config.get("SIGNING_CHAIN"):
        chain = list(load_certs_from_pemder_data(_read(config["SIGNING_CHAIN"], "SIGNING_CHAIN")))
    try:
        if config.get("SIGNING_PKCS12"):
            loaded = signers.SimpleSigner.load_pkcs12_data(
                _read(config["SIGNING_PKCS12"], "SIGNING_PKCS12"), chain,
                passphrase=_password(config, "SIGNING_PKCS12_PASSWORD"))
            signer = _KeptKeySigner(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                                    cert_registry=loaded.cert_registry)
            chain = chain or [cert for cert in signer.cert_registry if cert != signer.signing_cert]
        else:
            if config.get("SIGNING_CERT") and config.get("SIGNING_KEY"):
                cert_path, key_path = config["SIGNING_CERT"], config["SIGNING_KEY"]
            elif (pki_dir(app) / SIGNING_KEY).exists():
                cert_path, key_path = pki_dir(app) / SIGNING_CERT, pki_dir(app) / SIGNING_KEY
                if not chain and (pki_dir(app) / CA_CERT).exists():
                    chain = list(load_certs_from_pemder_data(_read(pki_dir(app) / CA_CERT, "CA")))
            else:
                raise SigningUnavailable(
                    "No signing certificate is configured: set SIGNING_CERT and SIGNING_KEY (PEM) "
                    "or SIGNING_PKCS12 (production), or run `flask --app marketplace pki init` "
                    "(development and demo).")
            certs = list(load_certs_from_pemder_data(_read(cert_path, "SIGNING_CERT")))
            key = load_private_key_from_pemder_data(_read(key_path, "SIGNING_KEY"),
                                                    passphrase=_password(config, "SIGNING_KEY_PASSWORD"))
            signer = _KeptKeySigner(signing_cert=certs[0], signing_key=key,
                                    cert_registry=SimpleCertificateStore.from_certs(certs + chain))
        private = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
        signer._key = private
    except (ValueError, TypeError, IndexError) as error:
        raise SigningUnavailable(f"The signing key or certificate cannot be loaded: {error}") from error
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            signer.signing_cert.public_key.dump():
        raise SigningUnavailable("The signing key does not belong to the signing certificate "
                                 "(SIGNING_KEY and SIGNING_CERT, or the PKCS#12 file).")
    anchors = tuple(chain) or (signer.signing_cert,)
    return Material(signer=signer, anchors=anchors, subject=signer.signing_cert.subject)


def material(app=None) -> Material:
    """The loaded key, certificate and anchors (read once per app; ``reset`` after a change)."""
    app = app or current_app
    cached = app.extensions.get("bxqx_signing")
    if cached is None:
        cached = app.extensions["bxqx_signing"] = _load(app)
    return cached


def warn_if_unconfigured(app) -> None:
    """Production without a signing key starts (pages work) but says at once what is missing."""
    if app.config.get("ENV_NAME") == "production" and not configured(app):
        app.logger.warning("No document-signing key: certificates cannot be issued and agreement "
                           "PDFs cannot be downloaded until SIGNING_CERT and SIGNING_KEY (or "
                           "SIGNING_PKCS12) are set (README, 'Document signatures and fonts').")


def certificate_fingerprint(app=None) -> str:
    """The SHA-256 of the signing certificate: a document signed with another one differs."""
    return hashlib.sha256(material(app).signer.signing_cert.dump()).hexdigest()


def reset(app=None) -> None:
    (app or current_app).extensions.pop("bxqx_signing", None)


def sign(data: bytes, *, reason: str) -> bytes:
    """The PDF ``data`` with the platform's PAdES signature (and a time stamp if configured)."""
    found = material()
    timestamper = None
    if current_app.config.get("TIMESTAMP_URL"):
        timestamper = RequestsHTTPTimeStamper(current_app.config["TIMESTAMP_URL"], timeout=10)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location="中华人民共和国", name=_common_name(found.subject))
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    return _pyhanko(signers.sign_pdf, writer, meta, signer=found.signer,
                    timestamper=timestamper).getvalue()


def _common_name(name) -> str:
    values = name.native
    return values.get("common_name") or values.get("organization_name") or name.human_friendly


def _display(name) -> str:
    values = name.native
    parts = [values.get("organization_name"), values.get("common_name")]
    return " / ".join(dict.fromkeys(p for p in parts if p)) or name.human_friendly


def validate(data: bytes) -> Verdict:
    """Check the last signature of an uploaded PDF against the platform's certificate."""
    if not data.startswith(b"%PDF-"):
        return Verdict("unreadable")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        subject = reader.document_meta_view.subject
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        return Verdict("unreadable")
    if not signatures:
        return Verdict("unsigned")
    found = material()
    embedded = signatures[-1]
    try:
        status = _pyhanko(validate_pdf_signature, embedded,
                          ValidationContext(trust_roots=list(found.anchors)))
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        current_app.logger.info("signature not validated: %s", error)
        return Verdict("changed")
    signer = status.signing_cert
    common = dict(signer=_display(signer.subject), signed_at=status.signer_reported_dt,
                  timestamped=status.timestamp_validity is not None,
                  subject=str(subject) if subject else None)
    if status.timestamp_validity is not None and status.timestamp_validity.intact:
        common["signed_at"] = status.timestamp_validity.timestamp
    if not status.intact or not status.valid:
        if signer.subject == found.subject:
            return Verdict("changed", **common)
        return Verdict("foreign", **common)
    if not status.trusted or signer.subject != found.subject:
        return Verdict("foreign", **common)
    later = status.coverage is not SignatureCoverageLevel.ENTIRE_FILE and (
        status.modification_level is None or status.modification_level > ModificationLevel.LTA_UPDATES)
    return Verdict("changed" if later else "unchanged", **common)
