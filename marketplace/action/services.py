"""Every state change of batches, categories, enrolments and implementation plans."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import mail, timezones
from marketplace.accounts.models import Role, User
from marketplace.action import plan_files
from marketplace.action.models import (
    PLAN_SECTIONS,
    PLAN_TARGETS,
    Batch,
    Enrolment,
    Plan,
    PlanProject,
    PlanState,
    PlanVersion,
    UniversityCategory,
    UniversityProfile,
)
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState
from marketplace.orgs.models import Organisation, OrgKind
from marketplace.permissions import check

#: The two batches as the notice (教育部办公厅 等, 2022-12-21) sets them; admins can change them.
NOTICE_BATCHES = (
    {"number": 1, "name": "第一批次", "starts_on": date(2022, 12, 21), "plan_due_on": date(2023, 1, 30),
     "ends_on": date(2024, 12, 31),
     "eligible_categories": [UniversityCategory.DEMONSTRATION.value, UniversityCategory.PILOT.value],
     "description": "2022年底启动，发挥示范高校带头作用，探索形成高价值专利培育转化的经验做法和典型案例。"
                    "参加高校为已认定的30家国家知识产权和成果转化示范高校、有意愿的国家知识产权试点高校；"
                    "2023年1月30日前上报实施方案，2023年和2024年底上报实施成效和典型案例。"},
    {"number": 2, "name": "第二批次", "starts_on": date(2023, 3, 1), "plan_due_on": date(2023, 3, 31),
     "ends_on": date(2024, 12, 31),
     "eligible_categories": [UniversityCategory.PILOT.value, UniversityCategory.OTHER.value],
     "description": "2023年上半年启动，在更大范围内推动高质量专利培育转化机制的探索实践。"
                    "参加高校为未参加第一批次的国家知识产权试点高校和有意愿参加的其他高校；"
                    "2023年4月份前上报实施方案，2023年和2024年底上报实施成效和典型案例。"},
)
#: Sections a plan cannot be submitted without.
REQUIRED_SECTIONS = ("goals", "organisation", "mechanisms", "measures", "expected_results")
BATCH_FIELDS = ("name", "description", "starts_on", "plan_due_on", "ends_on", "timezone",
                "eligible_categories", "enrolment_open")


# --- Batches and categories ----------------------------------------------------------------------

def seed_batches(actor: User | None = None) -> int:
    """Create the notice's batches that do not exist yet; return how many were created."""
    existing = set(db.session.scalars(select(Batch.number)))
    created = 0
    for data in NOTICE_BATCHES:
        if data["number"] in existing:
            continue
        batch = Batch(timezone="Asia/Shanghai", enrolment_open=True, **data)
        db.session.add(batch)
        db.session.flush()
        audit.record("action.batch_created", actor=actor, target=batch, name=batch.name)
        created += 1
    db.session.commit()
    return created


def update_batch(actor: User, batch: Batch, data: dict) -> list[str]:
    """An admin changes a batch's dates, deadline, eligibility or whether it takes enrolments."""
    check("action.administer", actor=actor)
    try:
        timezones.zone(data.get("timezone", batch.timezone))
    except (KeyError, ValueError):
        raise ServiceError(_("Unknown time zone.")) from None
    changed = [name for name in BATCH_FIELDS if name in data and getattr(batch, name) != data[name]]
    for name in changed:
        setattr(batch, name, data[name])
    if batch.plan_due_on < batch.starts_on or batch.ends_on < batch.starts_on:
        db.session.rollback()
        raise ServiceError(_("The deadline and the end must not be before the start."))
    if changed:
        audit.record("action.batch_updated", actor=actor, target=batch, fields=",".join(changed))
        db.session.commit()
    return changed


def category_of(org_id: int) -> UniversityCategory:
    profile = db.session.get(UniversityProfile, org_id)
    return profile.category if profile else UniversityCategory.OTHER


