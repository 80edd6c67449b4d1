"""The snapshot (events/live/snapshot.py, shared.py): the shared part, reused or moved on by the
room's events, gives every viewer what a snapshot read afresh gives them (attendees and
moderators, their own questions, votes and interests included); it is read afresh when the
roadshow row changes and after LIVE_SNAPSHOT_REUSE seconds; a newcomer's join costs a fixed,
small number of statements; the join gate gives its places back."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from events.live import presence, shared
from events.live import snapshot as snapshots
from events.live.log import Viewer, current_seq
from events.live.models import (
    LiveChatMessage,
    LiveInterest,
    LivePoll,
    LivePollVote,
    LiveQuestion,
    LiveQuestionVote,
    LiveRoom,
    QuestionStatus,
)
from events.live.serializers import agenda_view, chat_view, poll_view, question_view, room_view
from events.models import AgendaItem, Roadshow
from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.conftest import Auth
from tests.live_support import ORIGIN, LiveClient, ack, build_room, connect, new_uuid, sync


def reference(roadshow_id: int, viewer: Viewer) -> dict:
    """The snapshot as it was built before the shared part existed: every query for every viewer
    (views.snapshot until this change), with ``my_votes`` and ``my_interests`` in id order."""
    with current_app.test_request_context():  # room_view links to the listing page
        return _reference(roadshow_id, viewer)


def _reference(roadshow_id: int, viewer: Viewer) -> dict:
    db.session.expire_all()
    roadshow = db.session.get(Roadshow, roadshow_id)
    seq = current_seq(roadshow.id)
    room = db.session.get(LiveRoom, roadshow.id)
    query = sa.select(LiveQuestion).where(LiveQuestion.roadshow_id == roadshow.id).options(
        selectinload(LiveQuestion.author).selectinload(User.organisation))
    if not viewer.moderator:
        query = query.where(sa.or_(
            LiveQuestion.status == QuestionStatus.APPROVED,
            sa.and_(LiveQuestion.status == QuestionStatus.PENDING, LiveQuestion.author_id == viewer.user_id)))
    questions = db.session.execute(query.order_by(LiveQuestion.id)).scalars().all()
    my_votes = db.session.execute(
        sa.select(LiveQuestionVote.question_id).join(LiveQuestion)
        .where(LiveQuestion.roadshow_id == roadshow.id, LiveQuestionVote.user_id == viewer.user_id)
    ).scalars().all()
    polls = db.session.execute(
        sa.select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)
        .options(selectinload(LivePoll.options)).order_by(LivePoll.id)).scalars().all()
    my_poll_votes = dict(db.session.execute(
        sa.select(LivePollVote.poll_id, LivePollVote.option_id).join(LivePoll)
        .where(LivePoll.roadshow_id == roadshow.id, LivePollVote.user_id == viewer.user_id)).all())
    chat = db.session.execute(
        sa.select(LiveChatMessage).where(LiveChatMessage.roadshow_id == roadshow.id)
        .order_by(LiveChatMessage.id.desc()).limit(shared.CHAT_HISTORY)).scalars().all()
    my_interests = db.session.execute(
        sa.select(LiveInterest.listing_id).where(LiveInterest.roadshow_id == roadshow.id,
                                                 LiveInterest.user_id == viewer.user_id)).scalars().all()
    data = {
        "seq": seq, "room": room_view(roadshow, room), "agenda": agenda_view(roadshow),
        "questions": [question_view(q, moderator=viewer.moderator, mine=q.author_id == viewer.user_id)
                      for q in questions],
        "my_votes": sorted(my_votes),
        "polls": [{**poll_view(p), "my_vote": my_poll_votes.get(p.id)} for p in polls],
        "chat": [chat_view(m) for m in reversed(chat)],
        "my_interests": sorted(my_interests),
        "presence": presence.count(roadshow.id),
        "me": {"id": viewer.user_id, "moderator": viewer.moderator},
    }
    if viewer.moderator:
        data["interest_counts"] = {str(listing_id): count for listing_id, count in db.session.execute(
            sa.select(LiveInterest.listing_id, sa.func.count()).where(
                LiveInterest.roadshow_id == roadshow.id).group_by(LiveInterest.listing_id))}
    return data


@pytest.fixture
def room(app, make_user):
    app.config["LIVE_SNAPSHOT_REUSE"] = 60.0  # nothing expires by itself during a test
    return build_room(make_user)


@pytest.fixture
def builds(monkeypatch):
    """The shared parts read from the database (their kind: moderator or not), and ``moved``:
    those moved on by events."""
    made = Made()
    build, advance = shared.build, shared.advance

    def counting_build(roadshow, moderator, seq):
        made.append(moderator)
        return build(roadshow, moderator, seq)

    def counting_advance(part, roadshow_id, seq):
        moved = advance(part, roadshow_id, seq)
        made.moved.append(part.moderator)
        return moved

    monkeypatch.setattr(shared, "build", counting_build)
    monkeypatch.setattr(shared, "advance", counting_advance)
    return made


class Made(list):
    moved: list

    def __init__(self):
        super().__init__()
        self.moved = []

    def clear(self):
        super().clear()
        self.moved.clear()


def busy_room(app, room, live=True):
    """A live room with pending, approved, anonymous and hidden questions, upvotes, a poll with
    votes, chat and an interest; returns the connected host, moderator, alice and bob."""
    host, moderator, alice, bob = (connect(app, user, room.roadshow.id)
                                   for user in (room.host, room.moderator, room.alice, room.bob))
    if live:
        ack(host, "go_live")
    ack(host, "present", {"listing_id": room.listings[0].id})

    def ask(client, text, anonymous=False):
        return ack(client, "ask", {"uuid": new_uuid(), "text": text, "anonymous": anonymous})["id"]

    pending = ask(alice, "匿名待审问题", anonymous=True)
    approved = ask(alice, "匿名已批准问题", anonymous=True)
    ack(host, "approve", {"question_id": approved})
    hidden = ask(bob, "将被隐藏的问题")
    ack(host, "hide", {"question_id": hidden})
    bobs = ask(bob, "公开问题")
    ack(host, "answer", {"question_id": bobs, "text": "已回答"})
    ask(moderator, "主持助理的问题")
    ack(bob, "upvote", {"question_id": approved})
    ack(alice, "upvote", {"question_id": bobs})
    poll = ack(host, "poll_open", {"question": "最关注？", "options": ["价格", "团队"]})
    options = reference(room.roadshow.id, Viewer(room.host.id, True))["polls"][0]["options"]
    ack(alice, "vote", {"poll_id": poll["poll_id"], "option_id": options[1]["id"]})
    for client, text in ((alice, "大家好"), (bob, "期待"), (host, "欢迎")):
        ack(client, "chat", {"uuid": new_uuid(), "text": text})
    ack(alice, "interest", {"listing_id": room.listings[0].id})
    assert pending and LiveQuestion.query.count() == 5
    return host, moderator, alice, bob


def test_every_viewer_gets_what_a_fresh_snapshot_gives(app, room, builds):
    busy_room(app, room)
    builds.clear()
    rid = room.roadshow.id
    viewers = [(room.alice, False), (room.bob, False), (room.host, True), (room.moderator, True)]
    for user, moderator in viewers * 2:  # each twice: built once per kind, then reused
        got = sync(connect(app, user, rid))["snapshot"]
        assert got == reference(rid, Viewer(user.id, moderator)), user.name
    assert sorted(builds) == [False, True]
    alice = reference(rid, Viewer(room.alice.id, False))
    assert [(q["text"], q["status"], q.get("mine"), q["author"] is not None) for q in alice["questions"]] == [
        ("匿名待审问题", "pending", True, True), ("匿名已批准问题", "approved", True, True),
        ("公开问题", "approved", None, True)]
    assert alice["my_votes"] and alice["my_interests"] == [room.listings[0].id]
    assert alice["polls"][0]["my_vote"] is not None
    bob = reference(rid, Viewer(room.bob.id, False))
    assert [(q["text"], q["author"]) for q in bob["questions"]][0] == ("匿名已批准问题", None)
    host = reference(rid, Viewer(room.host.id, True))
    assert [q["status"] for q in host["questions"]].count("hidden") == 1
    assert host["interest_counts"] == {str(room.listings[0].id): 1}


def test_the_shared_part_is_moved_on_when_the_number_moves(app, room, builds):
    host, _moderator, alice, _bob = busy_room(app, room)
    builds.clear()
    rid = room.roadshow.id
    first = sync(connect(app, room.bob, rid))["snapshot"]
    assert sync(connect(app, room.alice, rid))["snapshot"]["seq"] == first["seq"]
    assert builds == [False] and builds.moved == []
    said = ack(alice, "chat", {"uuid": new_uuid(), "text": "新消息"})
    asked = ack(connect(app, room.bob, rid), "ask", {"uuid": new_uuid(), "text": "新的待审问题"})
    later = sync(connect(app, room.bob, rid))["snapshot"]
    assert later["seq"] == asked["seq"] > said["seq"] > first["seq"]
    assert later["chat"][-1]["text"] == "新消息"
    assert later["questions"][-1]["text"] == "新的待审问题"  # bob's own pending question
    assert builds == [False] and builds.moved == [False]
    assert later == reference(rid, Viewer(room.bob.id, False))
    assert "新的待审问题" not in repr(sync(connect(app, room.alice, rid))["snapshot"])
    ack(host, "approve", {"question_id": asked["id"]})
    assert sync(connect(app, room.alice, rid))["snapshot"]["questions"][-1]["text"] == "新的待审问题"
    assert builds == [False]


def test_a_part_moved_on_by_every_kind_of_event_equals_a_fresh_one(app, room, builds):
    """Kept from the start, the parts are moved on by questions asked, approved, hidden,
    restored, answered, pinned and upvoted, polls, chat, interests and room changes."""
    host = connect(app, room.host, room.roadshow.id)
    ack(host, "go_live")
    rid = room.roadshow.id
    for user in (room.bob, room.host):
        sync(connect(app, user, rid))
    builds.clear()
    host, _moderator, alice, bob = busy_room(app, room, live=False)
    ack(host, "pin", {"question_id": reference(rid, Viewer(room.host.id, True))["questions"][-1]["id"]})
    hidden = [q for q in reference(rid, Viewer(room.host.id, True))["questions"] if q["status"] == "hidden"]
    ack(host, "restore", {"question_id": hidden[0]["id"]})
    ack(host, "qa", {"open": False})
    ack(host, "poll_close", {"poll_id": reference(rid, Viewer(room.host.id, True))["polls"][0]["id"]})
    viewers = [(room.alice, False), (room.bob, False), (room.host, True), (room.moderator, True)]
    for user, moderator in viewers:
        got = sync(connect(app, user, rid))["snapshot"]
        assert got == reference(rid, Viewer(user.id, moderator)), user.name
    assert builds == [] and sorted(builds.moved) == [False, True]


def test_changes_without_a_number_show_after_the_reuse_time(app, room, builds):
    now = [1000.0]
    snapshots.cache().clock = lambda: now[0]
    busy_room(app, room)
    builds.clear()
    rid = room.roadshow.id
    assert sync(connect(app, room.bob, rid))["snapshot"]["agenda"][0]["presenter"] == "李教授"
    item = db.session.execute(sa.select(AgendaItem).filter_by(roadshow_id=rid, position=1)).scalar_one()
    item.presenter = "王研究员"  # an agenda edit takes no room number
    db.session.commit()
    now[0] += 59
    assert sync(connect(app, room.bob, rid))["snapshot"]["agenda"][0]["presenter"] == "李教授"
    now[0] += 2
    fresh = sync(connect(app, room.bob, rid))["snapshot"]
    assert fresh["agenda"][0]["presenter"] == "王研究员"
    assert fresh == reference(rid, Viewer(room.bob.id, False))
    assert builds == [False, False]


def test_a_change_of_the_roadshow_row_is_seen_at_once(app, room, builds):
    busy_room(app, room)
    builds.clear()
    rid = room.roadshow.id
    sync(connect(app, room.bob, rid))
    roadshow = db.session.get(Roadshow, rid)
    roadshow.description = "更新后的介绍"  # updated_at moves
    db.session.commit()
    sync(connect(app, room.bob, rid))
    assert builds == [False, False]


def test_reuse_can_be_turned_off(app, room, builds):
    busy_room(app, room)
    builds.clear()
    app.config["LIVE_SNAPSHOT_REUSE"] = 0
    for _ in range(2):
        assert sync(connect(app, room.bob, room.roadshow.id))["snapshot"] == reference(
            room.roadshow.id, Viewer(room.bob.id, False))
    assert builds == [False, False]


def test_a_failed_or_late_build_is_not_kept():
    cache = snapshots.SnapshotCache(clock=lambda: 0.0)
    key, version = (1, False), ("live",)

    def part(seq):
        return lambda: SimpleNamespace(seq=seq)

    def fails(*_args):
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get(key, 5, version, 1.0, fails, fails)
    newer = cache.get(key, 5, version, 1.0, part(5), fails)
    assert cache.get(key, 5, version, 1.0, fails, fails) is newer  # reused, neither read nor moved on
    assert cache.get(key, 3, version, 1.0, fails, fails) is newer  # a later part is as good
    moved = cache.get(key, 6, version, 1.0, fails, lambda kept: SimpleNamespace(seq=kept.seq + 1))
    assert moved.seq == 6 and cache.get(key, 6, version, 1.0, fails, fails) is moved

    def cannot(_kept):
        raise shared.CannotAdvance("too far")

    assert cache.get(key, 9, version, 1.0, part(9), cannot).seq == 9
    assert cache.get(key, 9, ("ended",), 1.0, part(9), fails).seq == 9  # another version: read


def test_a_newcomers_join_costs_seven_statements(app, room):
    """connect: the session's user; the roadshow with the user's access and whether its room
    exists; presence; attendance (+ the attendee count, broadcast at once in tests, at most every
    LIVE_PRESENCE_INTERVAL in production); sync: the user; the roadshow with access; one statement
    for the number, the attendee count and the viewer's own state (the rest is shared)."""
    busy_room(app, room)
    rid = room.roadshow.id
    sync(connect(app, room.alice, rid))  # the shared part is built
    http = app.test_client()
    Auth(http).login(room.bob.email)
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        client = LiveClient(app, http, {"Origin": ORIGIN}, {"roadshow": rid})
        connected = len(statements)
        reply = sync(client)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert reply["ok"] and reply["snapshot"]["chat"]
    assert (connected, len(statements) - connected) == (5, 3), statements


def test_the_join_gate_gives_its_places_back(app, room):
    """Refused, failed and finished connects and syncs all return their place (none is lost)."""
    app.config["LIVE_JOIN_CONCURRENCY"] = 2
    busy_room(app, room)
    assert not connect(app, room.outsider, room.roadshow.id).is_connected()  # refused
    assert not connect(app, None, room.roadshow.id).is_connected()
    client = connect(app, room.alice, room.roadshow.id)
    assert sync(client)["ok"] and ack(client, "sync", "not a dict")["error"] == "invalid"  # refused
    gates = app.extensions["live_join_gates"]
    assert {lane: gate.tokens.qsize() for lane, gate in gates.items()} == {"connect": 2, "sync": 2}
