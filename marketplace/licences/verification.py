"""What /verify finds for an uploaded PDF: the platform's signature and the licence it proves.

A certificate is found by the SHA-256 of its file (stored when it was issued); a signed agreement
PDF, made at each download, by the agreement's SHA-256 in its signed subject, once the signature
shows the file is the platform's and unchanged.
"""

import hashlib
import re

from flask import current_app
from sqlalchemy import or_, select

from marketplace import signing
from marketplace.extensions import db
from marketplace.licences.models import OpenLicence

_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_pdf(content: bytes) -> tuple[signing.Verdict | None, OpenLicence | None]:
    """The signature's verdict (None when the platform has no signing key to check against) and
    the licence the file proves, if any."""
    try:
        verdict = signing.validate(content)
    except signing.SigningUnavailable as error:
        current_app.logger.warning("PDF signatures cannot be checked: %s", error)
        verdict = None
    digest = hashlib.sha256(content).hexdigest()
    conditions = [OpenLicence.sha256 == digest, OpenLicence.certificate_sha256 == digest]
    if verdict is not None and verdict.unchanged and _SHA256.fullmatch(verdict.subject or ""):
        conditions.append(OpenLicence.sha256 == verdict.subject)
    licence = db.session.scalar(select(OpenLicence).where(or_(*conditions)).limit(1))
    return verdict, licence
