"""Work that runs once the database transaction really commits, and never when it rolls back.

This is the one after-commit mechanism: sending mail, submitting follow-up jobs, dropping cached
search results and closing live-room connections all go through it.

``call(fn, *args, what=...)``
    Runs ``fn(*args)`` once the changes made so far in the session's transaction commit. When
    the transaction has written nothing yet (no transaction, or one that has only read, as after
    a service's commit), there is nothing to wait for and it runs at once, so the work is never
    left waiting for a commit that will not come. ``key`` makes repeated calls in one
    transaction run once.

``AfterCommit(name, submit, what).note(session, ids)``
    Collects ids during the session's transaction (whether or not it has written yet) and calls
    ``submit(sorted_ids)`` once when that transaction commits: one job per commit however many
    rows changed.

Both follow the transaction structure: work noted inside a savepoint (``begin_nested``) is
dropped when that savepoint rolls back and joins the enclosing transaction when it is released;
everything is dropped when the outermost transaction rolls back or is closed without a commit.
The work runs after the commit in a fresh application context, so it gets a database session of
its own (the committed session cannot run SQL at that point). A failure is logged, never raised:
the committed change stands.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, scoped_session
from sqlalchemy.sql.elements import TextClause

from marketplace.extensions import db

log = logging.getLogger(__name__)

#: session.info keys: {transaction: {key: work}}; transactions whose commit is under way; the
#: outermost transaction once it has written.
_PENDING = "after_commit.pending"
_COMMITTING = "after_commit.committing"
_WROTE = "after_commit.wrote"


@dataclass
class _Work:
    app: Flask
    fn: Callable
    what: str
    args: tuple = ()
    #: For a batch: the ids noted so far, handed over sorted.
    ids: set | None = None

    def run(self) -> None:
        with self.app.app_context():
            if self.ids is None:
                self.fn(*self.args)
            else:
                self.fn(sorted(self.ids))

    def absorb(self, other: "_Work") -> None:
        if self.ids is not None:
            self.ids |= other.ids

    def __str__(self) -> str:
        return self.what if self.ids is None else f"{self.what} for {sorted(self.ids)}"


class AfterCommit:
    """Ids collected during a transaction, handed to ``submit`` once it commits."""

    def __init__(self, name: str, submit: Callable[[list[int]], None], what: str):
        self.name, self.submit, self.what = name, submit, what

    def note(self, session, ids: Iterable[int]) -> None:
        ids = {i for i in ids if i is not None}
        if ids:
            batch = _pending(session, self.name, lambda: _Work(
                current_app._get_current_object(), self.submit, self.what, ids=set()))
            batch.ids |= ids


def call(fn: Callable, *args, what: str, key=None, session=None) -> None:
    """Run ``fn(*args)`` once what this transaction has changed so far commits (at once when it
    has changed nothing)."""
    session = _actual(session if session is not None else db.session)
    work = _Work(current_app._get_current_object(), fn, what, args)
    if not _has_changes(session):
        _run([work])
        return
    _pending(session, key if key is not None else object(), lambda: work)


def _has_changes(session: Session) -> bool:
    wrote = session.info.get(_WROTE)
    return ((wrote is not None and wrote is session.get_transaction())
            or bool(session.new or session.deleted or session.dirty))


def _actual(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def _pending(session, key, make: Callable[[], _Work]) -> _Work:
    """The work under ``key`` in the session's innermost transaction (begun if need be)."""
    session = _actual(session)
    transaction = (session.get_nested_transaction() or session.get_transaction()
                   or session.begin())
    work = session.info.setdefault(_PENDING, {}).setdefault(transaction, {})
    if key not in work:
        work[key] = make()
    return work[key]


def _run(works: Iterable[_Work]) -> None:
    for work in works:
        try:
            work.run()
        except Exception:  # noqa: BLE001 - the change is committed; its follow-up must not undo it
            log.exception("could not %s", work)


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context) -> None:
    session.info[_WROTE] = session.get_transaction()


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    """Note a statement that writes (an INSERT, UPDATE or DELETE, or textual SQL other than a
    SELECT) run through the session outside a flush."""
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete or (
            isinstance(statement, TextClause)
            and statement.text.lstrip()[:6].upper() != "SELECT"):
        session = state.session
        session.info[_WROTE] = session.get_transaction() or session.begin()


@event.listens_for(Session, "after_commit")
def _committing(session) -> None:
    committing = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_COMMITTING, set()).add(committing)


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction: SessionTransaction) -> None:
    """Run, hand up or drop the work of a savepoint or outermost transaction that just ended."""
    if not transaction.nested and transaction.parent is not None:
        return  # the subtransaction of a flush
    committing = session.info.get(_COMMITTING)
    committed = committing is not None and transaction in committing
    if committed:
        committing.discard(transaction)
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
    pending = session.info.get(_PENDING)
    work = pending.pop(transaction, None) if pending else None
    if not work or not committed:
        return
    if transaction.nested:
        enclosing = pending.setdefault(transaction.parent, {})
        for key, item in work.items():
            if key in enclosing:
                enclosing[key].absorb(item)
            else:
                enclosing[key] = item
    else:
        _run(work.values())
