"""Run follow-up work for ids noted during a transaction, once that transaction commits.

``AfterCommit(key, submit, what)`` keeps a set of ids on ``session.info[key]``; ``note(session,
ids)`` adds to it. When the session commits, ``submit(sorted_ids)`` runs in a fresh application
context (so it gets its own database session, typically to submit a job); on rollback the ids are
dropped. A failure of ``submit`` is logged, never raised: the committed change must stand.
"""

import logging
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


class AfterCommit:
    def __init__(self, key: str, submit: Callable[[list[int]], None], what: str):
        self.key, self.submit, self.what = key, submit, what
        event.listen(Session, "after_commit", self._after_commit)
        event.listen(Session, "after_rollback", self._after_rollback)

    def note(self, session, ids: Iterable[int]) -> None:
        ids = {i for i in ids if i is not None}
        if ids:
            session.info.setdefault(self.key, set()).update(ids)

    def _after_commit(self, session) -> None:
        ids = session.info.pop(self.key, None)
        if not ids or not has_app_context():
            return
        app = current_app._get_current_object()
        try:
            with app.app_context():
                self.submit(sorted(ids))
        except Exception:  # noqa: BLE001 - the change is committed; its follow-up must not undo it
            log.exception("could not %s for %s", self.what, sorted(ids))

    def _after_rollback(self, session) -> None:
        session.info.pop(self.key, None)
