"""Organisations (universities, companies, investment firms) and invitations to join them."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Role, User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db


@member_flags
class OrgKind(enum.Enum):
    """The three kinds of organisation on the platform."""

    UNIVERSITY = "university"
    COMPANY = "company"
    INVESTOR_FIRM = "investor_firm"


#: Which roles a member of each kind of organisation may hold; the first is the founder's role.
ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.UNIVERSITY: (Role.TTO, Role.INVENTOR),
    OrgKind.COMPANY: (Role.COMPANY,),
    OrgKind.INVESTOR_FIRM: (Role.INVESTOR,),
}


@member_flags
class OrgStatus(enum.Enum):
    """Verification state: pending -> verified | rejected; rejected -> pending on resubmission."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


#: Only a verified organisation owns its credit code: claims that are pending or rejected may share
#: it, so a first claim cannot squat a code (a partial unique index, on SQLite and PostgreSQL).
VERIFIED_ONLY = sa.text("status = 'verified'")


class Organisation(db.Model):
    """A legal entity whose members act on the platform once an admin has verified it.

    Before verification it is a *claim* to its credit code; several claims may compete for one code.
    """

    __tablename__ = "organisations"
    __table_args__ = (
        sa.Index("uq_organisations_verified_credit_code", "credit_code", unique=True,
                 sqlite_where=VERIFIED_ONLY, postgresql_where=VERIFIED_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind), index=True)
    #: 统一社会信用代码 (GB 32100-2015), upper case, check character validated; unique among
    #: verified organisations only.
    credit_code: Mapped[str] = mapped_column(sa.String(18), index=True)
    status: Mapped[OrgStatus] = mapped_column(
        enum_column(OrgStatus), default=OrgStatus.PENDING, index=True
    )
    #: The admin's reason for the latest rejection, shown to the organisation.
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    province: Mapped[str | None] = mapped_column(sa.String(40))
    city: Mapped[str | None] = mapped_column(sa.String(40))
    website: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: Created by ``flask demo load``; shown with a demo badge everywhere.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL", use_alter=True))

    members: Mapped[list[User]] = relationship(
        back_populates="organisation", foreign_keys=[User.organisation_id], order_by=User.id
    )
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    documents: Mapped[list["OrganisationDocument"]] = relationship(
        back_populates="organisation", order_by="OrganisationDocument.id.desc()",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def allowed_roles(self) -> tuple[Role, ...]:
        return ROLES_BY_KIND[self.kind]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name} {self.status.value}>"


class DocumentKind(enum.Enum):
    """What a claim's uploaded document proves."""

    #: 营业执照 (or 事业单位法人证书): the organisation exists under this name and code.
    BUSINESS_LICENCE = "business_licence"
    #: 授权委托书: the organisation authorises the person who registers it.
    AUTHORISATION_LETTER = "authorisation_letter"


class OrganisationDocument(db.Model):
    """A document uploaded with a claim, for the admins who verify it; never public."""

    __tablename__ = "organisation_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    #: Random name the server gave the file in UPLOAD_DIR (marketplace.uploads.store).
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship()


@member_flags
class InvitationStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class Invitation(db.Model):
    """An organisation admin's invitation for an e-mail address to join with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus), default=InvitationStatus.PENDING
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_open(self) -> bool:
        return self.status is InvitationStatus.PENDING and self.expires_at > utcnow()
