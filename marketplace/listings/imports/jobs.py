"""The background jobs of the bulk import: validating a large file, importing its valid rows.

Both run outside any request: ``importer.locale_context`` gives them a request context in the
uploader's language, for the listing form and the messages of the report.
"""

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job
from marketplace.listings.imports import services as importer
from marketplace.listings.imports.models import ImportBatch


@jobs.register(importer.VALIDATE_JOB)
def validate_batch(job: Job, batch_id: int, locale: str) -> dict:
    """Validate a batch's stored rows, reporting progress as it goes."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None:
        importer.link_job(batch, job, batch.total_rows)
    return importer.run_validation(
        batch_id, locale, progress=lambda done, total: jobs.report_progress(job, done, total))


@jobs.register(importer.IMPORT_JOB)
def import_batch(job: Job, batch_id: int, user_id: int, locale: str, publish: bool = False) -> dict:
    """Import a batch's valid rows in one transaction."""
    actor = db.session.get(User, user_id)
    batch = db.session.get(ImportBatch, batch_id)
    if actor is None or batch is None:
        return {"imported": 0}
    importer.link_job(batch, job, batch.valid_rows)
    with importer.locale_context(locale):
        count = importer.import_rows(actor, batch, publish, progress=_progress_beside(job.id))
    return {"imported": count}


def _progress_beside(job_id: int):
    """Report progress on a connection of its own: the import's transaction must stay open.

    SQLite allows one writer at a time, so a second connection would wait for the import itself;
    there the bar moves only when the import starts and when it ends.
    """
    def report(done: int, total: int) -> None:
        if db.engine.dialect.name == "sqlite":
            return
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id).values(
                progress=done, total=total, heartbeat_at=utcnow()))
    return report
