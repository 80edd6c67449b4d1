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
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED,
                                            index=True)
    #: Arguments for the job function (JSON-serialisable).
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: What the job returned, for the page that shows it.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    #: A message for the user when the job failed (for a job waiting to retry: the last error).
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: Runs started so far (a transient failure retries until JOBS_MAX_ATTEMPTS).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: A queued job waiting to retry does not start before this moment.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last sign of life of a running job (start, progress); older than the visibility timeout
    #: means its process died and recovery requeues it.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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


class ScheduledTask(db.Model):
    """When a periodic task last ran (``flask jobs run-due``); claiming a run moves last_run_at."""

    __tablename__ = "scheduled_tasks"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: When the last run was claimed; the next is due one period later.
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What the last run returned (counts), or its error.
    last_result: Mapped[dict | None] = mapped_column(sa.JSON)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
