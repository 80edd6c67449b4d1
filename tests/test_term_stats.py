"""PostgreSQL: a common word's frequency comes from the index statistics; rare words are counted."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings import search, term_stats, terms
from marketplace.listings import services as listings
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory


@pytest.fixture
def published(make_user):
    # The fixtures empty the ORM tables only; the index table keeps earlier tests' rows.
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608 - our table
    tto = make_user(Role.TTO)
    factory = ListingFactory(seed=21)
    for n in range(24):
        title = f"一种储能电池{n}号管理方法" if n < 20 else f"一种薄荷{n}号提取工艺"
        listing = listings.create_listing(tto, {**factory.data(tto.name, tto.email),
                                                "title": title}, commit=False)
        listings.transition(tto, listing, "publish")
    db.session.commit()


def test_common_words_use_the_statistics_and_rare_words_are_counted(app, published, monkeypatch):
    term_stats.forget()
    if db.engine.dialect.name != "postgresql":
        assert term_stats.estimate("电池") is None  # SQLite counts every word exactly
        return
    db.session.execute(sa.text(f"ANALYZE {search.INDEX_TABLE}"))  # noqa: S608 - our table
    db.session.commit()
    monkeypatch.setattr(term_stats, "ESTIMATE_FROM", 10)
    # A table this small is sampled whole: the estimate is the exact count.
    exact = terms._count_node("电池")
    assert exact >= 20 and term_stats.estimate("电池") == exact
    assert term_stats.estimate("薄荷") is None  # in fewer than ESTIMATE_FROM listings
    assert terms.document_frequency("电池") == exact and terms.document_frequency("薄荷") == 4
    weights = terms.weights(["薄荷", "电池"])
    assert weights["薄荷"] > weights["电池"]  # the rarer word weighs more
    assert run_search(SearchQuery(q="薄荷 电池")).total == exact + 4 - terms._count_node(
        ("all", ["薄荷", "电池"]))
    term_stats.forget()


def test_a_word_is_counted_once_per_index_generation_and_again_after_a_change(
        app, published, make_user):
    """With the results cache off (as in the tests), a word's count is still taken once per
    process until the index changes, and the change is counted at once."""
    counts = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement.lower() and search.INDEX_TABLE in statement:
            counts.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert terms.document_frequency("薄荷") == 4
        db.session.commit()  # a new transaction, as the next request has
        assert terms.document_frequency("薄荷") == 4 and len(counts) == 1
        tto = make_user(Role.TTO)
        factory = ListingFactory(seed=22)
        listing = listings.create_listing(tto, {**factory.data(tto.name, tto.email),
                                                "title": "一种薄荷精油的提取方法"}, commit=False)
        listings.transition(tto, listing, "publish")
        db.session.commit()
        assert terms.document_frequency("薄荷") == 5 and len(counts) == 2
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
