"""How one query word is matched in the full-text index, on both databases.

A word matches itself or any of its synonyms (``synonyms``: OR within the group, each synonym
needing all its own words); an IPC term (``identifiers.ipc_term``) matches as a phrase of the
indexed IPC symbols, its last part a prefix. ``search_sql`` builds every text condition from
``fts`` (SQLite) and ``tsquery`` (PostgreSQL), and only from them.
"""

import sqlalchemy as sa

from marketplace.listings import identifiers, search, synonyms


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def alternatives(token: str) -> list[list[str]]:
    """The ways ``token`` may match, each the words it needs all of (``[[token]]``: itself)."""
    return synonyms.alternatives(token, search.tokens_for_query)


def fts(token: str) -> str:
    """SQLite: the FTS5 expression of one query word."""
    if identifiers.IPC_TERM.match(token):
        return identifiers.ipc_fts(token)
    options = alternatives(token)
    if len(options) == 1 and len(options[0]) == 1:
        return _quoted(options[0][0])
    return "(" + " OR ".join("(" + " AND ".join(map(_quoted, words)) + ")" for words in options) + ")"


def _simple():
    return sa.literal_column("'simple'::regconfig")


def tsquery(tokens: list[str]):
    """PostgreSQL: the tsquery of all of ``tokens``: every word, each as itself or a synonym."""
    if not any(identifiers.IPC_TERM.match(token) or len(alternatives(token)) > 1
               for token in tokens):
        return sa.func.plainto_tsquery(_simple(), " ".join(tokens))
    combined = None
    for token in tokens:
        if identifiers.IPC_TERM.match(token):
            part = sa.func.to_tsquery(_simple(), identifiers.ipc_tsquery_text(token))
        else:
            part = None
            for words in alternatives(token):
                option = sa.func.plainto_tsquery(_simple(), " ".join(words))
                part = option if part is None else part.op("||")(option)
        combined = part if combined is None else combined.op("&&")(part)
    return combined
