"""What the live room accepts from a client (issue 13, item 11): control and bidi characters are
stripped from every text, and a payload field of the wrong type is refused, not stored as its repr."""

import pytest

from events.live.models import LiveChatMessage, LivePoll, LiveQuestion
from tests.live_support import ack, build_room, connect, new_uuid

#: NUL, ESC, a C1 control, the bidi overrides and isolates, a lone surrogate, a BOM.
HOSTILE = "\x00\x1b[31m\x85\u202e\u202a\u2066\u2069\u200e\u200f\u061c\ufeff\ud800"


@pytest.fixture
def room(make_user):
    return build_room(make_user)


@pytest.fixture
def host(app, room):
    client = connect(app, room.host, room.roadshow.id)
    assert ack(client, "go_live")["ok"] and ack(client, "moderation", {"on": False})["ok"]
    return client


def test_chat_and_questions_lose_control_and_bidi_characters(app, room, host):
    alice = connect(app, room.alice, room.roadshow.id)
    reply = ack(alice, "chat", {"uuid": new_uuid(), "text": f"价格{HOSTILE}可以谈吗\u202egnp.exe"})
    assert reply["ok"], reply
    assert LiveChatMessage.query.one().text == "价格[31m可以谈吗gnp.exe"
    reply = ack(alice, "ask", {"uuid": new_uuid(), "text": f"\x00{HOSTILE}量产成本？\t第二行\n第三行"})
    assert reply["ok"], reply
    question = LiveQuestion.query.one()
    assert question.text == "[31m量产成本？\t第二行\n第三行"
    assert reply["question"]["text"] == question.text


def test_a_text_of_nothing_but_control_characters_is_empty(app, room, host):
    alice = connect(app, room.alice, room.roadshow.id)
    for event in ("chat", "ask"):
        reply = ack(alice, event, {"uuid": new_uuid(), "text": "\x00\u202e\x1b\ufeff"})
        assert reply["ok"] is False and reply["error"] == "invalid", reply
    assert LiveChatMessage.query.count() == 0 and LiveQuestion.query.count() == 0


def test_moderators_texts_are_cleaned_the_same_way(app, room, host):
    alice = connect(app, room.alice, room.roadshow.id)
    asked = ack(alice, "ask", {"uuid": new_uuid(), "text": "何时量产？"})
    assert ack(host, "answer", {"question_id": asked["id"], "text": f"明年{HOSTILE}"})["ok"]
    assert LiveQuestion.query.one().answer == "明年[31m"
    reply = ack(host, "poll_open", {"question": f"\u202e是否{HOSTILE}", "options": ["是\x00", "否\u2066"]})
    assert reply["ok"], reply
    poll = LivePoll.query.one()
    assert poll.question == "是否[31m" and [o.label for o in poll.options] == ["是", "否"]


@pytest.mark.parametrize(("event", "payload"), [
    ("ask", {"uuid": "U", "text": {"$gt": ""}}),
    ("ask", {"uuid": "U", "text": ["量产成本？"]}),
    ("ask", {"uuid": "U", "text": 12345}),
    ("ask", {"uuid": "U", "text": "匿名？", "anonymous": "false"}),
    ("ask", {"uuid": {"a": 1}, "text": "问题"}),
    ("chat", {"uuid": "U", "text": {"text": "hi"}}),
    ("chat", {"uuid": "U", "text": True}),
    ("upvote", {"question_id": {"id": 1}}),
    ("vote", {"poll_id": [1], "option_id": 1}),
    ("interest", {"listing_id": "1; DROP"}),
    ("sync", {"after": "0"}),
    ("ask", ["not", "an", "object"]),
    ("chat", "text"),
], ids=["ask-text-object", "ask-text-list", "ask-text-number", "ask-anonymous-string",
        "ask-uuid-object", "chat-text-object", "chat-text-bool", "upvote-id-object", "vote-id-list",
        "interest-id-string", "sync-after-string", "ask-list", "chat-string"])
def test_a_field_of_the_wrong_type_is_refused_and_nothing_is_stored(app, room, host, event, payload):
    alice = connect(app, room.alice, room.roadshow.id)
    if isinstance(payload, dict) and payload.get("uuid") == "U":
        payload = {**payload, "uuid": new_uuid()}
    reply = ack(alice, event, payload)
    assert reply["ok"] is False and reply["error"] == "invalid", reply
    assert reply["message"]
    assert LiveQuestion.query.count() == 0 and LiveChatMessage.query.count() == 0


@pytest.mark.parametrize(("event", "payload"), [
    ("answer", {"question_id": 1, "text": {"a": 1}}),
    ("pin", {"question_id": 1, "pinned": "no"}),
    ("qa", {"open": "false"}),
    ("moderation", {"on": 0}),
    ("poll_open", {"question": "是否？", "options": "是\n否"}),
    ("poll_open", {"question": "是否？", "options": ["是", {"label": "否"}]}),
    ("present", {"listing_id": 1.5}),
], ids=["answer-text-object", "pin-string", "qa-string", "moderation-int", "poll-options-string",
        "poll-option-object", "present-float"])
def test_moderator_payloads_are_checked_too(app, room, host, event, payload):
    reply = ack(host, event, payload)
    assert reply["ok"] is False and reply["error"] == "invalid", reply


def test_well_formed_payloads_still_work(app, room, host):
    alice = connect(app, room.alice, room.roadshow.id)
    asked = ack(alice, "ask", {"uuid": new_uuid(), "text": "可以试用吗？", "anonymous": True,
                               "extra": "ignored"})
    assert asked["ok"] and asked["question"]["anonymous"] is True
    assert ack(host, "pin", {"question_id": asked["id"]})["ok"]
    assert ack(alice, "sync", {"after": None})["mode"] == "snapshot"
    assert ack(alice, "sync", {"after": asked["seq"]})["ok"]


def test_every_event_of_the_namespace_has_a_payload_schema():
    from events.live.namespace import LiveNamespace
    from events.live.payloads import SCHEMAS

    handlers = {name[3:] for name in dir(LiveNamespace)
                if name.startswith("on_") and name not in ("on_connect", "on_disconnect")}
    assert handlers == set(SCHEMAS)
