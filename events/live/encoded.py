"""Parts of packets encoded once: a snapshot's shared lists go to every newcomer of a room.

For each packet, python-socketio walks every list and dict of its data looking for binary parts,
then encodes it with ``json.dumps``. For a 20-100 KiB snapshot that is 2-10 ms of the server's
core per newcomer, for the same chat, questions and polls each time. An :class:`Encoded` list
carries its JSON text, made once; :class:`Packet`, the server's packet class (``install``), does
not look inside it and writes that text as it is. Anything else sees an ordinary list (the test
client decodes what the server encoded).
"""

import json
import secrets

from socketio import packet

#: Unknowable to clients, so no text they send can look like a placeholder.
_NONCE = secrets.token_hex(8)


class Encoded(list):
    """A list and its JSON text (as python-socketio would encode it); never change it."""

    def __init__(self, items=()):
        super().__init__(items)
        self.text = json.dumps(self, separators=(",", ":"))


class Packet(packet.Packet):
    """Socket.IO's packet, writing the text of :class:`Encoded` lists instead of encoding them."""

    @classmethod
    def data_is_binary(cls, data):
        if isinstance(data, Encoded):  # made by json.dumps, so it holds no bytes
            return False
        return super().data_is_binary(data)

    def encode(self):
        texts: dict[str, str] = {}
        data = _placeholders(self.data, texts)
        if not texts:
            return super().encode()
        original, self.data = self.data, data
        try:
            encoded = super().encode()
        finally:
            self.data = original
        head = encoded[0] if isinstance(encoded, list) else encoded
        for placeholder, text in texts.items():
            head = head.replace(placeholder, text, 1)
        if isinstance(encoded, list):
            return [head, *encoded[1:]]
        return head


def _placeholders(data, texts: dict):
    """``data`` with each Encoded list replaced by a placeholder string (copying only the
    containers on the way to one); ``texts`` maps each placeholder's JSON to the list's text."""
    if isinstance(data, Encoded):
        placeholder = f"\x00{_NONCE}{len(texts)}\x00"
        texts[json.dumps(placeholder)] = data.text
        return placeholder
    if isinstance(data, dict):
        copy = None
        for key, value in data.items():
            swapped = _placeholders(value, texts)
            if swapped is not value:
                if copy is None:
                    copy = dict(data)
                copy[key] = swapped
        return data if copy is None else copy
    if isinstance(data, list):
        copy = None
        for index, value in enumerate(data):
            swapped = _placeholders(value, texts)
            if swapped is not value:
                if copy is None:
                    copy = list(data)
                copy[index] = swapped
        return data if copy is None else copy
    return data


def install(server) -> None:
    """Make ``Packet`` the packet class of a python-socketio server."""
    server.packet_class = Packet
