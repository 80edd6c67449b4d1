"""The RQ side of the job queue, used when ``REDIS_URL`` is set.

RQ carries only a job's id: the Job row stays the source of truth. Each attempt of a Job has one
RQ job id (``<queue>-<id>-<attempt>``), so an attempt is never in the queue twice and recovery
can ask whether it is there at all. A retry waits in RQ's scheduled registry, which the
worker's scheduler moves back to the queue when due. RQ's own timeout equals the visibility
timeout, so a job that recovery takes for dead has been stopped by its worker.
"""

import os
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

#: The app of a worker process (``flask jobs worker``), for the jobs it runs.
_worker_app: Flask | None = None
#: RQ statuses of a job that is still going to run (or running).
_PENDING = {"queued", "scheduled", "started", "deferred"}


def enabled(app: Flask | None = None) -> bool:
    """Jobs go to RQ: Redis is configured."""
    return bool((app or current_app).config.get("REDIS_URL"))


def connection(app: Flask | None = None):
    """This app's Redis connection for the queue (one per app)."""
    from redis import Redis

    app = app or current_app
    key = "jobs.redis"
    if key not in app.extensions:
        app.extensions[key] = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5,
                                             health_check_interval=30)
    return app.extensions[key]


def get_queue(app: Flask | None = None):
    from rq import Queue

    app = app or current_app
    return Queue(app.config["JOBS_QUEUE"], connection=connection(app))


def rq_id(job_id: int, app: Flask | None = None) -> str:
    """The RQ id of the job's next attempt: a retry, scheduled while the attempt before it is
    still finishing in the worker, must not share that attempt's RQ record."""
    from marketplace.extensions import db
    from marketplace.jobs.models import Job

    attempts = db.session.scalar(select(Job.attempts).where(Job.id == job_id)) or 0
    return f"{(app or current_app).config['JOBS_QUEUE']}-{job_id}-{attempts + 1}"


def enqueue(job_id: int, delay: timedelta | None = None) -> None:
    """Put a Job in the RQ queue, now or after ``delay`` (RQ's scheduled registry)."""
    queue = get_queue()
    options = {"job_id": rq_id(job_id), "job_timeout": int(current_app.config["JOBS_VISIBILITY_TIMEOUT"]),
               "result_ttl": 600, "failure_ttl": 7 * 24 * 3600,
               "description": f"bxqx job {job_id}"}
    if delay is not None and delay.total_seconds() > 0:
        queue.enqueue_in(delay, perform, job_id, **options)
    else:
        queue.enqueue(perform, job_id, **options)


def is_pending(job_id: int) -> bool:
    """Whether RQ still holds the job (waiting, scheduled for a retry or running)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    try:
        status = RQJob.fetch(rq_id(job_id), connection=connection()).get_status(refresh=True)
    except NoSuchJobError:
        return False
    return getattr(status, "value", status) in _PENDING


def perform(job_id: int) -> None:
    """What the RQ worker runs: the job, in the app's context with a session of its own."""
    from marketplace.extensions import db
    from marketplace.jobs.services import run

    app = current_app._get_current_object() if has_app_context() else _worker_app
    if app is None:
        raise RuntimeError("no app: start workers with `flask jobs worker`")
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def work(app: Flask, *, burst: bool = False, simple: bool = False, name: str | None = None) -> bool:
    """Run an RQ worker on the app's queue (``flask jobs worker``).

    The default worker forks a work horse per job (a crash or a leak ends with the job); the
    database pool is dropped in the child, whose connections must be its own.
    """
    from rq import SimpleWorker, Worker

    from marketplace.extensions import db

    global _worker_app
    _worker_app = app

    def _fresh_pool() -> None:
        with app.app_context():
            db.engine.dispose(close=False)

    worker_class = SimpleWorker if simple else Worker
    if not simple:
        with app.app_context():
            db.engine.dispose()  # nothing pooled in the parent for the work horses to inherit
        os.register_at_fork(after_in_child=_fresh_pool)
    worker = worker_class([get_queue(app)], connection=connection(app), name=name)
    return worker.work(burst=burst, with_scheduler=True,
                       logging_level=app.config.get("LOG_LEVEL", "INFO"))
