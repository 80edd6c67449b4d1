"""Periodic open-licence work, idempotent: trial payment reminders, "payment overdue", and CNIPA
recordation reminders. Run by the ``licences.reminders`` job or ``flask licences remind``
(from cron or a systemd timer, daily)."""

from datetime import date, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace import timezones
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import scheduler
from marketplace.jobs.services import register
from marketplace.licences import notices
from marketplace.licences.licensing import lock
from marketplace.licences.models import LicenceState, OpenLicence

#: How many days ahead a payment or recordation deadline is announced.
REMIND_DAYS = 14


def run(today: date | None = None) -> dict[str, int]:
    """Send what is due today; each reminder goes once, each licence turns overdue once."""
    today = today or timezones.today()
    counts = {"trial_reminders": 0, "overdue": 0, "record_reminders": 0}
    soon = today + timedelta(days=REMIND_DAYS)
    trials = db.session.scalars(select(OpenLicence.id).where(
        OpenLicence.state == LicenceState.TRIAL, OpenLicence.payment_due_on.is_not(None))).all()
    for licence_id in trials:
        licence = lock(licence_id)
        if licence.state is not LicenceState.TRIAL:
            db.session.rollback()
            continue
        turned_overdue = licence.payment_due_on < today
        if turned_overdue:
            licence.state, licence.overdue_at = LicenceState.PAYMENT_OVERDUE, utcnow()
            audit.record("open_licence.payment_overdue", target=licence,
                         due=licence.payment_due_on.isoformat())
            notices.overdue(licence)
            counts["overdue"] += 1
        elif licence.payment_due_on <= soon and licence.trial_reminder_sent_at is None:
            licence.trial_reminder_sent_at = utcnow()
            notices.trial_reminder(licence)
            counts["trial_reminders"] += 1
        db.session.commit()
        if turned_overdue:
            notices.payment_overdue(licence)
    unrecorded = db.session.scalars(select(OpenLicence.id).where(
        OpenLicence.record_number.is_(None), OpenLicence.record_due_on <= soon,
        OpenLicence.record_reminder_sent_at.is_(None),
        OpenLicence.state.in_([LicenceState.TRIAL, LicenceState.PAYMENT_OVERDUE,
                               LicenceState.EFFECTIVE]))).all()
    for licence_id in unrecorded:
        licence = lock(licence_id)
        if licence.record_reminder_sent_at is None and licence.record_number is None:
            licence.record_reminder_sent_at = utcnow()
            notices.record_reminder(licence)
            counts["record_reminders"] += 1
        db.session.commit()
    return counts


@register("licences.reminders")
def reminders_job(job, today: str | None = None) -> dict:
    """The job form of ``run`` (its result is the counts)."""
    return run(date.fromisoformat(today) if today else None)


@scheduler.periodic("licences.reminders", timedelta(hours=1))
def periodic_reminders(now) -> dict:
    """Trial, overdue and CNIPA recordation reminders (what ``flask licences remind`` does)."""
    return scheduler.as_job("licences.reminders")


licences_cli = AppGroup("licences", help="Open licences.")


@licences_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if it were this day (China Standard Time).")
def remind_command(today):
    """Send trial, overdue and CNIPA recordation reminders that are due (safe to repeat)."""
    counts = run(today.date() if today else None)
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))
