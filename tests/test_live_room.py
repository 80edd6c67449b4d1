"""The live room over Socket.IO: who gets in, what each person sees, and what moderators can do."""

import pytest

from events.live.models import (
    LiveChatMessage,
    LiveInterest,
    LiveModerationEntry,
    LiveQuestion,
    ModerationAction,
    QuestionStatus,
)
from events.models import RoadshowState
from marketplace.extensions import db
from tests.live_support import ack, build_room, connect, events, latest, new_uuid, sync


@pytest.fixture
def room(app, make_user):
    return build_room(make_user)


def live(app, room):
    """Host takes the room live; returns the connected host, alice and bob clients."""
    host = connect(app, room.host, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    bob = connect(app, room.bob, room.roadshow.id)
    assert ack(host, "go_live")["ok"]
    for client in (host, alice, bob):
        events(client)
    return host, alice, bob


# --- who gets in ----------------------------------------------------------------------------

def test_confirmed_attendees_and_host_staff_connect(app, room):
    for user in (room.host, room.moderator, room.alice):
        client = connect(app, user, room.roadshow.id)
        assert client.is_connected("/live"), user.name


def test_outsider_anonymous_and_other_origin_cannot_join(app, room):
    assert not connect(app, room.outsider, room.roadshow.id).is_connected("/live")
    assert not connect(app, None, room.roadshow.id).is_connected("/live")
    assert not connect(app, room.alice, room.roadshow.id, origin="https://evil.example").is_connected("/live")
    assert not connect(app, room.alice, room.roadshow.id, origin=None).is_connected("/live")
    assert not connect(app, room.alice, room.roadshow.id + 999).is_connected("/live")


def test_refused_clients_cannot_emit(app, room):
    host, alice, _bob = live(app, room)
    intruder = connect(app, room.outsider, room.roadshow.id)
    foreign = connect(app, room.alice, room.roadshow.id, origin="https://evil.example")
    for client in (intruder, foreign):
        assert not client.is_connected()
        # Packets sent anyway on the refused namespace are dropped by the server.
        for event in ("ask", "chat"):
            packet = {"uuid": new_uuid(), "text": "我能进来吗"}
            client.raw.connected["/live"] = True  # pretend, to get the packet out of the client
            assert client.emit(event, packet, namespace="/live", callback=True) is None
    assert LiveQuestion.query.count() == 0 and LiveChatMessage.query.count() == 0
    assert events(alice) == [] and events(host) == []


def test_attendees_cannot_moderate(app, room):
    host, alice, _bob = live(app, room)
    reply = ack(alice, "present", {"listing_id": room.listings[0].id})
    assert reply["ok"] is False and reply["error"] == "forbidden"
    assert ack(alice, "end")["error"] == "forbidden"
    assert ack(alice, "poll_open", {"question": "?", "options": ["a", "b"]})["error"] == "forbidden"


# --- questions ------------------------------------------------------------------------------

def test_pending_question_goes_to_author_and_moderators_only(app, room):
    host, alice, bob = live(app, room)
    reply = ack(alice, "ask", {"uuid": new_uuid(), "text": "量产成本是多少？", "anonymous": True})
    assert reply["ok"] and reply["question"]["status"] == "pending"
    mine = latest(alice)
    assert mine["type"] == "question.created" and mine["question"]["mine"] is True
    moderator_view = latest(host)
    assert moderator_view["question"]["author"]["name"] == "投资人甲"  # anonymous, not to moderators
    other = latest(bob)
    assert other == {"seq": reply["seq"], "type": "noop"}

    assert ack(host, "approve", {"question_id": reply["id"]})["ok"]
    approved = latest(bob)
    assert approved["question"]["text"] == "量产成本是多少？"
    assert approved["question"]["author"] is None and approved["question"]["anonymous"] is True


def test_hidden_question_never_reaches_attendees(app, room):
    host, alice, bob = live(app, room)
    reply = ack(alice, "ask", {"uuid": new_uuid(), "text": "这是一条广告 加微信"})
    assert ack(host, "hide", {"question_id": reply["id"]})["ok"]
    late = connect(app, room.bob, room.roadshow.id)  # a fresh tab: snapshot
    snapshot = sync(late)["snapshot"]
    replay = sync(late, 0)["events"]
    seen = events(bob) + replay + [{"q": q} for q in snapshot["questions"]]
    assert "加微信" not in repr(seen)
    assert latest(alice) == {"seq": reply["seq"] + 1, "type": "question.removed",
                                 "question_id": reply["id"]}
    assert LiveQuestion.query.one().status is QuestionStatus.HIDDEN
    moderator_snapshot = sync(host)["snapshot"]
    assert [q["status"] for q in moderator_snapshot["questions"]] == ["hidden"]
    entry = LiveModerationEntry.query.filter_by(action=ModerationAction.HIDE).one()
    assert entry.actor_id == room.host.id and entry.question_id == reply["id"]


def test_hiding_an_approved_question_removes_it_for_attendees(app, room):
    host, alice, bob = live(app, room)
    assert ack(host, "moderation", {"on": False})["ok"]
    reply = ack(alice, "ask", {"uuid": new_uuid(), "text": "能否独占许可？"})
    assert reply["question"]["status"] == "approved"
    events(bob)
    assert ack(host, "hide", {"question_id": reply["id"]})["ok"]
    assert latest(bob) == {"seq": reply["seq"] + 1, "type": "question.removed",
                               "question_id": reply["id"]}


def test_duplicate_uuid_is_stored_once_and_gets_the_first_ack(app, room):
    host, alice, bob = live(app, room)
    question = {"uuid": new_uuid(), "text": "样品能否寄送？"}
    first = ack(alice, "ask", question)
    again = ack(alice, "ask", question)
    assert again["duplicate"] is True
    assert (again["id"], again["seq"]) == (first["id"], first["seq"])
    assert LiveQuestion.query.count() == 1
    message = {"uuid": new_uuid(), "text": "大家好"}
    assert ack(bob, "chat", message)["seq"] == ack(bob, "chat", message)["seq"]
    assert LiveChatMessage.query.count() == 1
    # Someone else re-using that UUID gets nothing of it.
    assert ack(bob, "ask", question)["error"] == "invalid"


def test_upvote_once_and_answer_and_pin(app, room):
    host, alice, bob = live(app, room)
    ack(host, "moderation", {"on": False})
    first = ack(alice, "ask", {"uuid": new_uuid(), "text": "第一问"})
    second = ack(alice, "ask", {"uuid": new_uuid(), "text": "第二问"})
    assert ack(bob, "upvote", {"question_id": first["id"]})["upvotes"] == 1
    assert ack(bob, "upvote", {"question_id": first["id"]})["error"] == "already_voted"
    assert ack(host, "answer", {"question_id": first["id"], "text": "约每片 3 元。"})["ok"]
    assert ack(host, "answer", {"question_id": first["id"], "text": "约每片 2.8 元。"})["ok"]
    assert ack(host, "pin", {"question_id": first["id"], "pinned": True})["ok"]
    assert ack(host, "pin", {"question_id": second["id"], "pinned": True})["ok"]
    state = {q["id"]: q for q in sync(bob)["snapshot"]["questions"]}
    assert state[first["id"]]["answer"] == "约每片 2.8 元。" and state[first["id"]]["upvotes"] == 1
    assert (state[first["id"]]["pinned"], state[second["id"]]["pinned"]) == (False, True)
    edit = LiveModerationEntry.query.filter_by(action=ModerationAction.EDIT_ANSWER).one()
    assert (edit.previous_text, edit.new_text) == ("约每片 3 元。", "约每片 2.8 元。")


def test_questions_refused_while_qa_closed_and_after_the_end(app, room):
    host, alice, _bob = live(app, room)
    ack(host, "qa", {"open": False})
    assert ack(alice, "ask", {"uuid": new_uuid(), "text": "还能问吗"})["error"] == "qa_closed"
    assert ack(host, "end")["ok"]
    assert ack(alice, "chat", {"uuid": new_uuid(), "text": "谢谢"})["error"] == "closed"
    db.session.expire_all()
    assert room.roadshow.state is RoadshowState.ENDED


# --- presenting, interests, polls, chat ------------------------------------------------------

def test_presented_listing_is_followed_and_interest_recorded_once(app, room):
    host, alice, bob = live(app, room)
    listing = room.listings[1]
    assert ack(host, "present", {"listing_id": listing.id})["ok"]
    for client in (alice, bob):
        state = latest(client)
        assert state["type"] == "room.state" and state["presented"]["title"] == listing.title
    assert ack(alice, "interest", {"listing_id": listing.id})["ok"]
    assert ack(alice, "interest", {"listing_id": listing.id})["duplicate"] is True
    assert ack(alice, "interest", {"listing_id": room.listings[0].id})["error"] == "not_found"
    assert LiveInterest.query.count() == 1
    counts = latest(host)
    assert counts["type"] == "interest.counts" and counts["counts"] == {str(listing.id): 1}
    assert latest(bob) == {"seq": counts["seq"], "type": "noop"}
    assert sync(host)["snapshot"]["interest_counts"] == {str(listing.id): 1}
    assert sync(alice)["snapshot"]["my_interests"] == [listing.id]


def test_poll_vote_once_and_results(app, room):
    host, alice, bob = live(app, room)
    opened = ack(host, "poll_open", {"question": "您最关注哪项？", "options": ["价格", "周期", "团队"]})
    poll = latest(alice)["poll"]
    assert poll["status"] == "open" and [o["label"] for o in poll["options"]] == ["价格", "周期", "团队"]
    option = poll["options"][1]["id"]
    assert ack(alice, "vote", {"poll_id": opened["poll_id"], "option_id": option})["ok"]
    assert ack(alice, "vote", {"poll_id": opened["poll_id"], "option_id": option})["error"] == "already_voted"
    results = latest(bob)["poll"]
    assert results["total"] == 1 and results["options"][1]["votes"] == 1
    assert ack(host, "poll_close", {"poll_id": opened["poll_id"]})["ok"]
    assert ack(bob, "vote", {"poll_id": opened["poll_id"], "option_id": option})["error"] == "closed"


def test_chat_flood_is_throttled_with_a_message(app, room):
    host, alice, bob = live(app, room)
    replies = [ack(alice, "chat", {"uuid": new_uuid(), "text": f"刷屏 {n}"}) for n in range(8)]
    assert [r["ok"] for r in replies[:5]] == [True] * 5
    throttled = replies[5]
    assert throttled["error"] == "rate_limited" and throttled["retry_after"] >= 1
    assert throttled["message"]
    assert LiveChatMessage.query.count() == 5
    assert len([e for e in events(bob) if e["type"] == "chat.message"]) == 5
    # Others are not throttled by alice's flood.
    assert ack(bob, "chat", {"uuid": new_uuid(), "text": "我还能说话"})["ok"]


def test_presence_counts_distinct_users(app, room):
    host, alice, bob = live(app, room)
    counts = [m["args"][0]["count"] for m in host.get_received("/live") if m["name"] == "presence"]
    second_tab = connect(app, room.alice, room.roadshow.id)
    counts = [m["args"][0]["count"] for m in host.get_received("/live") if m["name"] == "presence"]
    assert counts[-1] == 3
    assert sync(second_tab)["snapshot"]["presence"] == 3
    bob.disconnect("/live")
    counts = [m["args"][0]["count"] for m in host.get_received("/live") if m["name"] == "presence"]
    assert counts[-1] == 2


def test_one_room_cannot_touch_another_rooms_questions_or_polls(app, room, make_user):
    """Object-level checks: ids from another roadshow are 'not found' in this room."""
    other = build_room(make_user)
    other_host = connect(app, other.host, other.roadshow.id)
    ack(other_host, "go_live")
    ack(other_host, "moderation", {"on": False})
    their_alice = connect(app, other.alice, other.roadshow.id)
    theirs = ack(their_alice, "ask", {"uuid": new_uuid(), "text": "别家的问题"})
    poll = ack(other_host, "poll_open", {"question": "别家的投票", "options": ["是", "否"]})

    host, alice, _bob = live(app, room)
    for event in ("hide", "approve", "pin"):
        assert ack(host, event, {"question_id": theirs["id"]})["error"] == "not_found"
    assert ack(host, "answer", {"question_id": theirs["id"], "text": "越权回答"})["error"] == "not_found"
    assert ack(host, "poll_close", {"poll_id": poll["poll_id"]})["error"] == "not_found"
    assert ack(host, "present", {"listing_id": other.listings[0].id})["error"] == "not_found"
    assert ack(alice, "upvote", {"question_id": theirs["id"]})["error"] == "not_found"
    option = sync(other_host)["snapshot"]["polls"][0]["options"][0]["id"]
    assert ack(alice, "vote", {"poll_id": poll["poll_id"], "option_id": option})["error"] == "not_found"
    db.session.expire_all()
    question = db.session.get(LiveQuestion, theirs["id"])
    assert (question.status, question.answer, question.upvotes) == (QuestionStatus.APPROVED, None, 0)
    # Nor does a client of this room hear anything of the other room.
    assert "别家" not in repr(events(alice) + events(host))


def test_a_database_failure_before_the_action_still_gets_an_answer(app, room, monkeypatch):
    """Loading the room can fail (every connection taken): the client gets an error ack, not silence."""
    import sqlalchemy as sa

    from events import services as roadshows

    alice = connect(app, room.alice, room.roadshow.id)

    def exhausted(*_args, **_kwargs):
        raise sa.exc.TimeoutError("QueuePool limit of size 10 overflow 30 reached")

    monkeypatch.setattr(roadshows, "load_room", exhausted)
    reply = ack(alice, "ask", {"uuid": new_uuid(), "text": "还能提问吗？"})
    assert reply["ok"] is False and reply["error"] == "server_error"
    assert reply["message"]
