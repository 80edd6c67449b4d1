"""Lists encoded once (events/live/encoded.py): the packet reads as if encoded whole."""

import json

from socketio import packet as base

from events.live.encoded import Encoded, Packet
from marketplace.extensions import socketio


def decoded(pkt) -> object:
    return base.Packet(encoded_packet=pkt.encode()).data


def test_encoded_lists_are_written_as_they_are_anywhere_in_the_data():
    chat = Encoded([{"id": 1, "text": "大家好 \"引号\" \\ \x00", "author": None}])
    polls = Encoded([])
    data = [{"ok": True, "snapshot": {"chat": chat, "polls": polls, "mine": [1, 2],
                                      "nested": [{"again": chat}]}, "seq": 7}]
    pkt = Packet(base.ACK, data=data, namespace="/live", id=3)
    assert pkt.packet_type == base.ACK
    assert decoded(pkt) == json.loads(json.dumps(data))
    assert pkt.data is data and data[0]["snapshot"]["chat"] is chat  # nothing was changed in place


def test_text_that_looks_like_a_placeholder_stays_text():
    sneaky = "\x00" + "0" * 16 + "0\x00"
    data = [{"text": sneaky, "list": Encoded([sneaky])}]
    assert decoded(Packet(base.EVENT, data=data, namespace="/live")) == [{"text": sneaky, "list": [sneaky]}]


def test_binary_data_and_plain_packets_are_unchanged():
    plain = ["event", {"seq": 1, "type": "noop"}]
    assert Packet(base.EVENT, data=plain).encode() == base.Packet(base.EVENT, data=plain).encode()
    mixed = Packet(base.EVENT, data=["file", {"bytes": b"\x01\x02", "list": Encoded([1])}])
    head, attachment = mixed.encode()
    assert mixed.packet_type == base.BINARY_EVENT and attachment == b"\x01\x02"
    assert json.loads(head[head.index("["):])[1]["list"] == [1]


def test_the_app_server_uses_it(app):
    assert socketio.server.packet_class is Packet
