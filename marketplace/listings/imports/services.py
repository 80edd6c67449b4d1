"""Bulk import of listings: every state change of an ImportBatch goes through a function here.

upload (read, check, validate) -> validated -> import_valid_rows (one transaction) | discard.
Files of ``IMPORT_BACKGROUND_ROWS`` rows or more are validated, and their valid rows imported,
by background jobs (``jobs``); smaller ones within the request.
"""

import logging
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path, PurePosixPath

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.listings import services as listings
from marketplace.listings.imports.files import pause, read_table, read_upload
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.listings.imports.validation import RowValidator, from_json
from marketplace.permissions import check

log = logging.getLogger(__name__)
#: Files with this many rows (and imports of this many valid rows) run as background jobs.
BACKGROUND_ROWS = 5000
#: Report a job's progress every this many rows.
PROGRESS_EVERY = 250
#: Let other requests of the worker run every this many rows (files.pause).
PAUSE_EVERY = 10
VALIDATE_JOB, IMPORT_JOB = "listings.import_validate", "listings.import_rows"


def background_rows() -> int:
    return int(current_app.config.get("IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@contextmanager
def locale_context(locale: str):
    """Forms and messages in ``locale``, with a request context when run outside a request."""
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context())
        stack.enter_context(force_locale(locale))
        yield


def active_job(batch: ImportBatch) -> Job | None:
    """The batch's queued or running job (validation or import), if any.

    Found by its payload rather than ``batch.job``: a job links itself to the batch only once it
    starts, so that the request that submitted it never writes to a batch row the job may lock.
    """
    pending = db.session.scalars(select(Job).where(
        Job.name.in_((VALIDATE_JOB, IMPORT_JOB)), Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .order_by(Job.id.desc())).all()
    return next((job for job in pending if (job.payload or {}).get("batch_id") == batch.id), None)


def busy(batch: ImportBatch) -> bool:
    """A job for the batch is queued or running, or the batch was just handed to one.

    The lock lives and dies with the job: a job whose process died is requeued by recovery
    (``jobs.recover``) and in the end fails, so a batch left VALIDATING without an active job
    blocks nothing once the job's visibility timeout has passed.
    """
    if active_job(batch) is not None:
        return True
    if batch.state is not ImportState.VALIDATING:
        return False
    timeout = timedelta(seconds=current_app.config["JOBS_VISIBILITY_TIMEOUT"])
    return batch.job_id is None and batch.created_at > utcnow() - timeout


def _defaults(user: User | None) -> dict:
    """Empty contact cells take the uploader's name and e-mail, as the editing page does."""
    return {"contact_name": user.name, "contact_email": user.email} if user is not None else {}


def parse_in_worker(content: bytes) -> bool:
    """A large file is parsed by the job worker, when there is one (never by a web process)."""
    return queue.enabled() and len(content) >= int(current_app.config["IMPORT_WORKER_PARSE_BYTES"])


def _stash(batch_id: int) -> Path:
    """Where a file waits for the worker to parse it (UPLOAD_DIR is shared with the worker)."""
    return Path(current_app.config["UPLOAD_DIR"]) / "imports" / f"batch-{batch_id}.upload"


def upload(actor: User, stream, filename: str) -> ImportBatch:
    """Read and check an uploaded XLSX or CSV file and validate every row (large files in a job)."""
    check("listings.publish", actor=actor)
    content = read_upload(stream)
    name = PurePosixPath((filename or "").replace("\\", "/")).name[:200] or "-"
    if parse_in_worker(content):
        return _upload_to_worker(actor, content, name)
    table = read_table(content)
    validator = RowValidator(table.headers, _defaults(actor))  # refuses missing columns now
    batch = ImportBatch(organisation_id=actor.organisation_id, created_by_id=actor.id,
                        filename=name, state=ImportState.VALIDATING, total_rows=len(table.rows))
    db.session.add(batch)
    db.session.flush()
    audit.record("import.uploaded", actor=actor, target=batch, file=batch.filename,
                 rows=batch.total_rows)
    if len(table.rows) < background_rows():
        _validate(batch, validator, table.rows)
        db.session.commit()
        return batch
    # Until validated, ``rows`` holds the raw cells (the header first), for any worker to read.
    batch.rows = [{"row": 1, "cells": table.headers}] + [
        {"row": number, "cells": cells} for number, cells in table.rows]
    db.session.commit()
    jobs.submit(VALIDATE_JOB, {"batch_id": batch.id, "locale": current_locale()}, actor)
    return batch


def _upload_to_worker(actor: User, content: bytes, name: str) -> ImportBatch:
    """Store the file and let the validation job parse it too: the request only writes it."""
    batch = ImportBatch(organisation_id=actor.organisation_id, created_by_id=actor.id,
                        filename=name, state=ImportState.VALIDATING, total_rows=0, rows=[])
    db.session.add(batch)
    db.session.flush()
    audit.record("import.uploaded", actor=actor, target=batch, file=batch.filename,
                 bytes=len(content))
    path = _stash(batch.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    db.session.commit()
    jobs.submit(VALIDATE_JOB, {"batch_id": batch.id, "locale": current_locale()}, actor)
    return batch


def _raw_rows(batch: ImportBatch, progress=None) -> tuple[list, list]:
    """The header and the numbered rows of a batch waiting for validation: stored in ``rows``,
    or, for a file left to the worker, parsed from its stashed copy now."""
    raw = list(batch.rows or [])
    if raw:
        return raw[0]["cells"], [(item["row"], item["cells"]) for item in raw[1:]]
    table = read_table(_stash(batch.id).read_bytes())
    batch.total_rows = len(table.rows)
    if progress is not None:
        progress(0, len(table.rows))
    return table.headers, table.rows


def _validate(batch: ImportBatch, validator: RowValidator, rows, progress=None) -> None:
    valid, problems = [], validator.header_problems()
    for done, (number, cells) in enumerate(rows, 1):
        data, found = validator.validate(number, cells)
        problems.extend(found)
        if data is not None:
            valid.append({"row": number, "data": data})
        if done % PAUSE_EVERY == 0:
            pause()
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
    batch.rows, batch.problems = valid, problems
    batch.total_rows, batch.valid_rows = len(rows), len(valid)
    batch.state = ImportState.VALIDATED


def run_validation(batch_id: int, locale: str, progress=None) -> dict:
    """Validate a stored batch's raw rows (the validation job); a failure marks the batch failed."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.state is not ImportState.VALIDATING:
        return {"skipped": True}
    try:
        with locale_context(locale):
            headers, rows = _raw_rows(batch, progress)
            validator = RowValidator(headers, _defaults(batch.created_by))
            _validate(batch, validator, rows, progress)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        batch = db.session.get(ImportBatch, batch_id)
        batch.state, batch.rows, batch.finished_at = ImportState.FAILED, [], utcnow()
        if isinstance(error, ServiceError):  # an unreadable file or missing columns: say why
            batch.problems = [{"row": 1, "column": "", "message": str(error)}]
        db.session.commit()
        _stash(batch_id).unlink(missing_ok=True)
        raise
    _stash(batch_id).unlink(missing_ok=True)
    return {"valid": batch.valid_rows, "problems": len(batch.problems)}


def link_job(batch: ImportBatch, job: Job, total: int) -> None:
    """Called by a job as it starts: the batch shows this job's progress from now on."""
    batch.job_id = job.id
    jobs.report_progress(job, 0, total)  # commits


def _check_importable(batch: ImportBatch) -> None:
    if busy(batch):
        raise InvalidTransition(_("This import is still running; wait until it has finished."))
    if batch.state is not ImportState.VALIDATED:
        raise InvalidTransition(_("This import is finished and can no longer be changed."))


def import_valid_rows(actor: User, batch: ImportBatch, publish: bool = False) -> bool:
    """Import the batch's valid rows; True when done now, False when it runs in a background job."""
    check("listings.manage_import", batch, actor=actor)
    _check_importable(batch)
    if not batch.valid_rows:
        raise ServiceError(_("There are no valid rows to import."))
    if batch.valid_rows < background_rows():
        import_rows(actor, batch, publish)
        return True
    jobs.submit(IMPORT_JOB, {"batch_id": batch.id, "user_id": actor.id,
                             "locale": current_locale(), "publish": bool(publish)}, actor)
    return False


def import_rows(actor: User, batch: ImportBatch, publish: bool = False, progress=None) -> int:
    """Create a listing for every valid row in ONE transaction: all of them or, on any error, none."""
    check("listings.manage_import", batch, actor=actor)
    batch_id, rows = batch.id, list(batch.rows or [])
    # Claim the batch: of two concurrent imports only one finds it still validated.
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.state == ImportState.VALIDATED)
        .values(state=ImportState.IMPORTED).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(_("This import is finished and can no longer be changed."))
    row = 0
    try:
        for done, item in enumerate(rows, 1):
            row = item["row"]
            listing = listings.create_listing(actor, from_json(item["data"]), commit=False)
            if publish:
                listings.transition(actor, listing, "publish", commit=False)
            if done % PAUSE_EVERY == 0:
                pause()
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, len(rows))
        batch.state, batch.imported_rows = ImportState.IMPORTED, len(rows)
        batch.rows, batch.finished_at = [], utcnow()
        audit.record("import.completed", actor=actor, target=batch, imported=len(rows),
                     skipped=batch.total_rows - len(rows), published=publish or None)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if isinstance(error, ServiceError):
            reason = error.message
        else:
            log.exception("import of batch %s failed at row %s", batch_id, row)
            reason = _("An unexpected error stopped the import.")
        _mark_failed(batch_id, row, reason)
        raise ServiceError(_("The import failed and nothing was imported. Row %(row)d: %(reason)s",
                             row=row, reason=reason)) from error
    return len(rows)


def _mark_failed(batch_id: int, row: int, reason: str) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.state is not ImportState.VALIDATED:
        return
    batch.state, batch.finished_at = ImportState.FAILED, utcnow()
    batch.problems = [*batch.problems, {"row": row, "column": "", "message": reason}]
    db.session.commit()


def discard(actor: User, batch: ImportBatch) -> None:
    """Drop a validated batch without importing anything."""
    check("listings.manage_import", batch, actor=actor)
    _check_importable(batch)
    batch.state, batch.rows, batch.finished_at = ImportState.DISCARDED, [], utcnow()
    audit.record("import.discarded", actor=actor, target=batch, file=batch.filename)
    db.session.commit()
