"""One scheduler (``flask jobs run-due``): each periodic task runs once per period, however many
schedulers run at the same moment; the old commands still work; a need's expiry is told once."""

import threading
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import scheduler
from marketplace.jobs.models import Job, ScheduledTask
from marketplace.needs.models import Need
from marketplace.notifications.models import Notification
from tests import factories

RUNS: list[str] = []
_lock = threading.Lock()


@scheduler.periodic("tests.tick", timedelta(minutes=1))
def _tick(now) -> dict:
    """A task that takes a while, so two schedulers overlap."""
    with _lock:
        RUNS.append(now.isoformat())
    threading.Event().wait(0.2)
    return {"ticks": 1}


@scheduler.periodic("tests.broken", timedelta(minutes=5))
def _broken(now) -> dict:
    raise RuntimeError("the digest service is down")


def test_two_schedulers_at_once_run_a_task_once_per_period(app):
    RUNS.clear()
    start = utcnow()
    for round_ in range(3):
        now = start + timedelta(minutes=round_, seconds=1)
        barrier, outcomes = threading.Barrier(2), []

        def scheduler_process(now=now, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                barrier.wait()
                outcomes.append(scheduler.run_due(now, only=["tests.tick"])["tests.tick"])
                db.session.remove()

        threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(map(str, outcomes)) == sorted(["not due", str({"ticks": 1})])
    assert len(RUNS) == 3  # one run per period, never two


def test_a_task_is_due_again_one_period_later(app):
    RUNS.clear()
    now = utcnow()
    assert scheduler.run_due(now, only=["tests.tick"]) == {"tests.tick": {"ticks": 1}}
    assert scheduler.run_due(now + timedelta(seconds=59), only=["tests.tick"]) == {
        "tests.tick": "not due"}
    assert scheduler.run_due(now + timedelta(seconds=60), only=["tests.tick"]) == {
        "tests.tick": {"ticks": 1}}
    row = db.session.get(ScheduledTask, "tests.tick")
    assert row.last_run_at == now + timedelta(seconds=60) and row.last_result == {"ticks": 1}


def test_a_failing_task_is_recorded_and_tried_one_period_later(app):
    RUNS.clear()
    now = utcnow()
    outcome = scheduler.run_due(now, only=["tests.broken", "tests.tick"])
    assert outcome["tests.broken"] == {"error": "RuntimeError: the digest service is down"}
    assert outcome["tests.tick"] == {"ticks": 1}  # the others still ran
    assert db.session.get(ScheduledTask, "tests.broken").last_error.endswith("is down")
    assert scheduler.run_due(now + timedelta(minutes=1), only=["tests.broken"]) == {
        "tests.broken": "not due"}


def test_run_due_runs_every_periodic_task_and_the_old_commands_still_work(app, runner):
    result = runner.invoke(args=["jobs", "run-due", "--list"])
    for name in ("alerts.run", "licences.reminders", "jobs.recover", "needs.expiry"):
        assert name in result.output
    first = runner.invoke(args=["jobs", "run-due", "--only", "alerts.run", "--only",
                                "licences.reminders", "--only", "jobs.recover",
                                "--only", "needs.expiry"])
    assert first.exit_code == 0, first.output
    assert "alerts.run: {" in first.output and "needs.expiry: {\"needs_expired\": 0}" in first.output
    second = runner.invoke(args=["jobs", "run-due", "--only", "alerts.run"])
    assert second.output.strip() == "alerts.run: not due"
    names = db.session.scalars(select(Job.name).order_by(Job.id)).all()
    assert names == ["alerts.run", "licences.reminders"]  # recorded as jobs, like the commands
    assert runner.invoke(args=["alerts", "run"]).exit_code == 0
    assert "trial_reminders: 0" in runner.invoke(args=["licences", "remind"]).output
    assert runner.invoke(args=["jobs", "run-due", "--only", "nope"]).exit_code != 0


def test_a_company_hears_once_that_its_need_expired(app, make_user, outbox):
    company = make_user(Role.COMPANY, locale="zh_CN")
    colleague = make_user(Role.COMPANY, org=company.organisation)
    need = factories.need(company, deadline=date.today() + timedelta(days=30))
    db.session.execute(db.update(Need).where(Need.id == need.id)
                       .values(deadline=date.today() - timedelta(days=2)))
    db.session.commit()
    now = utcnow()
    assert scheduler.run_due(now, only=["needs.expiry"]) == {"needs.expiry": {"needs_expired": 1}}
    told = db.session.scalars(select(Notification).where(Notification.kind == "needs.expired")).all()
    assert sorted(n.user_id for n in told) == sorted([company.id, colleague.id])
    assert told[0].link == f"/needs/{need.id}"
    assert any("已过截止日期" in str(m["Subject"]) for m in outbox())
    # The next hour: nothing new to tell.
    assert scheduler.run_due(now + timedelta(hours=1), only=["needs.expiry"]) == {
        "needs.expiry": {"needs_expired": 0}}
    # A new deadline that passes in turn is told again.
    from marketplace.needs import services as needs

    needs.update_need(company, db.session.get(Need, need.id),
                      {"deadline": date.today() + timedelta(days=1)})
    assert db.session.get(Need, need.id).expiry_notified_at is None
