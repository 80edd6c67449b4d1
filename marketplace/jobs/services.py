"""Submitting and running background jobs.

A job is a registered function ``fn(job, **payload)``. ``submit`` stores a Job row and starts it
as a background task of the serving process (threading or gevent, whichever Socket.IO runs on);
its progress lives in the database so any page or process can show it. ``run`` is the single
place that moves a job through its states.
"""

import logging
from collections.abc import Callable

from flask import current_app

from marketplace import metrics, request_log
from marketplace.db_types import utcnow
from marketplace.extensions import db, socketio
from marketplace.jobs.models import Job, JobState

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
    inline = current_app.config.get("JOBS_INLINE", False) if run_inline is None else run_inline
    if inline:
        run(job.id)
    else:
        app = current_app._get_current_object()
        socketio.start_background_task(_run_in_app, app, job.id)
    return job


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def run(job_id: int) -> None:
    """Run a queued job to success or failure, recording both."""
    job = db.session.get(Job, job_id)
    if job is None or job.state is not JobState.QUEUED:
        return
    job.state, job.started_at = JobState.RUNNING, utcnow()
    db.session.commit()
    request_log.bind_job(job)
    try:
        result = REGISTRY[job.name](job, **job.payload)
    except Exception as error:  # noqa: BLE001 - a job's failure is recorded, never lost
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.name)
        metrics.job_failed(job.name)
        job = db.session.get(Job, job_id)
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.error = getattr(error, "message", None) or str(error) or type(error).__name__
        db.session.commit()
        return
    job.state, job.finished_at, job.result = JobState.SUCCEEDED, utcnow(), result
    job.progress = job.total
    db.session.commit()


def report_progress(job: Job, done: int, total: int | None = None) -> None:
    """Called by job functions; commits so other processes see the progress."""
    job.progress = done
    if total is not None:
        job.total = total
    db.session.commit()
