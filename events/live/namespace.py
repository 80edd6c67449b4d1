"""The ``/live`` Socket.IO namespace: connect (session, origin, access), sync, and every action.

The protocol (events, payloads, acks, error codes, sequence numbers) is in docs/realtime.md.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace

from events import services as roadshows
from events.live import bus, log, moderation, payloads, presence, refusals, services, snapshot
from events.live.log import Viewer
from events.live.models import QuestionStatus
from events.live.services import RoomError
from events.models import Roadshow
from marketplace import metrics
from marketplace.errors import ServiceError
from marketplace.extensions import db, socketio
from marketplace.http import me
from marketplace.permissions import can
from marketplace.public_urls import public_origin

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    roadshow_id: int
    user_id: int
    moderator: bool


#: Connections of this process, by Socket.IO session id.
connections: dict[str, Connection] = {}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins() -> set[str]:
    """The configured public origin (PUBLIC_URL) plus LIVE_ALLOWED_ORIGINS."""
    origins = {public_origin()}
    origins.update(_origin(value) for value in current_app.config["LIVE_ALLOWED_ORIGINS"])
    return origins


def origin_ok() -> bool:
    """A browser always sends Origin on a WebSocket handshake; a same-origin long-polling GET may
    omit it, but then says ``Sec-Fetch-Site: same-origin``. Anything else is refused."""
    origin = request.headers.get("Origin")
    if origin:
        return origin.lower().rstrip("/") in allowed_origins()
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


@contextmanager
def joining(lane: str):
    """Let at most ``LIVE_JOIN_CONCURRENCY`` connects (and as many syncs) use the database at once.

    When a roadshow starts, hundreds of attendees connect within a second. Run all at once, their
    handlers took every connection of the pool (and made and dropped overflow connections, a
    PostgreSQL backend each), so that an attendee's question waited behind the whole crowd, and
    hundreds of ready greenlets made every database round trip of every other handler wait its
    turn. The others now wait here, in order, holding nothing; syncs have a lane of their own so
    that an attendee already in finishes joining without waiting behind everyone still connecting.
    The session's connection goes back to the pool before the next one enters.
    """
    gates = current_app.extensions.setdefault("live_join_gates", {})
    gate = gates.get(lane)
    if gate is None:
        gate = gates[lane] = _Gate(current_app.config["LIVE_JOIN_CONCURRENCY"])
    gate.acquire()
    try:
        yield
    finally:
        db.session.remove()
        gate.release()


class _Gate:
    """A counting semaphore that waits the server's way (a greenlet under gevent); 0: no limit."""

    def __init__(self, size: int):
        self.tokens = None
        if size > 0 and socketio.server is not None:
            self.tokens = socketio.server.eio.create_queue()
            for _ in range(size):
                self.tokens.put(None)

    def acquire(self) -> None:
        if self.tokens is not None:
            self.tokens.get()

    def release(self) -> None:
        if self.tokens is not None:
            self.tokens.put(None)


