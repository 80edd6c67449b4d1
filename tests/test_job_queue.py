"""The job queue: transient failures retry with a growing wait until the limit, then fail with the
error; recovery requeues jobs whose process died; an import's lock expires with its job; admins
retry failed jobs; with Redis, jobs go to RQ and a real RQ worker runs them."""

import os
import smtplib
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis import Redis
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.jobs.retry import is_transient
from marketplace.listings.imports import services as importer
from marketplace.listings.imports.models import ImportBatch, ImportState
from tests.conftest import login, post, zh
from tests.services import require

CALLS: list[str] = []


@jobs.register("tests.mail_failing_n_times")
def _mail_failing_n_times(job, failures: int):
    CALLS.append("run")
    if len(CALLS) <= failures:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    return {"sent": True}


@jobs.register("tests.bug")
def _bug(job):
    CALLS.append("run")
    raise KeyError("listing_id")


@jobs.register("tests.where")
def _where(job):
    return {"pid": os.getpid()}


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _due_now(job_id: int) -> None:
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_transient_failures_retry_with_growing_waits_then_fail_with_the_error(app):
    app.config.update(JOBS_MAX_ATTEMPTS=3, JOBS_RETRY_BASE_SECONDS=60)
    job = jobs.submit("tests.mail_failing_n_times", {"failures": 5})
    job = _job(job.id)
    assert job.state is JobState.QUEUED and job.attempts == 1
    first_wait = job.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)
    jobs.run(job.id)  # not due yet: nothing happens
    assert _job(job.id).attempts == 1 and CALLS == ["run"]

    _due_now(job.id)
    jobs.run(job.id)
    job = _job(job.id)
    assert job.attempts == 2 and timedelta(seconds=110) < job.next_attempt_at - utcnow()
    _due_now(job.id)
    jobs.run(job.id)
    job = _job(job.id)
    assert job.state is JobState.FAILED and job.attempts == 3 and job.next_attempt_at is None
    assert job.error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_transient_failure_that_passes_ends_in_success(app):
    app.config["JOBS_RETRY_BASE_SECONDS"] = 0
    job = jobs.submit("tests.mail_failing_n_times", {"failures": 1})
    assert _job(job.id).state is JobState.QUEUED
    jobs.run(job.id)
    job = _job(job.id)
    assert job.state is JobState.SUCCEEDED and job.attempts == 2 and job.error is None


def test_a_bug_fails_at_once(app):
    job = _job(jobs.submit("tests.bug", {}).id)
    assert job.state is JobState.FAILED and job.attempts == 1 and CALLS == ["run"]


def test_which_failures_are_transient():
    assert is_transient(smtplib.SMTPConnectError(421, "busy"))
    assert is_transient(smtplib.SMTPResponseException(451, "try later"))
    assert not is_transient(smtplib.SMTPResponseException(550, "no such user"))
    assert not is_transient(smtplib.SMTPRecipientsRefused({"a@b.cn": (550, b"no")}))
    assert is_transient(ConnectionRefusedError(111, "refused"))

    class Deadlock(Exception):
        sqlstate = "40P01"

    assert is_transient(OperationalError("UPDATE", {}, Deadlock("deadlock detected")))
    assert is_transient(OperationalError("UPDATE", {}, Exception("database is locked")))
    assert not is_transient(OperationalError("SELECT", {}, Exception("no such column: x")))
    assert not is_transient(ValueError("bad row"))


def _orphan(state: JobState, *, age: timedelta, attempts: int = 1, **values) -> Job:
    """A job left by a process that died ``age`` ago."""
    then = utcnow() - age
    job = Job(name="tests.where", payload={}, state=state, attempts=attempts, created_at=then,
              started_at=then if state is JobState.RUNNING else None,
              heartbeat_at=then if state is JobState.RUNNING else None, **values)
    db.session.add(job)
    db.session.commit()
    return job


