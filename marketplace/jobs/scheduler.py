"""One scheduler for periodic work: ``flask jobs run-due``, called every minute by a systemd timer.

Each periodic task has a name and a period. Whether it is due is stored in the database
(``scheduled_tasks.last_run_at``), not in a process, and a run is claimed with one conditional
UPDATE (``... WHERE last_run_at IS NULL OR last_run_at <= now - period``): of two schedulers at
the same moment, the database lets exactly one move ``last_run_at``, and only that one runs the
task. The claim is committed before the task runs, so a task that fails is tried again one
period later, not every minute. The tasks themselves are idempotent (each remembers what it
has sent), so a run that is cut short and repeated sends nothing twice.

Tasks register with ``@periodic(name, period)``; features register theirs (``marketplace``
never imports ``events``). The old commands (``flask alerts run``, ``flask licences remind``)
call the same functions.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import or_, update

from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs.models import ScheduledTask
from marketplace.upsert import dialect_insert

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    period: timedelta
    fn: Callable[[datetime], dict | None]
    #: What the task does, for ``flask jobs run-due --list``.
    what: str = ""


TASKS: dict[str, Periodic] = {}


def periodic(name: str, period: timedelta, what: str = ""):
    """Decorator: run ``fn(now)`` every ``period`` from ``flask jobs run-due``."""
    def decorator(fn):
        TASKS[name] = Periodic(name, period, fn, what or (fn.__doc__ or "").strip().split("\n")[0])
        return fn
    return decorator


def _ensure_rows(names) -> None:
    insert = dialect_insert(db.engine.dialect.name)
    db.session.execute(insert(ScheduledTask).values([{"name": name} for name in names])
                       .on_conflict_do_nothing(index_elements=["name"]))
    db.session.commit()


def claim(task: Periodic, now: datetime) -> bool:
    """Take this period's run of ``task``: True for exactly one of any number of callers."""
    claimed = db.session.execute(
        update(ScheduledTask)
        .where(ScheduledTask.name == task.name,
               or_(ScheduledTask.last_run_at.is_(None),
                   ScheduledTask.last_run_at <= now - task.period))
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


def run_due(now: datetime | None = None, only: list[str] | None = None) -> dict[str, object]:
    """Run every periodic task that is due; return each task's result, or "not due"."""
    now = now or utcnow()
    tasks = [TASKS[name] for name in (only or sorted(TASKS))]
    _ensure_rows([task.name for task in tasks])
    outcome: dict[str, object] = {}
    for task in tasks:
        if not claim(task, now):
            outcome[task.name] = "not due"
            continue
        result, error = None, None
        try:
            result = task.fn(now)
        except Exception as failure:  # noqa: BLE001 - one task's failure must not stop the others
            db.session.rollback()
            log.exception("periodic task %s failed", task.name)
            error = f"{type(failure).__name__}: {failure}"[:2000]
        db.session.execute(sa.update(ScheduledTask).where(ScheduledTask.name == task.name)
                           .values(last_finished_at=utcnow(), last_result=result, last_error=error))
        db.session.commit()
        outcome[task.name] = {"error": error} if error else (result or {})
    return outcome


def as_job(name: str, payload: dict | None = None) -> dict:
    """Run the registered job ``name`` here and now, recorded as a Job (a transient failure is
    retried later by the queue); its result, or an error when it failed for good."""
    from marketplace.jobs import services as jobs
    from marketplace.jobs.models import Job, JobState

    job = jobs.submit(name, payload or {}, run_inline=True)
    job = db.session.get(Job, job.id)
    db.session.refresh(job)
    if job.state is JobState.FAILED:
        raise RuntimeError(job.error)
    return {"job": job.id, "state": job.state.value, **(job.result or {})}
