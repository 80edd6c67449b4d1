"""The background job interface: states, progress and failures are recorded in the database."""

import time

import pytest

from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState


@jobs.register("tests.count")
def _count(job, upto):
    for done in range(1, upto + 1):
        jobs.report_progress(job, done, upto)
    return {"counted": upto}


@jobs.register("tests.fail")
def _fail(job):
    raise RuntimeError("disk full")


def test_inline_job_runs_to_success_with_progress(app, make_user):
    job = jobs.submit("tests.count", {"upto": 3}, make_user())
    db.session.refresh(job)
    assert job.state is JobState.SUCCEEDED and job.result == {"counted": 3}
    assert job.percent == 100 and job.started_at and job.finished_at


def test_failure_is_recorded_not_lost(app):
    job = jobs.submit("tests.fail", {})
    db.session.refresh(job)
    assert job.state is JobState.FAILED and job.error == "disk full"


def test_unknown_job_is_refused(app):
    with pytest.raises(ValueError, match="unknown job"):
        jobs.submit("tests.nope", {})


def test_background_job_finishes_in_another_thread(app):
    job = jobs.submit("tests.count", {"upto": 2}, run_inline=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(Job, job.id).done:
            break
        time.sleep(0.05)
    assert db.session.get(Job, job.id).state is JobState.SUCCEEDED


def test_a_job_runs_once(app):
    job = jobs.submit("tests.count", {"upto": 1})
    jobs.run(job.id)  # already finished: nothing happens
    db.session.refresh(job)
    assert job.state is JobState.SUCCEEDED
