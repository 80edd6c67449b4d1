"""A bulk import: the uploaded rows, their validation report, and what became of them."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.orgs.models import Organisation


@member_flags
class ImportState(enum.Enum):
    """validating -> validated -> imported | discarded; validating -> failed."""

    VALIDATING = "validating"
    VALIDATED = "validated"
    IMPORTED = "imported"
    DISCARDED = "discarded"
    FAILED = "failed"


class ImportBatch(db.Model):
    """One uploaded spreadsheet of listings for one university."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[ImportState] = mapped_column(enum_column(ImportState),
                                               default=ImportState.VALIDATING)
    total_rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    #: The cleaned values of every valid row, keyed by row number, kept until imported.
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Problems found: [{"row": 5, "column": "申请号", "message": "..."}].
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    job: Mapped[Job | None] = relationship()
