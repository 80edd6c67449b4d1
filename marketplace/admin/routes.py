"""Views of the administration: verification queue, organisations, users and the audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from marketplace import text
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.admin.forms import RejectForm, RoleForm
from marketplace.audit import describe
from marketplace.audit.models import AuditEvent
from marketplace.audit.services import EVENTS
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.orgs import claims, creditcode
from marketplace.orgs import services as orgs
from marketplace.orgs.forms import DOCUMENT_LABELS
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from marketplace.pagination import paginate
from marketplace.permissions import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50
#: Contested credit codes compared side by side at the top of the queue (the rest: their pages).
CONTESTED_SHOWN = 10


@bp.route("/")
@admin_required
def dashboard():
    """Overview for the operators: what waits for a decision and recent events."""
    counts = dict(db.session.execute(
        select(Organisation.status, func.count()).group_by(Organisation.status)).all())
    kinds = dict(db.session.execute(
        select(Organisation.kind, func.count()).where(Organisation.status == OrgStatus.VERIFIED)
        .group_by(Organisation.kind)).all())
    users = db.session.scalar(select(func.count()).select_from(User))
    recent = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)).all()
    return render_template("admin/dashboard.html", counts=counts, kinds=kinds, users=users,
                           recent=recent, OrgStatus=OrgStatus, OrgKind=OrgKind, EVENTS=EVENTS)


@bp.route("/organisations")
@admin_required
def organisations():
    """The verification queue (pending first) and every organisation by status."""
    status_value = request.args.get("status", OrgStatus.PENDING.value)
    status = OrgStatus(status_value) if status_value in {s.value for s in OrgStatus} else None
    query = select(Organisation).order_by(Organisation.submitted_at)
    if status is not None:
        query = query.where(Organisation.status == status)
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(or_(*(Organisation.name.contains(spelling, autoescape=True)
                                  for spelling in text.variants(search)),
                                Organisation.credit_code.contains(creditcode.normalise(search),
                                                                  autoescape=True)))
    page = paginate(query, per_page=PER_PAGE)
    competing = claims.competing_codes(org.credit_code for org in page.items)
    # Pending claims that compete for a code are compared side by side above the list.
    contested = [(code, claims.claims_for(code)) for code in sorted(competing)
                 if any(org.status is OrgStatus.PENDING and org.credit_code == code
                        for org in page.items)][:CONTESTED_SHOWN]
    return render_template("admin/organisations.html", page=page, status=status, search=search,
                           OrgStatus=OrgStatus, competing=competing, contested=contested,
                           DOCUMENT_LABELS=DOCUMENT_LABELS)


@bp.route("/organisations/<int:org_id>")
@admin_required
def organisation(org_id):
    """One organisation with its members and the verification decision."""
    return _organisation_page(load_or_404(Organisation, org_id), RejectForm())


def _organisation_page(org: Organisation, reject_form: RejectForm):
    history = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "organisations",
                                 AuditEvent.target_id == org.id)
        .order_by(AuditEvent.id.desc())).all()
    return render_form("admin/organisation.html", reject_form, org=org, reject_form=reject_form,
                       history=history, EVENTS=EVENTS, claims=claims.claims_for(org.credit_code),
                       holder=claims.verified_holder(org.credit_code), DOCUMENT_LABELS=DOCUMENT_LABELS)


@bp.route("/organisations/<int:org_id>/verify", methods=["POST"])
@admin_required
def verify(org_id):
    """Approve an organisation."""
    org = load_or_404(Organisation, org_id)
    try:
        orgs.verify(me(), org)
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("admin.organisation", org_id=org.id))
    flash(_("%(name)s is verified.", name=org.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/<int:org_id>/reject", methods=["POST"])
@admin_required
def reject(org_id):
    """Reject an organisation with a reason."""
    org = load_or_404(Organisation, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            orgs.reject(me(), org, form.reason.data)
        except ServiceError as error:
            flash_service_error(error)
            return redirect(url_for("admin.organisation", org_id=org.id))
        flash(_("%(name)s was rejected; its administrators have been told why.", name=org.name),
              "info")
        return redirect(url_for("admin.organisations"))
    return _organisation_page(org, form)


@bp.route("/users")
@admin_required
def users():
    """Every account, searchable by name or e-mail."""
    query = select(User).options(selectinload(User.organisation)).order_by(User.id)
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(or_(User.email.contains(search.lower(), autoescape=True),
                                User.name.contains(search, autoescape=True)))
    role_value = request.args.get("role", "")
    selected = Role(role_value) if role_value in {r.value for r in Role} else None
    if selected is not None:
        query = query.where(User.role == selected)
    page = paginate(query, per_page=PER_PAGE)
    return render_template("admin/users.html", page=page, search=search, role=role_value,
                           selected_role=selected, Role=Role, role_form=RoleForm())


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id):
    """Change a user's role."""
    user = load_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose a valid role."))
    with flash_service_errors():
        accounts.change_role(me(), user, Role(form.role.data))
        flash(_("Role of %(name)s updated.", name=user.name), "success")
    return redirect(url_for("admin.users", q=user.email))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id):
    """Deactivate or reactivate an account."""
    user = load_or_404(User, user_id)
    with flash_service_errors():
        accounts.set_active(me(), user, request.form.get("value") == "1")
        flash(_("Account of %(name)s updated.", name=user.name), "success")
    return redirect(url_for("admin.users", q=user.email))


@bp.route("/audit")
@admin_required
def audit():
    """The audit log, newest first, filterable by event and by e-mail."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    event = request.args.get("event", "")
    if event in EVENTS:
        query = query.where(AuditEvent.event == event)
    search = request.args.get("q", "").strip().lower()
    if search:
        query = query.where(AuditEvent.actor_email.contains(search, autoescape=True))
    page = paginate(query, per_page=PER_PAGE)
    return render_template("admin/audit.html", page=page, event=event, search=search,
                           EVENTS=EVENTS, targets=describe.targets(page.items),
                           details=describe.details)


@bp.route("/jobs/failed")
@admin_required
def failed_jobs():
    """Background jobs that failed for good, newest first, with their error and a retry button."""
    query = (select(Job).where(Job.state == JobState.FAILED)
             .order_by(Job.finished_at.desc().nulls_last(), Job.id.desc()))
    return render_template("admin/failed_jobs.html", page=paginate(query, per_page=PER_PAGE))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@admin_required
def retry_job(job_id):
    """Send a failed job back to the queue for a fresh set of attempts."""
    job = load_or_404(Job, job_id)
    with flash_service_errors():
        jobs.retry(me(), job)
        flash(_("Job #%(number)d is queued again.", number=job.id), "success")
    return redirect(url_for("admin.failed_jobs"))
