"""Closing a user's connections to a live room when a page changes what they may do there.

A registration cancelled (by the registrant, by the host, or with the whole roadshow) or a
moderator added or removed changes who may be in a room and which view of it they get. Such a
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

from events.live.bus import NAMESPACE
from events.live.models import LivePresence
from marketplace.extensions import db, socketio
from marketplace.jobs.after_commit import AfterCommit


def changed(roadshow_id: int, user_ids: Iterable[int]) -> None:
    """After this transaction commits, close these users' connections to the roadshow's room."""
    _closing.note(db.session, ((roadshow_id, user_id) for user_id in user_ids))


def close_connections(pairs: list[tuple[int, int]]) -> int:
    """Disconnect every open connection of each (roadshow, user); return how many were asked to."""
    sids = db.session.scalars(sa.select(LivePresence.sid).where(sa.or_(*(
        sa.and_(LivePresence.roadshow_id == roadshow_id, LivePresence.user_id == user_id)
        for roadshow_id, user_id in pairs)))).all()
    db.session.remove()
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    return len(sids)


_closing = AfterCommit("live.access_changed", close_connections, "close live-room connections")
