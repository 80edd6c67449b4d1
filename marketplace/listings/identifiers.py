"""Identifiers typed into the search box: application and patent numbers, IPC codes, inventors.

- An application number (``CN201710601862.3``, ``ZL 2017 1060 1862.3``, full width or not) is
  not searched as words: the search page goes to its listing, or says no listing has it.
- An IPC code or prefix (``H01``, ``H01M``, ``H01M 4``, ``H01M4/36``) becomes one query term that
  matches the listings classified under it: its parts as a phrase in the indexed IPC symbols,
  the last part as a prefix (``H01M 4/36`` also finds ``H01M 4/362``).
- An inventor's name that the segmenter would cut (孙立新 → 孙 + 立新) stays one term when some
  listing names that inventor: every listing's inventors are indexed as whole names as well.
"""

import re
import unicodedata

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import patentno

_NUMBER_NOISE = re.compile(r"[\s.\-·]")
_NUMBER_SHAPE = re.compile(r"^(?:CN|ZL)?(?:\d{8}|\d{12})[\dX]$")
#: Section, class, then optionally the subclass, main group and subgroup; spaces anywhere.
_IPC = re.compile(r"^([A-H])(\d{2})(?:([A-Z])(?:(\d{1,4})(?:/(\d{1,6}))?)?)?$")
#: An IPC term as ``query_tokens`` makes it (upper case: a segmented word never is).
IPC_TERM = re.compile(r"^[A-H]\d{2}(?:[A-Z](?: \d{1,4}(?:/\d{1,6})?)?)?$")
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,6}$")


def _compact(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def application_number(text: str) -> tuple[str | None, str | None]:
    """(the canonical application number, None) when ``text`` is one; (None, the problem) when it
    is shaped like one but is not valid (``check``, ``type``); (None, None) for other text."""
    compact = _NUMBER_NOISE.sub("", _compact(text))
    if not _NUMBER_SHAPE.match(compact):
        return None, None
    problem = patentno.problem(compact)
    if problem:
        return None, problem
    return patentno.normalise(compact), None


def listing_with_number(number: str):
    """The listing with application number ``number`` if the current user may see it, else None."""
    from marketplace.listings.models import Listing
    from marketplace.permissions import can

    listing = db.session.scalar(sa.select(Listing).where(Listing.application_number == number))
    return listing if listing is not None and can("listings.view", listing) else None


def ipc_term(text: str) -> str | None:
    """The IPC term of ``text`` (``H01M 4/36``) when the whole text is an IPC code or prefix."""
    match = _IPC.match(re.sub(r"\s", "", _compact(text)))
    if not match:
        return None
    section, klass, subclass, group, subgroup = match.groups()
    term = section + klass + (subclass or "")
    if group:
        term += f" {int(group)}" + (f"/{subgroup}" if subgroup else "")
    return term


def canonical_ipc(codes: str | None) -> str:
    """The listing's IPC symbols with a space before the main group, as the index holds them."""
    found = [ipc_term(code) or code.strip() for code in (codes or "").split(",")]
    return ", ".join(code for code in found if code)


def _ipc_parts(term: str) -> tuple[list[str], bool]:
    """The index words an IPC term's phrase is made of, and whether the last is a prefix."""
    head, _, rest = term.partition(" ")
    words = [head.lower(), *rest.replace("/", " ").split()]
    # A class (H01) and a subgroup (4/36) are prefixes; a subclass and a main group are whole.
    return words, len(head) == 3 or "/" in term


def ipc_fts(term: str) -> str:
    """SQLite: the FTS5 phrase matching an IPC term (validated words: nothing to escape)."""
    words, prefix = _ipc_parts(term)
    return '"' + " ".join(words) + '"' + (" *" if prefix else "")


def ipc_tsquery_text(term: str) -> str:
    """PostgreSQL: the ``to_tsquery`` text of an IPC term: its words followed by each other."""
    words, prefix = _ipc_parts(term)
    return " <-> ".join(words) + (":*" if prefix else "")


def name_tokens(inventors: str | None) -> list[str]:
    """Each inventor's name as one index word (names the segmenter may cut: 孙立新)."""
    names = (unicodedata.normalize("NFKC", name).strip().lower()
             for name in re.split(r"[,，、;；]", inventors or ""))
    return [name for name in names if _NAME.match(name)]


def _indexed(word: str) -> bool:
    """Whether some indexed listing has ``word`` as a word of its text (one index lookup)."""
    from marketplace.listings import search

    table = sa.table(search.INDEX_TABLE, sa.column("document"))
    if db.engine.dialect.name == "postgresql":
        condition = table.c.document.bool_op("@@")(sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"), sa.func.quote_literal(word)))
    else:
        condition = sa.literal_column(search.INDEX_TABLE).op("MATCH")('body : "' + word + '"')
    statement = sa.select(sa.literal(1)).select_from(table).where(condition).limit(1)
    return db.session.execute(statement).first() is not None


def query_tokens(text: str) -> list[str]:
    """The words of a search: an IPC code or an inventor's name as one term, else ``search``'s."""
    from marketplace.listings import search

    term = ipc_term(text)
    if term:
        return [term]
    tokens = search.tokens_for_query(text)
    name = unicodedata.normalize("NFKC", text or "").strip().lower()
    if len(tokens) > 1 and _NAME.match(name) and _indexed(name):
        return [name]
    from marketplace.listings import terms

    return terms.known_words(tokens)
