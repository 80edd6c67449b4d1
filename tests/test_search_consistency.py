"""A search shows every match exactly once, in the documented order, with a total and facets
that count what it shows: against an order built by brute force from the listings, with and
without kept words, small and large ranking windows and queries of few and many words; and when
the index changes between a search's reads (an edit in the same transaction not yet flushed,
another process's commit), or when one process keeps a word and another does not."""

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.listings import (
    facet_bitmaps,
    ranking,
    search,
    search_sql,
    term_stats,
    terms,
    word_sets,
)
from marketplace.listings import services as listings
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory
from tests.test_search_ranking import _every_page, world  # noqa: F401  (world: a fixture)

WORDS = ["电池", "齿轮", "传感器", "涂层", "算法"]


@pytest.fixture(autouse=True)
def no_kept_words():
    word_sets.forget()
    yield
    word_sets.forget()


def _publish(tto, factory, title: str, **changes) -> Listing:
    data = {**factory.data(tto.name, tto.email), "title": title, "abstract": "", "keywords": "",
            "kind": ListingKind.ACHIEVEMENT, "application_number": None,
            "application_date": None, "grant_date": None, **changes}
    listing = listings.create_listing(tto, data, commit=False)
    listings.transition(tto, listing, "publish")
    return listing


@pytest.fixture
def many(make_user):
    """70 listings whose titles have random words of ``WORDS``, published a minute apart; every
    ninth withdrawn."""
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    factory, chance = ListingFactory(seed=5), random.Random(7)
    made = []
    for n in range(70):
        chosen = [word for word in WORDS if chance.random() < 0.35] or [chance.choice(WORDS)]
        made.append(_publish(tto, factory, "，".join(chosen) + f"方案{n}",
                             grade=chance.choice(list(Grade)),
                             field=chance.choice(["energy", "materials"])))
    db.session.flush()
    base = min(listing.published_at for listing in made)
    for minutes, listing in enumerate(made):
        listing.published_at = base + timedelta(minutes=minutes)
    db.session.commit()
    for listing in made[::9]:
        listings.transition(tto, listing, "withdraw", "不再转化")
    db.session.commit()
    return made


def _reference(query: SearchQuery) -> tuple[set[int], list[int]]:
    """The listings with every word (any order: the index ranks them) and the partial matches
    in the documented order, from the listings themselves."""
    tokens = search.tokens_for_query(query.q)
    weights, chosen = terms.weights(tokens), terms.selective(tokens)
    complete, partial = set(), []
    for listing in db.session.scalars(sa.select(Listing).where(
            Listing.state == ListingState.PUBLISHED)):
        if (query.field and listing.field != query.field) or (
                query.grade and listing.grade != query.grade):
            continue
        words = set(search.tokens_for_index(listing.title))
        if not any(token in words for token in chosen):
            continue
        has = [token for token in tokens if token in words]
        if len(has) == len(tokens):
            complete.add(listing.id)
        else:
            partial.append((sum(weights[token] for token in has), listing))
    partial.sort(key=lambda pair: (-pair[0], -pair[1].id))
    head = sorted(partial[:search.RANK_CANDIDATES], key=lambda pair: (
        -pair[0], pair[1].grade.value, -pair[1].published_at.timestamp(), -pair[1].id))
    return complete, [listing.id for _, listing in head + partial[search.RANK_CANDIDATES:]]


@pytest.mark.parametrize("keep_from", [1, 10**9])
@pytest.mark.parametrize("candidates, split_words", [(500, 8), (7, 8), (1, 1), (500, 1)])
@pytest.mark.parametrize("q, field, grade", [("电池 齿轮 传感器", None, None),
                                             ("电池 涂层 算法 齿轮", "energy", None),
                                             ("传感器 算法", None, Grade.B)])