def test_recovery_requeues_jobs_whose_process_died(app):
    app.config.update(JOBS_VISIBILITY_TIMEOUT=600, JOBS_MAX_ATTEMPTS=3)
    dead = _orphan(JobState.RUNNING, age=timedelta(minutes=11))
    alive = _orphan(JobState.RUNNING, age=timedelta(minutes=5))
    spent = _orphan(JobState.RUNNING, age=timedelta(minutes=30), attempts=3)
    forgotten = _orphan(JobState.QUEUED, age=timedelta(minutes=5))
    fresh = _orphan(JobState.QUEUED, age=timedelta(seconds=10))

    counts = jobs.recover(inline=True)
    assert counts == {"requeued": 1, "failed": 1, "dispatched": 2}
    dead, alive, spent = _job(dead.id), _job(alive.id), _job(spent.id)
    assert dead.state is JobState.SUCCEEDED and dead.attempts == 2
    assert alive.state is JobState.RUNNING
    assert spent.state is JobState.FAILED and "no sign of life" in spent.error
    assert _job(forgotten.id).state is JobState.SUCCEEDED
    assert _job(fresh.id).state is JobState.QUEUED  # its runner may still take it
    assert jobs.recover(inline=True)["dispatched"] == 0  # nothing left to do: idempotent


def test_progress_is_a_sign_of_life(app):
    app.config["JOBS_VISIBILITY_TIMEOUT"] = 600
    job = _orphan(JobState.RUNNING, age=timedelta(minutes=20))
    jobs.report_progress(job, 5, 10)
    assert jobs.recover(inline=True)["requeued"] == 0 and _job(job.id).state is JobState.RUNNING


def test_an_import_lock_expires_with_its_dead_job(app, make_user):
    app.config.update(JOBS_VISIBILITY_TIMEOUT=600, JOBS_MAX_ATTEMPTS=1)
    tto = make_user(Role.TTO)
    long_ago = utcnow() - timedelta(hours=1)
    job = _orphan(JobState.RUNNING, age=timedelta(minutes=40))
    batch = ImportBatch(organisation_id=tto.organisation_id, created_by_id=tto.id,
                        filename="big.xlsx", state=ImportState.VALIDATING, created_at=long_ago,
                        job_id=job.id)
    db.session.add(batch)
    db.session.commit()
    job.name, job.payload = importer.VALIDATE_JOB, {"batch_id": batch.id, "locale": "zh_CN"}
    db.session.commit()
    assert importer.busy(batch)  # its job is (said to be) running

    jobs.recover(inline=True)
    assert _job(job.id).state is JobState.FAILED
    assert not importer.busy(db.session.get(ImportBatch, batch.id))


def test_admin_retries_a_failed_job_from_the_failed_jobs_page(app, client, auth, make_user):
    job = _job(jobs.submit("tests.bug", {}).id)
    admin = login(auth, make_user(Role.ADMIN))
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert f'id="job-{job.id}"' in page and "KeyError" not in page and "&#39;listing_id&#39;" in page
    assert zh("Send back to the queue") in page
    workbench = client.get("/dashboard").get_data(as_text=True)
    assert "/admin/jobs/failed" in workbench

    job.name, job.payload = "tests.where", {}  # the cause was fixed meanwhile
    db.session.commit()
    response = post(client, f"/admin/jobs/{job.id}/retry")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/jobs/failed"
    job = _job(job.id)
    assert job.state is JobState.SUCCEEDED and job.attempts == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "job.retried")).one()
    assert event.actor_id == admin.id and event.target_id == job.id
    # A second press on a job that is no longer failed changes nothing.
    post(client, f"/admin/jobs/{job.id}/retry")
    assert _job(job.id).state is JobState.SUCCEEDED
    assert db.session.scalar(select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.event == "job.retried")) == 1


# --- RQ: the real Redis on loopback, a real worker in this process -------------------------------

@pytest.fixture
def rq_app(app):
    """The app with Redis configured for jobs: a database number of the lane's own, flushed."""
    require("Redis", "127.0.0.1", 6379)
    number = 13 if db.engine.dialect.name == "postgresql" else 14
    url = os.environ.get("TEST_JOBS_REDIS_URL", f"redis://127.0.0.1:6379/{number}")
    redis = Redis.from_url(url)
    redis.flushdb()
    app.config.update(REDIS_URL=url, JOBS_INLINE=False, JOBS_QUEUE="test-jobs")
    yield app
    redis.flushdb()
    redis.close()
    app.extensions.pop("jobs.redis", None)