def set_category(actor: User, org: Organisation, category: UniversityCategory) -> None:
    """An admin records whether a university is a demonstration, pilot or other university."""
    check("action.administer", actor=actor)
    if org.kind is not OrgKind.UNIVERSITY:
        raise ServiceError(_("Only universities have a category in the action."))
    profile = db.session.get(UniversityProfile, org.id)
    if profile is None:
        profile = UniversityProfile(organisation_id=org.id, category=category)
        db.session.add(profile)
    elif profile.category is category:
        return
    profile.category, profile.set_by_id = category, actor.id
    audit.record("action.category_set", actor=actor, target=org, category=category.value)
    db.session.commit()


# --- Enrolment -----------------------------------------------------------------------------------

def enrolment_of(org_id: int | None) -> Enrolment | None:
    if org_id is None:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.organisation_id == org_id))


def enrol_problem(user, batch: Batch) -> str | None:
    """Why the user cannot enrol their university in the batch, or None if they can."""
    try:
        check("action.enrol", actor=user)
    except NotAllowed as refused:
        return refused.message
    if enrolment_of(user.organisation_id) is not None:
        return _("Your university already takes part in the action.")
    if not batch.enrolment_open:
        return _("This batch is not taking enrolments.")
    if category_of(user.organisation_id) not in batch.categories:
        return _("Universities of your university's category cannot join this batch.")
    return None


def enrol(actor: User, batch: Batch) -> Enrolment:
    """A university's tto enrols it in a batch; an empty plan is started."""
    problem = enrol_problem(actor, batch)
    if problem:
        raise (InvalidTransition if actor.role is Role.TTO else NotAllowed)(problem)
    enrolment = Enrolment(batch=batch, organisation_id=actor.organisation_id,
                          category=category_of(actor.organisation_id), enrolled_by_id=actor.id)
    enrolment.plan = Plan(state=PlanState.DRAFT)
    db.session.add(enrolment)
    db.session.flush()
    audit.record("action.enrolled", actor=actor, target=enrolment, batch=batch.number)
    db.session.commit()
    return enrolment


# --- Plans ---------------------------------------------------------------------------------------

def update_plan(actor: User, plan: Plan, data: dict) -> list[str]:
    """Save the plan's sections and targets (only while it is a draft or returned)."""
    check("action.edit_plan", plan, actor=actor)
    if not plan.editable:
        raise InvalidTransition(_("The plan cannot be edited while it is submitted or approved."))
    changed = [name for name in PLAN_SECTIONS + PLAN_TARGETS
               if name in data and getattr(plan, name) != data[name]]
    for name in changed:
        setattr(plan, name, data[name])
    if changed:
        plan.updated_at = utcnow()
        audit.record("action.plan_updated", actor=actor, target=plan, fields=",".join(changed))
        db.session.commit()
    return changed


def selectable_listings(org_id: int) -> list[Listing]:
    """The university's listings a key project may name (all but drafts and withdrawn ones)."""
    return list(db.session.scalars(select(Listing).where(
        Listing.organisation_id == org_id,
        Listing.state.in_((ListingState.PUBLISHED, ListingState.SUSPENDED, ListingState.CONVERTED)))
        .order_by(Listing.grade, Listing.id)))


def _own_listings(plan: Plan, listing_ids) -> list[Listing]:
    allowed = {listing.id: listing for listing in selectable_listings(plan.enrolment.organisation_id)}
    unknown = [lid for lid in listing_ids if lid not in allowed]
    if unknown:
        raise NotAllowed(_("A key project can only name the university's own listings."))
    return [allowed[lid] for lid in sorted(set(listing_ids))]


def save_project(actor: User, plan: Plan, data: dict, project: PlanProject | None = None) -> PlanProject:
    """Add a key project (or change one) with its patent portfolio."""
    check("action.edit_plan", plan, actor=actor)
    if not plan.editable:
        raise InvalidTransition(_("The plan cannot be edited while it is submitted or approved."))
    if project is not None and project.plan_id != plan.id:
        raise NotAllowed(_("This project belongs to another plan."))
    listings = _own_listings(plan, data.get("listing_ids") or [])
    if project is None:
        project = PlanProject(position=len(plan.projects) + 1)
        plan.projects.append(project)
    project.title, project.platform = data["title"], data.get("platform")
    project.description, project.listings = data["description"], listings
    plan.updated_at = utcnow()
    db.session.flush()
    audit.record("action.plan_project_saved", actor=actor, target=plan, project=project.title,
                 listings=len(listings))
    db.session.commit()
    return project


