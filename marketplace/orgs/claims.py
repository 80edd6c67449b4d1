"""Claims to a credit code: only a verified organisation owns one; pending and rejected claims may
compete for it. Each claim carries its documents (business licence, letter of authorisation),
checked and stored like every upload of the platform (``marketplace.uploads``)."""

from sqlalchemy import func, select

from marketplace import uploads
from marketplace.accounts.models import User
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.orgs import creditcode
from marketplace.orgs.models import DocumentKind, Organisation, OrganisationDocument, OrgStatus


class DocumentRefused(ServiceError):
    """An uploaded claim document was refused; ``kind`` says which one."""

    status_code = 422

    def __init__(self, kind: DocumentKind, message: str):
        super().__init__(message)
        self.kind = kind


def verified_holder(code: str, exclude_id: int | None = None) -> Organisation | None:
    """The verified organisation that owns ``code``, if any: the only kind that owns a code."""
    query = select(Organisation).where(Organisation.credit_code == creditcode.normalise(code),
                                       Organisation.status == OrgStatus.VERIFIED)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalar(query.limit(1))


def credit_code_taken(code: str, exclude_id: int | None = None) -> bool:
    """True when a verified organisation owns ``code`` (pending or rejected claims do not)."""
    return verified_holder(code, exclude_id) is not None


def claims_for(code: str) -> list[Organisation]:
    """Every organisation that claims ``code`` (verified, pending or rejected), oldest first."""
    return list(db.session.scalars(select(Organisation).where(Organisation.credit_code == code)
                                   .order_by(Organisation.submitted_at, Organisation.id)))


def competing_codes(codes) -> set[str]:
    """Which of ``codes`` more than one organisation claims."""
    codes = set(codes)
    if not codes:
        return set()
    return set(db.session.scalars(
        select(Organisation.credit_code).where(Organisation.credit_code.in_(codes))
        .group_by(Organisation.credit_code).having(func.count() > 1)))


def store_documents(org: Organisation, actor: User | None, documents) -> list[str]:
    """Check and store ``(kind, upload)`` pairs as the claim's documents; return the stored names.

    The check is the one every upload of the platform goes through (``marketplace.uploads.store``).
    """
    stored: list[str] = []
    try:
        for kind, upload in documents:
            try:
                columns = uploads.store(upload.stream, upload.filename)
            except ServiceError as error:
                raise DocumentRefused(kind, error.message) from None
            stored.append(columns["stored_name"])
            org.documents.append(OrganisationDocument(kind=kind, uploaded_by=actor, **columns))
    except ServiceError:
        for name in stored:
            uploads.discard(name)
        raise
    return stored