def test_with_redis_a_job_waits_for_the_worker_and_the_worker_runs_it(rq_app):
    job = jobs.submit("tests.where", {})
    assert _job(job.id).state is JobState.QUEUED  # not run by the submitting process
    assert queue.is_pending(job.id) and queue.get_queue().count == 1
    assert jobs.recover(inline=False)["dispatched"] == 0  # in the queue: not an orphan

    queue.work(rq_app, burst=True, simple=True)
    job = _job(job.id)
    assert job.state is JobState.SUCCEEDED and job.attempts == 1
    assert job.result == {"pid": os.getpid()} and not queue.is_pending(job.id)


def test_with_redis_a_transient_failure_is_scheduled_again_in_rq(rq_app):
    rq_app.config["JOBS_RETRY_BASE_SECONDS"] = 30
    job = jobs.submit("tests.mail_failing_n_times", {"failures": 1})
    queue.work(rq_app, burst=True, simple=True)
    job = _job(job.id)
    assert job.state is JobState.QUEUED and job.attempts == 1 and job.next_attempt_at
    assert queue.is_pending(job.id)  # in RQ's scheduled registry, due in 30 s
    from rq.registry import ScheduledJobRegistry

    registry = ScheduledJobRegistry(queue=queue.get_queue())
    assert registry.get_job_ids() == [queue.rq_id(job.id)]


def test_with_redis_a_job_missing_from_the_queue_is_requeued(rq_app):
    job = jobs.submit("tests.where", {})
    queue.get_queue().empty()  # Redis lost it (restarted without persistence)
    db.session.execute(sa.update(Job).where(Job.id == job.id)
                       .values(created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert jobs.recover()["dispatched"] == 1 and queue.is_pending(job.id)
    queue.work(rq_app, burst=True, simple=True)
    assert _job(job.id).state is JobState.SUCCEEDED


def test_with_redis_a_large_import_is_parsed_by_the_worker_not_the_request(
        rq_app, client, auth, make_user):
    from tests.imports_support import batch_of, good_rows, upload, xlsx

    rq_app.config.update(IMPORT_BACKGROUND_ROWS=3, IMPORT_WORKER_PARSE_BYTES=1024)
    tto = login(auth, make_user(Role.TTO))
    started = time.monotonic()
    assert upload(client, xlsx(good_rows())).status_code == 302
    assert time.monotonic() - started < 10
    batch = batch_of(tto)
    # The request only stored the file: not even parsed yet.
    assert batch.state is ImportState.VALIDATING and batch.total_rows == 0 and importer.busy(batch)
    assert importer._stash(batch.id).exists()
    (job,) = db.session.scalars(select(Job).where(Job.name == importer.VALIDATE_JOB)).all()
    assert job.state is JobState.QUEUED

    queue.work(rq_app, burst=True, simple=True)
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.state is ImportState.VALIDATED and (batch.total_rows, batch.valid_rows) == (3, 3)
    assert not importer.busy(batch) and not importer._stash(batch.id).exists()
    page = client.get(f"/manage/imports/{batch.id}").get_data(as_text=True)
    assert zh("Import the valid rows") in page


def test_with_redis_a_file_the_worker_cannot_read_fails_with_the_reason(
        rq_app, client, auth, make_user):
    from tests.imports_support import batch_of, upload

    rq_app.config["IMPORT_WORKER_PARSE_BYTES"] = 1024
    tto = login(auth, make_user(Role.TTO))
    assert upload(client, b"PK\x03\x04" + b"\0" * 4096).status_code == 302  # a broken XLSX
    queue.work(rq_app, burst=True, simple=True)
    db.session.expire_all()
    batch = batch_of(tto)
    assert batch.state is ImportState.FAILED and not importer.busy(batch)
    (problem,) = batch.problems
    job = db.session.scalars(select(Job).where(Job.name == importer.VALIDATE_JOB)).one()
    assert job.state is JobState.FAILED and problem["message"] == job.error
    page = client.get(f"/manage/imports/{batch.id}").get_data(as_text=True)
    assert problem["message"] in page


def test_with_redis_down_a_submitted_job_waits_in_the_database(app):
    import socket

    with socket.socket() as probe:  # a port where nothing listens: Redis is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{port}/0", JOBS_INLINE=False)
    job = jobs.submit("tests.where", {})  # no error for the caller
    assert _job(job.id).state is JobState.QUEUED
    app.extensions.pop("jobs.redis", None)
