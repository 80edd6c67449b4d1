"""A background job's state and progress, stored so any process can show it."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db


@member_flags
class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(db.Model):
    """One run of a registered job function."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Registered name, e.g. ``listings.import_validate``.
    name: Mapped[str] = mapped_column(sa.String(64), index=True)
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    #: Arguments for the job function (JSON-serialisable).
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: What the job returned, for the page that shows it.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    #: A message for the user when the job failed.
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The X-Request-ID of the request that submitted the job; its log lines carry it (request_log.py).
    request_id: Mapped[str | None] = mapped_column(sa.String(128))

    @property
    def percent(self) -> int:
        if self.state is JobState.SUCCEEDED:
            return 100
        return int(100 * self.progress / self.total) if self.total else 0

    @property
    def done(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)
