"""Closing a user's connections to a live room when a page changes what they may do there.

A registration cancelled (by the registrant, by the host, or with the whole roadshow) or a
moderator added or removed changes who may be in a room and which view of it they get; so does
any change to the account itself, in every room at once: deactivated, signed out everywhere
(the session nonce rotated: password changed or reset, role changed, removed from the
organisation), another role or organisation, or the organisation's verification changed (its
tto are the host staff of its roadshows). Those account changes are found by a flush hook,
whichever service makes them, so no new path can forget to call :func:`changed`. Such a
change is made on a page (in production by a pages process), while the connections are held by
the live processes. Every action in the room checks access again anyway; closing the connections
also stops the broadcasts the user may no longer see (or starts those they now may).

:func:`changed` notes the users during the transaction. After its commit, each of their
connections to the room, found in ``live_presence`` (which names the Socket.IO session of every
open connection, in any process), is disconnected by the server: directly when this process
holds it, otherwise through the message queue. The client then reloads its page, whose server
decides afresh: the room as an attendee, as a moderator, or a refusal (docs/realtime.md §1).
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from events.live.bus import NAMESPACE
from events.live.models import LivePresence
from marketplace.accounts.models import User
from marketplace.extensions import db, socketio
from marketplace.jobs.after_commit import AfterCommit
from marketplace.orgs.models import Organisation

#: Columns of a user whose change may take away (or change) what they may see in a live room.
USER_ACCESS_COLUMNS = ("active", "session_nonce", "role", "organisation_id")


def changed(roadshow_id: int, user_ids: Iterable[int]) -> None:
    """After this transaction commits, close these users' connections to the roadshow's room."""
    _closing.note(db.session, ((roadshow_id, user_id) for user_id in user_ids))


def close_connections(pairs: list[tuple[int, int]]) -> int:
    """Disconnect every open connection of each (roadshow, user); return how many were asked to."""
    return _disconnect(sa.or_(*(
        sa.and_(LivePresence.roadshow_id == roadshow_id, LivePresence.user_id == user_id)
        for roadshow_id, user_id in pairs)))


def close_user_connections(user_ids: list[int]) -> int:
    """Disconnect every open connection of these users, in every room."""
    return _disconnect(LivePresence.user_id.in_(user_ids))


def close_organisation_connections(org_ids: list[int]) -> int:
    """Disconnect every open connection of the members of these organisations, in every room."""
    members = sa.select(User.id).where(User.organisation_id.in_(org_ids))
    return _disconnect(LivePresence.user_id.in_(members))


def _disconnect(condition) -> int:
    """Disconnect the connections ``live_presence`` lists under ``condition``, wherever they are
    held (another process's through the message queue); return how many were asked to close."""
    sids = db.session.scalars(sa.select(LivePresence.sid).where(condition)).all()
    db.session.remove()
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    return len(sids)


_closing = AfterCommit("live.access_changed", close_connections, "close live-room connections")
_closing_users = AfterCommit("live.users_changed", close_user_connections,
                             "close the live-room connections of changed accounts")
_closing_orgs = AfterCommit("live.organisations_changed", close_organisation_connections,
                            "close the live-room connections of a changed organisation's members")


def _changed(instance, columns: tuple[str, ...]) -> bool:
    state = sa.inspect(instance)
    return any(state.attrs[column].history.has_changes() for column in columns)


@event.listens_for(Session, "before_flush")
def _note_account_changes(session, _context, _instances) -> None:
    """Note the users and organisations whose access columns this flush changes."""
    users, orgs = set(), set()
    for instance in session.dirty:
        if isinstance(instance, User) and _changed(instance, USER_ACCESS_COLUMNS):
            users.add(instance.id)
        elif isinstance(instance, Organisation) and _changed(instance, ("status",)):
            orgs.add(instance.id)
    _closing_users.note(session, users)
    _closing_orgs.note(session, orgs)
