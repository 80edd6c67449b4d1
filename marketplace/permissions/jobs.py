"""Who may act on background jobs: platform administrators send a failed job back to the queue."""

from flask_babel import lazy_gettext as _l

from marketplace.permissions.core import rule


@rule("jobs.retry", message=_l("Only platform administrators can do this."))
def retry(user, _job) -> bool:
    return user.is_authenticated and user.is_admin
