"""Batches of the action, university categories, enrolments and implementation plans (实施方案)."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation


class UniversityCategory(enum.Enum):
    """How the notice groups universities (set by an admin per university)."""

    DEMONSTRATION = "demonstration"   # 国家知识产权和成果转化示范高校
    PILOT = "pilot"                   # 国家知识产权试点高校
    OTHER = "other"                   # 其他高校


class UniversityProfile(db.Model):
    """The action's facts about a university organisation, kept out of the organisations table."""

    __tablename__ = "action_university_profiles"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[UniversityCategory] = mapped_column(enum_column(UniversityCategory), index=True)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Batch(db.Model):
    """A batch of the action (第一批次, 第二批次) with its dates, configurable by an admin."""

    __tablename__ = "action_batches"
    __table_args__ = (sa.CheckConstraint("plan_due_on >= starts_on", name="due_after_start"),
                      sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2...: the batch's place in the action.
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    #: Last day (in ``timezone``) on which an implementation plan is on time.
    plan_due_on: Mapped[date] = mapped_column(sa.Date)
    #: End of the implementation period; annual reports are due at the end of each year until then.
    ends_on: Mapped[date] = mapped_column(sa.Date)
    #: IANA zone in which the dates are read (the notice's dates are Beijing time).
    timezone: Mapped[str] = mapped_column(sa.String(40), default="Asia/Shanghai")
    #: Values of ``UniversityCategory`` that may enrol.
    eligible_categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    enrolment_open: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="batch",
                                                         order_by="Enrolment.enrolled_at")

    @property
    def categories(self) -> list[UniversityCategory]:
        return [UniversityCategory(value) for value in self.eligible_categories or []]

    @property
    def report_years(self) -> list[int]:
        """The years for which an annual report (实施成效) is due."""
        return list(range(max(self.starts_on.year, 2023), self.ends_on.year + 1))


class Enrolment(db.Model):
    """A university taking part in one batch (a university takes part in one batch only)."""

    __tablename__ = "action_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("action_batches.id", ondelete="RESTRICT"),
                                          index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), unique=True)
    #: The university's category when it enrolled (the admin may change it later).
    category: Mapped[UniversityCategory] = mapped_column(enum_column(UniversityCategory))
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="enrolments")
    organisation: Mapped[Organisation] = relationship()
    enrolled_by: Mapped[User | None] = relationship()
    plan: Mapped["Plan | None"] = relationship(back_populates="enrolment", uselist=False)


@member_flags
class PlanState(enum.Enum):
    """draft -> submitted -> returned -> submitted (resubmitted) -> approved."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


#: The narrative sections of the annex template, in order (column names of ``Plan``).
PLAN_SECTIONS = ("basis", "goals", "organisation", "mechanisms", "measures", "expected_results")
#: Numeric targets of the expected results (column names of ``Plan``).
PLAN_TARGETS = ("target_high_value_patents", "target_conversions", "target_amount",
                "target_open_licences", "target_roadshows")


class Plan(db.Model):
    """A university's implementation plan for its batch: the working copy being edited."""

    __tablename__ = "action_plans"
    __table_args__ = (sa.CheckConstraint("target_amount IS NULL OR target_amount >= 0",
                                         name="target_amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_enrolments.id", ondelete="CASCADE"), unique=True)
    state: Mapped[PlanState] = mapped_column(enum_column(PlanState), default=PlanState.DRAFT,
                                             index=True)
    #: 一、基本情况: the university's IP work and conversion so far.
    basis: Mapped[str | None] = mapped_column(sa.Text)
    #: 二、工作目标.
    goals: Mapped[str | None] = mapped_column(sa.Text)
    #: 三、组织保障: leadership group, technology-transfer office, IP specialists.
    organisation: Mapped[str | None] = mapped_column(sa.Text)
    #: 四、工作机制: disclosure, pre-filing assessment, grading, revenue sharing.
    mechanisms: Mapped[str | None] = mapped_column(sa.Text)
    #: 六、保障措施.
    measures: Mapped[str | None] = mapped_column(sa.Text)
    #: 七、预期成效 (narrative; the numeric targets follow).
    expected_results: Mapped[str | None] = mapped_column(sa.Text)
    target_high_value_patents: Mapped[int | None] = mapped_column()
    target_conversions: Mapped[int | None] = mapped_column()
    #: Contract amount the university aims for, CNY.
    target_amount: Mapped[Decimal | None] = mapped_column(Money())
    target_open_licences: Mapped[int | None] = mapped_column()
    target_roadshows: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="plan")
    projects: Mapped[list["PlanProject"]] = relationship(
        cascade="all, delete-orphan", order_by="PlanProject.position, PlanProject.id")
    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="plan", order_by="PlanVersion.number.desc()")

    @property
    def latest(self) -> "PlanVersion | None":
        return self.versions[0] if self.versions else None

    @property
    def editable(self) -> bool:
        return self.state in (PlanState.DRAFT, PlanState.RETURNED)


plan_project_listings = sa.Table(
    "action_plan_project_listings",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("action_plan_projects.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("listing_id", sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class PlanProject(db.Model):
    """五、重点项目: a key project and the patent portfolio (the university's listings) behind it."""

    __tablename__ = "action_plan_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: The platform or programme it comes from (全国重点实验室, 国家重点研发计划...).
    platform: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)

    listings: Mapped[list[Listing]] = relationship(secondary=plan_project_listings,
                                                   order_by=Listing.id)


class PlanVersion(db.Model):
    """One submission of a plan, frozen; the admin's decision and comment are recorded on it."""

    __tablename__ = "action_plan_versions"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number", name="plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column()
    #: Sections, targets and projects as submitted (see ``action.services.plan_snapshot``).
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Submitted after the batch's plan deadline (read in the batch's time zone).
    late: Mapped[bool] = mapped_column(default=False)
    #: ``returned`` or ``approved`` once an admin has decided; null while waiting.
    decision: Mapped[PlanState | None] = mapped_column(enum_column(PlanState))
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[Plan] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