def remove_project(actor: User, plan: Plan, project: PlanProject) -> None:
    check("action.edit_plan", plan, actor=actor)
    if not plan.editable:
        raise InvalidTransition(_("The plan cannot be edited while it is submitted or approved."))
    if project.plan_id != plan.id:
        raise NotAllowed(_("This project belongs to another plan."))
    plan.projects.remove(project)
    audit.record("action.plan_project_removed", actor=actor, target=plan, project=project.title)
    db.session.commit()


def is_late(batch: Batch, when: datetime) -> bool:
    """After the batch's plan deadline, the day read in the batch's own time zone."""
    return when.astimezone(timezones.zone(batch.timezone)).date() > batch.plan_due_on


def _text(value) -> str | None:
    if value is None:
        return None
    return str(value) if isinstance(value, Decimal | int) else value


def plan_snapshot(plan: Plan) -> dict:
    """The plan as submitted: what the version, its page and its PDF show."""
    enrolment = plan.enrolment
    return {
        "university": enrolment.organisation.name,
        "batch": {"number": enrolment.batch.number, "name": enrolment.batch.name},
        "sections": {name: getattr(plan, name) or "" for name in PLAN_SECTIONS},
        "targets": {name: _text(getattr(plan, name)) for name in PLAN_TARGETS},
        "projects": [{"title": p.title, "platform": p.platform or "", "description": p.description,
                      "listings": [{"id": li.id, "title": li.title, "grade": li.grade.value,
                                    "application_number": li.application_number,
                                    "patent_number": li.patent_number} for li in p.listings]}
                     for p in plan.projects],
    }


def submit_plan(actor: User, plan: Plan) -> PlanVersion:
    """Submit (or resubmit) the plan: its content is frozen as a new version for review."""
    check("action.edit_plan", plan, actor=actor)
    if not plan.editable:
        raise InvalidTransition(_("The plan is already submitted or approved."))
    missing = [name for name in REQUIRED_SECTIONS if not (getattr(plan, name) or "").strip()]
    if missing or not plan.projects:
        raise ServiceError(_("Fill in every section and add at least one key project before "
                             "submitting."))
    now = utcnow()
    resubmission = plan.state is PlanState.RETURNED
    version = PlanVersion(plan=plan, number=len(plan.versions) + 1, snapshot=plan_snapshot(plan),
                          submitted_at=now, submitted_by_id=actor.id,
                          late=is_late(plan.enrolment.batch, now))
    plan.state = PlanState.SUBMITTED
    db.session.add(version)
    db.session.flush()
    audit.record("action.plan_resubmitted" if resubmission else "action.plan_submitted",
                 actor=actor, target=plan, version=version.number, late=version.late or None)
    db.session.commit()
    plan_files.submitted(version)  # the worker builds its PDF now
    return version


def review_plan(actor: User, plan: Plan, decision: PlanState, comment: str | None) -> PlanVersion:
    """An admin approves the submitted plan or returns it for revision with a comment."""
    check("action.administer", actor=actor)
    if plan.state is not PlanState.SUBMITTED:
        raise InvalidTransition(_("Only a submitted plan can be reviewed."))
    if decision not in (PlanState.APPROVED, PlanState.RETURNED):
        raise ServiceError(_("Choose to approve or to return the plan."))
    comment = (comment or "").strip() or None
    if decision is PlanState.RETURNED and not comment:
        raise ServiceError(_("Say what must be revised: the comment is sent to the university."))
    version = plan.latest
    version.decision, version.review_comment = decision, comment
    version.reviewed_at, version.reviewed_by_id = utcnow(), actor.id
    plan.state = decision
    event = "action.plan_approved" if decision is PlanState.APPROVED else "action.plan_returned"
    audit.record(event, actor=actor, target=plan, version=version.number, comment=comment)
    db.session.commit()
    if version.submitted_by is not None:
        mail.send(version.submitted_by.email, _l("Your implementation plan was reviewed"),
                  "action_plan_reviewed", version.submitted_by.locale, user=version.submitted_by,
                  plan=plan, version=version,
                  approved=decision is PlanState.APPROVED)
    return version
