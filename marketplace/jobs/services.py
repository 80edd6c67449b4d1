"""Submitting and running background jobs.

A job is a registered function ``fn(job, **payload)``. ``submit`` stores a Job row and hands it
to a runner: with ``REDIS_URL`` set, the RQ queue that ``flask jobs worker`` processes
(``jobs.queue``), so CPU-heavy work (imports, matching, PDFs) never runs in a web process;
without Redis, a background task of the serving process (threading or gevent, whichever
Socket.IO runs on). The Job row is the source of truth wherever the job runs: state, attempts,
next attempt, heartbeat, progress and error. ``run`` is the single place that moves a job
through its states; a transient failure (``jobs.retry``) puts it back in the queue with a
backoff until ``JOBS_MAX_ATTEMPTS``, then it fails with its error. ``recover`` requeues jobs
whose process died.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from marketplace import metrics, request_log
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition
from marketplace.extensions import db, socketio
from marketplace.jobs import after_commit, queue
from marketplace.jobs.models import Job, JobState
from marketplace.jobs.retry import backoff, describe, is_transient
from marketplace.permissions import check

log = logging.getLogger(__name__)
REGISTRY: dict[str, Callable] = {}


def register(name: str):
    """Decorator registering a job function under ``name``."""
    def decorator(fn):
        REGISTRY[name] = fn
        return fn
    return decorator


def submit(name: str, payload: dict, user=None, *, run_inline: bool | None = None) -> Job:
    """Record a job and start it. With ``JOBS_INLINE`` (tests) it runs before this returns."""
    if name not in REGISTRY:
        raise ValueError(f"unknown job {name!r}")
    job = Job(name=name, payload=payload, created_by_id=user.id if user is not None else None)
    db.session.add(job)
    db.session.commit()
    dispatch(job.id, inline=run_inline)
    return job


def dispatch(job_id: int, *, inline: bool | None = None, delay: timedelta | None = None) -> None:
    """Hand a committed QUEUED job to its runner: here and now (``JOBS_INLINE`` when not
    given), RQ, or a background task of this process."""
    if inline is None:
        inline = current_app.config.get("JOBS_INLINE", False)
    if inline:
        run(job_id)
    elif queue.enabled():
        _enqueue(job_id, delay)
    else:
        app = current_app._get_current_object()
        socketio.start_background_task(_run_in_app, app, job_id,
                                       delay.total_seconds() if delay else 0)


def _enqueue(job_id: int, delay: timedelta | None = None) -> None:
    """Put the job in RQ; with Redis unreachable, it stays QUEUED in the database and recovery
    dispatches it once Redis is back (the request that submitted it goes on)."""
    try:
        queue.enqueue(job_id, delay)
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("job %s stays queued until the queue is reachable: %s", job_id, describe(error))


def _run_in_app(app, job_id: int, delay: float = 0) -> None:
    """The in-process runner: run the job, and again after each retry's backoff."""
    while True:
        if delay > 0:
            socketio.sleep(delay)
        with app.app_context():
            try:
                run(job_id)
                job = db.session.get(Job, job_id)
                if job is None or job.state is not JobState.QUEUED or job.next_attempt_at is None:
                    return
                delay = max((job.next_attempt_at - utcnow()).total_seconds(), 0.0)
            finally:
                db.session.remove()