class LiveNamespace(Namespace):
    """One connection = one user in one roadshow's room."""

    def on_connect(self, auth=None):
        """Check origin, session and access; join the rooms; record presence."""
        with joining("connect"):
            self._connect(auth)

    def _connect(self, auth):
        if not origin_ok():
            raise refusals.bad_origin()
        roadshow_id = services._int((auth or {}).get("roadshow") if isinstance(auth, dict) else None)
        if not current_user.is_authenticated or not current_user.is_active:
            raise refusals.unauthorized(roadshow_id)
        roadshow = None
        if roadshow_id:  # the roadshow, access and whether its room row exists: one statement
            roadshow, access, (has_room,) = roadshows.load_room(roadshow_id, current_user, log.room_exists())
        if roadshow is None or not (access.enter or can("events.view", roadshow)):
            raise refusals.not_found()
        if not access.enter:
            raise refusals.no_entry(current_user, roadshow)
        moderator = access.moderate
        if not has_room:
            log.ensure_room(roadshow_id)
        sid, user_id = request.sid, current_user.id
        connections[sid] = Connection(roadshow_id, user_id, moderator)
        metrics.LIVE_CONNECTIONS.inc()
        self.enter_room(sid, bus.room_all(roadshow_id))
        if moderator:
            self.enter_room(sid, bus.room_moderators(roadshow_id))
        else:
            self.enter_room(sid, bus.room_attendees(roadshow_id))
            self.enter_room(sid, bus.room_user(roadshow_id, user_id))
        presence.start_heartbeat(current_app._get_current_object())
        presence.join(sid, roadshow_id, user_id)
        presence.announce(roadshow_id)

    def on_disconnect(self, reason=None):
        """Forget the connection and update the attendee count."""
        connection = connections.pop(request.sid, None)
        if connection is None:
            return
        metrics.LIVE_CONNECTIONS.dec()
        try:
            presence.leave(request.sid, connection.roadshow_id, connection.user_id)
            presence.announce(connection.roadshow_id)
        except Exception:
            db.session.rollback()
            logger.exception("live room: recording a disconnect failed")

    # --- everyone ---------------------------------------------------------------------------

    def on_sync(self, data=None):
        """Replay the events after ``after``, or send a full snapshot."""
        with joining("sync"):
            return self._run(data, self._sync)

    def _sync(self, roadshow, user, data):
        connection = connections.get(request.sid)
        if connection is None:  # the client left while its sync waited
            raise RoomError("unauthorized", _("Please log in to enter the live room."))
        viewer = Viewer(user.id, connection.moderator)
        after = data.get("after")
        if isinstance(after, int) and 0 <= after <= log.current_seq(roadshow.id):
            events = log.replay(roadshow.id, after, viewer)
            if events is not None:
                last = events[-1]["seq"] if events else after
                return services.Result({"ok": True, "mode": "replay", "events": events, "seq": last})
        state = snapshot.snapshot(roadshow, viewer)
        return services.Result({"ok": True, "mode": "snapshot", "snapshot": state, "seq": state["seq"]})

    def on_ask(self, data=None):
        """Ask a question: ``{uuid, text, anonymous}``."""
        return self._run(data, services.ask)

    def on_upvote(self, data=None):
        """Upvote an approved question once: ``{question_id}``."""
        return self._run(data, services.upvote)

    def on_chat(self, data=None):
        """Send a chat message: ``{uuid, text}`` (rate-limited)."""
        return self._run(data, services.chat)

    def on_vote(self, data=None):
        """Vote in an open poll once: ``{poll_id, option_id}``."""
        return self._run(data, self._vote)

    def _vote(self, roadshow, user, data):
        result = services.vote(roadshow, user, data)
        poll_id = result.ack["poll"]["id"]
        rid = roadshow.id
        bus.later(("poll", poll_id), lambda: bus.publish(
            services.poll_results(db.session.get(Roadshow, rid), poll_id).events),
            current_app.config["LIVE_COUNTS_INTERVAL"])
        return result

    def on_interest(self, data=None):
        """"I'm interested" in the listing now presented: ``{listing_id}``."""
        return self._run(data, self._interest)

    def _interest(self, roadshow, user, data):
        result = services.interest(roadshow, user, data)
        if not result.ack.get("duplicate"):
            rid = roadshow.id
            bus.later(("interest", rid), lambda: bus.publish(
                services.interest_counts(db.session.get(Roadshow, rid)).events),
                current_app.config["LIVE_COUNTS_INTERVAL"])
        return result

    # --- host and moderators ----------------------------------------------------------------

    def on_go_live(self, data=None):
        """Published -> live."""
        return self._run(data, moderation.go_live, moderator=True)

    def on_end(self, data=None):
        """Live -> ended."""
        return self._run(data, moderation.end, moderator=True)

    def on_present(self, data=None):
        """Set the listing now presented: ``{listing_id}``."""
        return self._run(data, moderation.present, moderator=True)

    def on_qa(self, data=None):
        """Open or close Q&A: ``{open}``."""
        return self._run(data, moderation.set_qa, moderator=True)

    def on_moderation(self, data=None):
        """Pre-moderate new questions or not: ``{on}``."""
        return self._run(data, moderation.set_moderated, moderator=True)

    def on_approve(self, data=None):
        """Approve a pending question: ``{question_id}``."""
        return self._run(data, lambda r, u, d: moderation.set_status(r, u, d, QuestionStatus.APPROVED),
                         moderator=True)

    def on_hide(self, data=None):
        """Hide a question from attendees: ``{question_id}``."""
        return self._run(data, lambda r, u, d: moderation.set_status(r, u, d, QuestionStatus.HIDDEN),
                         moderator=True)

    def on_restore(self, data=None):
        """Show a hidden question again: ``{question_id}``."""
        return self._run(data, lambda r, u, d: moderation.set_status(r, u, d, QuestionStatus.APPROVED),
                         moderator=True)

    def on_answer(self, data=None):
        """Answer a question with text: ``{question_id, text}``."""
        return self._run(data, moderation.answer, moderator=True)

    def on_pin(self, data=None):
        """Pin or unpin a question: ``{question_id, pinned}``."""
        return self._run(data, moderation.pin, moderator=True)

    def on_poll_open(self, data=None):
        """Start a poll: ``{question, options: [...]}``."""
        return self._run(data, moderation.open_poll, moderator=True)

    def on_poll_close(self, data=None):
        """Close a poll: ``{poll_id}``."""
        return self._run(data, moderation.close_poll, moderator=True)

    # --- plumbing ---------------------------------------------------------------------------

    def _run(self, data, action, *, moderator: bool = False) -> dict:
        """Check who is asking, run the action, broadcast its events after commit, return the ack."""
        connection = connections.get(request.sid)
        try:
            # Inside the try: loading the user or the room can fail too (the database is down, or
            # its connections are all taken), and the client must still get an answer.
            if connection is None or not current_user.is_authenticated \
                    or current_user.id != connection.user_id:
                return RoomError("unauthorized", _("Please log in to enter the live room.")).ack()
            data = payloads.validate(request.event["message"], data)
            roadshow, access, _columns = roadshows.load_room(connection.roadshow_id, current_user)
            if roadshow is None or not (access.moderate if moderator else access.enter):
                return RoomError("forbidden", _("You may not do this in this room.")).ack()
            result = action(roadshow, me(), data)
        except RoomError as error:
            db.session.rollback()
            return error.ack()
        except ServiceError as error:
            db.session.rollback()
            return {"ok": False, "error": "forbidden" if error.status_code == 403 else "conflict",
                    "message": error.message}
        except Exception:
            db.session.rollback()
            logger.exception("live room: %s failed", request.event.get("message"))
            return {"ok": False, "error": "server_error",
                    "message": _("Something went wrong. Please try again.")}
        bus.publish(result.events)
        return result.ack
