"""Cleaning free text that people type: the one place that decides which characters are dropped."""

import re
import unicodedata

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


# --- Normalised input ---------------------------------------------------------------------------
#
# What people type reaches the platform in many spellings of the same thing: full-width letters,
# digits and punctuation from a Chinese input method (ＣＮ２０１７１０１１７０８１．７), traditional
# characters (鋰離子電池), upper or lower case, stray spaces. ``normalise`` is the one form in which
# text is *compared*: the search index and the queries, the matching, the LIKE searches of the
# management pages. Prose is stored as typed and only indexed normalised; identifiers (application
# numbers, credit codes) are stored in their normal form, made by ``identifier``.

_converter = None
#: The full-width forms (U+FF01–FF5E) and the ideographic space: NFKC maps each to one ASCII
#: character. Translating them first lets most Chinese text skip the (slow) full NFKC.
_FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_FULL_WIDTH_CHARS = re.compile("[\uff01-\uff5e\u3000]")


def half_width(text: str) -> str:
    """``text`` with the full-width forms a Chinese input method types (ＡＢＣ１２３．，and the
    ideographic space) as their ASCII characters, and nothing else changed: for numbers, where
    NFKC's other mappings (10² → 102) would misread what was typed."""
    return _FULL_WIDTH_CHARS.sub(lambda match: _FULL_WIDTH[match.group()], text)


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, fast for Chinese text with full-width punctuation."""
    text = half_width(text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC's ``t2s``: characters and common phrases)."""
    global _converter  # noqa: PLW0603  (one converter per process, made on first use)
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


def normalise(text: str | None) -> str:
    """``text`` in the form it is matched in: NFKC (full-width letters, digits and punctuation to
    their ordinary forms), traditional characters to simplified, case folded, no surrounding and
    no repeated spaces (every run of white space, line breaks included, is one space)."""
    if not text:
        return ""
    text = _nfkc(strip_controls(text))
    if not text.isascii():
        text = _simplified(text)
    return " ".join(text.casefold().split())


def identifier(text: str | None) -> str:
    """An identifier as it is stored and compared: NFKC, upper case, no white space at all
    (``ｃｎ ２０１７１０１１７０８１．７`` → ``CN201710117081.7``)."""
    text = _nfkc(strip_controls(text or ""))
    return "".join(text.split()).upper()


def matchable(text: str) -> tuple[str, list[int]]:
    """``text`` normalised without changing the spaces, and for each character of the result the
    index of the character of ``text`` it comes from: where a match in the normal form is in the
    text as typed (highlighting a simplified query's words in a traditional title)."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    folded = _nfkc(text).casefold()
    if len(folded) == len(text):  # the usual case: one character for one
        origins = list(range(len(text)))
    else:  # a character became several (…, ㍿, ß): one at a time, remembering where each came from
        pieces = [unicodedata.normalize("NFKC", char).casefold() for char in text]
        folded = "".join(pieces)
        origins = [index for index, piece in enumerate(pieces) for _ in piece]
    converted = _simplified(folded)
    if len(converted) != len(folded):  # a phrase changed length: convert one character at a time
        converted = "".join(c if len(c := _simplified(char)) == 1 else char for char in folded)
    return converted, origins


def variants(text: str) -> list[str]:
    """The spellings a LIKE search over stored prose tries: as typed (spaces collapsed) and, when
    it differs, in the normal form's characters (NFKC, simplified) with the typed case."""
    typed = " ".join((text or "").split())
    if not typed:
        return []
    plain = " ".join(_nfkc(typed).split())
    plain = _simplified(plain) if not plain.isascii() else plain
    return [typed] if plain == typed else [typed, plain]
