"""Cleaning free text that people type: the one place that decides which characters are dropped."""

import re

#: C0 and C1 controls but tab and newline (NUL, ESC, ...), the bidirectional embeddings,
#: overrides, isolates and marks (U+202E "RIGHT-TO-LEFT OVERRIDE" makes "gnp.exe" read "exe.png"),
#: the byte-order mark, and lone surrogates (which no database can store as UTF-8).
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\ufeff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")


def strip_controls(text: str) -> str:
    """``text`` without control, bidirectional-formatting and other invisible characters; every
    line break becomes ``\\n``. Used by every live-room text (questions, chat, answers, polls)."""
    return _UNWANTED.sub("", _LINE_BREAKS.sub("\n", text))
