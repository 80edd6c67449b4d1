"""Nothing lost: gap-free numbers, replay after a reconnect, snapshots, and the counter under races."""

import threading

import pytest
import sqlalchemy as sa

from events.live import log, services
from events.live.models import LiveEvent, LiveQuestion
from events.models import Roadshow
from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.live_support import ack, build_room, connect, events, new_uuid, sync


@pytest.fixture
def room(app, make_user):
    return build_room(make_user)


def test_reconnect_with_last_seq_gets_exactly_the_missed_events(app, room):
    host = connect(app, room.host, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    ack(host, "go_live")
    ack(host, "moderation", {"on": False})
    first = ack(alice, "ask", {"uuid": new_uuid(), "text": "断线前的问题"})
    seen = sorted({e["seq"] for e in events(alice)})
    last_seen = max(seen)
    assert seen == list(range(1, last_seen + 1))  # gap-free from the first event on
    alice.disconnect()

    missed = [ack(host, "answer", {"question_id": first["id"], "text": "已答复"})["seq"],
              ack(host, "present", {"listing_id": room.listings[0].id})["seq"]]
    bob_question = connect(app, room.bob, room.roadshow.id)
    missed.append(ack(bob_question, "ask", {"uuid": new_uuid(), "text": "断线期间的问题"})["seq"])

    again = connect(app, room.alice, room.roadshow.id)
    reply = sync(again, last_seen)
    assert reply["mode"] == "replay"
    assert [e["seq"] for e in reply["events"]] == missed
    assert [e["type"] for e in reply["events"]] == ["question.updated", "room.state", "question.created"]
    assert reply["events"][0]["question"]["answer"] == "已答复"
    assert reply["seq"] == missed[-1]
    assert sync(again, reply["seq"])["events"] == []


def test_replay_gives_attendees_noops_for_what_they_may_not_see(app, room):
    host = connect(app, room.host, room.roadshow.id)
    ack(host, "go_live")
    pending = ack(connect(app, room.alice, room.roadshow.id), "ask", {"uuid": new_uuid(), "text": "待审问题"})
    bob = connect(app, room.bob, room.roadshow.id)
    replay = sync(bob, 0)["events"]
    assert replay[-1] == {"seq": pending["seq"], "type": "noop"}
    assert [e["seq"] for e in replay] == list(range(1, pending["seq"] + 1))


def test_snapshot_after_reload_has_the_state_and_its_number(app, room):
    host = connect(app, room.host, room.roadshow.id)
    ack(host, "go_live")
    ack(host, "present", {"listing_id": room.listings[1].id})
    alice = connect(app, room.alice, room.roadshow.id)
    mine = ack(alice, "ask", {"uuid": new_uuid(), "text": "我的待审问题", "anonymous": True})
    reloaded = connect(app, room.alice, room.roadshow.id)
    reply = sync(reloaded)
    snapshot = reply["snapshot"]
    assert reply["mode"] == "snapshot" and snapshot["seq"] == mine["seq"] == reply["seq"]
    assert snapshot["room"]["status"] == "live" and snapshot["room"]["presented"]["id"] == room.listings[1].id
    assert [(q["text"], q["status"], q.get("mine")) for q in snapshot["questions"]] == [
        ("我的待审问题", "pending", True)]
    other = sync(connect(app, room.bob, room.roadshow.id))["snapshot"]
    assert other["questions"] == [] and other["seq"] == snapshot["seq"]


def test_too_far_behind_gets_a_snapshot(app, room, monkeypatch):
    monkeypatch.setattr(log, "REPLAY_LIMIT", 2)
    host = connect(app, room.host, room.roadshow.id)
    ack(host, "go_live")
    for listing in room.listings * 2:
        ack(host, "present", {"listing_id": listing.id})
    assert sync(host, 0)["mode"] == "snapshot"
    assert sync(host, 4)["mode"] == "replay"
    assert sync(host, 10_000)["mode"] == "snapshot"  # a number from the future (a reset database)


def test_concurrent_writers_get_distinct_gap_free_numbers(app, room, another_app):
    """Several app instances (each its own connection pool, standing in for processes) ask at once:
    every question is stored, every number is used once, and the log has no hole."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers on the file lock; the row lock is PostgreSQL's")
    host = connect(app, room.host, room.roadshow.id)
    ack(host, "go_live")
    instances = [another_app(LIVE_QUESTION_RATE="1000/minute") for _ in range(4)]
    start = threading.Barrier(len(instances))
    errors, acks = [], []
    ids = (room.roadshow.id, room.alice.id, room.bob.id)

    def writer(instance, n):
        try:
            with instance.test_request_context():
                roadshow = db.session.get(Roadshow, ids[0])
                user = db.session.get(User, ids[1 + n % 2])
                start.wait()
                for k in range(5):
                    data = {"uuid": new_uuid(), "text": f"并发 {n}-{k}"}
                    acks.append(services.ask(roadshow, user, data).ack)
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=writer, args=(instance, n)) for n, instance in enumerate(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.expire_all()
    seqs = db.session.execute(sa.select(LiveEvent.seq).where(
        LiveEvent.roadshow_id == room.roadshow.id).order_by(LiveEvent.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert sorted(a["seq"] for a in acks) == seqs[-20:]
    assert LiveQuestion.query.count() == 20
    assert log.current_seq(room.roadshow.id) == seqs[-1]