def test_every_page_in_the_documented_order(many, monkeypatch, keep_from, candidates,
                                            split_words, q, field, grade):
    monkeypatch.setattr(word_sets, "KEEP_FROM", keep_from)
    monkeypatch.setattr(search, "RANK_CANDIDATES", candidates)
    monkeypatch.setattr(ranking, "SPLIT_WORDS", split_words)
    query = SearchQuery(q=q, field=field, grade=grade)
    complete, partial = _reference(query)
    for per_page in (1, 3, 20, 100):
        found = _every_page(query, per_page)
        assert len(found) == len(set(found)), per_page
        assert set(found[:len(complete)]) == complete
        assert found[len(complete):] == partial, per_page
        result = run_search(query)
        assert result.total == len(found)
        assert sum(n for _, n in result.facets["field"]) == len(found)


@pytest.fixture
def gear_and_batteries(make_user):
    """X (its title changes below), three listings with 电池 only, one with both words, one with
    齿轮 only."""
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    factory = ListingFactory(seed=3)

    def make(first_title: str) -> tuple[User, Listing]:
        x = _publish(tto, factory, first_title)
        for n in range(3):
            _publish(tto, factory, f"一种电池回收方法{n}")
        _publish(tto, factory, "一种电池齿轮箱")
        _publish(tto, factory, "一种齿轮加工")
        db.session.commit()
        return tto, x
    return make


def _assert_once_each(result, x_id: int) -> None:
    ids = [item.id for item in result.items]
    assert len(ids) == len(set(ids)), "a listing shown twice"
    assert result.total == len(ids), "the total differs from the results listed"
    assert x_id in ids, "X (published, with 电池) is missing"


@pytest.mark.parametrize("before, after", [("一种电池隔膜", "一种电池齿轮"),
                                           ("一种电池齿轮", "一种电池隔膜")])
def test_an_edit_not_yet_flushed_is_searched_as_the_ranking_sees_it(app, gear_and_batteries,
                                                                    before, after):
    _, x = gear_and_batteries(before)
    query = SearchQuery(q="电池 齿轮")
    run_search(query)
    x.title = after  # pending: the ranking's first statement would flush it
    result = run_search(query)
    _assert_once_each(result, x.id)
    db.session.rollback()


@pytest.mark.parametrize("other_searches", [False, True])
@pytest.mark.parametrize("before, after", [("一种电池隔膜", "一种电池齿轮"),
                                           ("一种电池齿轮", "一种电池隔膜")])
def test_a_commit_elsewhere_during_a_search(app, another_app, gear_and_batteries, monkeypatch,
                                            before, after, other_searches):
    """Another process commits an edit of X after this search read the generation and before
    it ranks (its kept words are of the older generation; the index's ranking sees the edit)."""
    monkeypatch.setattr(word_sets, "KEEP_FROM", 1)  # stands for a word in 1,000 listings
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA journal_mode = WAL"))
    tto, x = gear_and_batteries(before)
    x_id, tto_id, query = x.id, tto.id, SearchQuery(q="电池 齿轮")
    run_search(query)  # a warm process: the words are kept
    db.session.commit()
    other, original, raced = another_app(), search_sql.best_matches, []

    def racing(*args, **kwargs):
        if not raced:
            raced.append(True)
            with other.app_context():
                listings.update_listing(db.session.get(User, tto_id),
                                        db.session.get(Listing, x_id), {"title": after})
                db.session.commit()
                if other_searches:  # and brings its own kept words up to date
                    run_search(query)
                    db.session.commit()
        return original(*args, **kwargs)

    monkeypatch.setattr(search_sql, "best_matches", racing)
    _assert_once_each(run_search(query), x_id)


def test_processes_count_a_word_alike_whatever_they_keep(world, monkeypatch):  # noqa: F811
    """On PostgreSQL a common word is counted from the statistics' estimate; a process that
    keeps the word must not count it otherwise (the counts choose the selective words)."""
    monkeypatch.setattr(word_sets, "KEEP_FROM", 1)
    monkeypatch.setattr(terms, "POSTINGS_BUDGET", 14)
    monkeypatch.setattr(term_stats, "estimate", lambda lexeme: 14 if lexeme == "设备" else None)
    first = run_search(SearchQuery(q="设备 预测性")).total
    db.session.commit()
    run_search(SearchQuery(q="设备"))  # the common word alone: now kept
    db.session.commit()
    with db.engine.begin() as connection:  # any later change of the index
        facet_bitmaps.record(connection, [world["sludge"].id])
    assert run_search(SearchQuery(q="设备 预测性")).total == first