def _claim(job_id: int) -> bool:
    """Move a due QUEUED job to RUNNING, atomically: of two runners only one gets it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED,
                          or_(Job.next_attempt_at.is_(None), Job.next_attempt_at <= now))
        .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1, finished_at=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


def run(job_id: int) -> None:
    """Run a queued job that is due to success, a retry later, or failure, recording each."""
    if not _claim(job_id):
        return
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    request_log.bind_job(job)
    try:
        result = REGISTRY[job.name](job, **job.payload)
    except Exception as error:  # noqa: BLE001 - a job's failure is recorded, never lost
        db.session.rollback()
        _failed(job_id, error)
        return
    job.state, job.finished_at, job.result = JobState.SUCCEEDED, utcnow(), result
    job.progress, job.error, job.next_attempt_at = job.total, None, None
    db.session.commit()


def _failed(job_id: int, error: BaseException) -> None:
    job = db.session.get(Job, job_id)
    job.error = describe(error)
    if is_transient(error) and job.attempts < max_attempts():
        delay = backoff(job.attempts, current_app.config)
        job.state, job.next_attempt_at = JobState.QUEUED, utcnow() + delay
        log.warning("job %s (%s) attempt %s failed, retrying in %ss: %s", job_id, job.name,
                    job.attempts, int(delay.total_seconds()), job.error)
        db.session.commit()
        if queue.enabled():
            _enqueue(job_id, delay)
        return
    log.error("job %s (%s) failed after %s attempt(s): %s", job_id, job.name, job.attempts,
              job.error, exc_info=error)
    job.state, job.finished_at, job.next_attempt_at = JobState.FAILED, utcnow(), None
    db.session.commit()
    metrics.job_failed(job.name)


def max_attempts() -> int:
    return int(current_app.config["JOBS_MAX_ATTEMPTS"])


def report_progress(job: Job, done: int, total: int | None = None) -> None:
    """Called by job functions; commits so other processes see the progress (and that it lives)."""
    job.progress, job.heartbeat_at = done, utcnow()
    if total is not None:
        job.total = total
    db.session.commit()


def retry(actor, job: Job) -> None:
    """An admin sends a failed job back to the queue for a fresh set of attempts (audited)."""
    check("jobs.retry", actor=actor)
    if job.state is not JobState.FAILED:
        raise InvalidTransition(_("Only a failed job can be sent back to the queue."))
    job.state, job.attempts, job.next_attempt_at = JobState.QUEUED, 0, None
    job.started_at = job.finished_at = job.heartbeat_at = None
    audit.record("job.retried", actor=actor, target=job, job=job.name, error=job.error or "")
    db.session.commit()
    after_commit.call(dispatch, job.id, what=f"dispatch job {job.id}")


def recover(now=None, *, inline: bool | None = None) -> dict:
    """Requeue jobs left behind by a process that died; return how many of each.

    RUNNING with no heartbeat for ``JOBS_VISIBILITY_TIMEOUT`` seconds: back to QUEUED (or FAILED
    once its attempts are spent). QUEUED and due, but in no queue: dispatched again, here when
    there is no RQ (the scheduler is then the runner of last resort).
    """
    config = current_app.config
    now = now or utcnow()
    timeout = timedelta(seconds=config["JOBS_VISIBILITY_TIMEOUT"])
    stale = db.session.scalars(select(Job).where(
        Job.state == JobState.RUNNING,
        or_(Job.heartbeat_at < now - timeout,
            Job.heartbeat_at.is_(None) & (Job.started_at < now - timeout)))
        .with_for_update(skip_locked=True)).all()
    counts = {"requeued": 0, "failed": 0, "dispatched": 0}
    for job in stale:
        job.error = (f"interrupted: no sign of life for {int(timeout.total_seconds())} s "
                     "(its process stopped)")
        if job.attempts >= max_attempts():
            job.state, job.finished_at = JobState.FAILED, now
            counts["failed"] += 1
        else:
            job.state, job.next_attempt_at = JobState.QUEUED, now
            counts["requeued"] += 1
    db.session.commit()
    grace = timedelta(seconds=config["JOBS_QUEUED_GRACE"])
    waiting = db.session.scalars(select(Job.id).where(
        Job.state == JobState.QUEUED,
        or_(Job.next_attempt_at <= now - grace,
            Job.next_attempt_at.is_(None) & (Job.created_at <= now - grace)),
    ).order_by(Job.id)).all()
    waiting += [job.id for job in stale if job.state is JobState.QUEUED and job.id not in waiting]
    in_process = not queue.enabled() if inline is None else inline
    for job_id in waiting:
        if not in_process and queue.is_pending(job_id):
            continue
        if in_process:
            db.session.execute(update(Job).where(Job.id == job_id, Job.next_attempt_at > utcnow())
                               .values(next_attempt_at=utcnow()))
            db.session.commit()
        dispatch(job_id, inline=in_process)
        counts["dispatched"] += 1
    return counts
