"""The operators' workbench: the verification queue, plans and reports to review, failed
background jobs and payments that need attention. The overview stays at ``admin.dashboard``."""

from datetime import timedelta

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import amounts
from marketplace.action.models import Enrolment, Plan, PlanState
from marketplace.action.reports.models import Report, ReportState
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.main.workbench.core import Item, Section, contributes, count_of, section
from marketplace.orgs.models import Organisation, OrgStatus
from marketplace.payments import queries as payments
from marketplace.timezones import local_date

AUDIENCE = "admin"
#: Failed jobs are shown this long after they failed.
FAILED_JOBS_FOR = timedelta(days=7)


def verification_queue():
    """Organisations waiting for verification, the longest waiting first (the queue's order)."""
    return (select(Organisation).where(Organisation.status == OrgStatus.PENDING)
            .order_by(Organisation.submitted_at))


@contributes(AUDIENCE, 10)
def verification(user) -> Section:
    return section(
        "verification", _l("Organisations to verify"), verification_queue(),
        lambda org: Item(org.name, url_for("admin.organisation", org_id=org.id),
                         meta=org.credit_code or "", when=org.submitted_at,
                         when_label=_("Submitted")),
        _l("No organisation waits for verification."),
        url_for("admin.organisations"), _l("The verification queue"))


def plans_to_review():
    return (select(Plan).where(Plan.state == PlanState.SUBMITTED)
            .options(selectinload(Plan.enrolment).selectinload(Enrolment.organisation))
            .order_by(Plan.updated_at.desc(), Plan.id.desc()))


def reports_to_review():
    return (select(Report).where(Report.state == ReportState.SUBMITTED)
            .options(selectinload(Report.organisation))
            .order_by(Report.submitted_at.desc(), Report.id.desc()))


@contributes(AUDIENCE, 20)
def reviews(user) -> Section:
    plans, reports = plans_to_review(), reports_to_review()
    items = [Item(_("Implementation plan: %(org)s", org=plan.enrolment.organisation.name),
                  url_for("action.plan", plan_id=plan.id), when=plan.updated_at,
                  when_label=_("Submitted")) for plan in db.session.scalars(plans.limit(5))]
    items += [Item(_("Annual report %(year)d: %(org)s", year=report.year,
                     org=report.organisation.name),
                   url_for("action.report", report_id=report.id), when=report.submitted_at,
                   when_label=_("Submitted")) for report in db.session.scalars(reports.limit(5))]
    items.sort(key=lambda item: item.when or utcnow(), reverse=True)
    return Section("reviews", str(_l("Plans and reports waiting for review")), items[:5],
                   count_of(plans) + count_of(reports),
                   str(_l("No plan or report waits for review.")),
                   url_for("action.review_queue"), str(_l("The review queue")))


def failed_jobs():
    """Background jobs that failed in the last week, newest first."""
    return (select(Job).where(Job.state == JobState.FAILED,
                              Job.created_at >= utcnow() - FAILED_JOBS_FOR)
            .order_by(Job.finished_at.desc().nulls_last(), Job.id.desc()))


@contributes(AUDIENCE, 30)
def jobs(user) -> Section:
    return section(
        "jobs", _l("Failed background jobs"), failed_jobs(),
        lambda job: Item(job.name, url_for("admin.failed_jobs", _anchor=f"job-{job.id}"),
                         meta=(job.error or _("No error message was stored."))[:300],
                         when=job.finished_at or job.created_at, when_label=_("Failed at"),
                         badge=_("Failed"), tone="bad"),
        _l("No background job failed in the last 7 days."),
        url_for("admin.failed_jobs"), _l("All failed jobs, with retry"))


@contributes(AUDIENCE, 40)
def payments_attention(user) -> Section:
    return section(
        "payments", _l("Payments needing attention"), payments.needing_attention(),
        lambda p: Item(_("%(amount)s from %(payer)s to %(payee)s",
                         amount=amounts.display(p.amount), payer=p.payer_org.name,
                         payee=p.payee_org.name),
                       url_for("payments.status", public_id=p.public_id),
                       meta=(_("Failed: %(reason)s", reason=p.failure_reason or "—")
                             if p.state.is_failed else _("Bank transfer pending since %(day)s",
                                                         day=format_date(local_date(p.created_at)))),
                       badge=_("Failed") if p.state.is_failed else _("Pending"),
                       tone="bad" if p.state.is_failed else "wait"),
        _l("No payment needs attention."),
        url_for("payments.admin_overview", attention="1"), _l("All payments needing attention"),
        note=_l("Bank transfers pending for more than 14 days and payments that failed in the "
                "last 30 days."))
