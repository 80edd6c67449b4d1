"""A frequent word's listings kept by the process (``word_sets``) stay exact as listings change:
each search after a change finds exactly the published listings with the word, counts them
exactly, and the word is not read again in full unless many listings changed or the index was
rebuilt. Every word is kept here (``KEEP_FROM`` = 1), as a word in 1,000 listings is."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import reindex, search, word_sets
from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingState
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory


@pytest.fixture(autouse=True)
def keep_every_word(monkeypatch):
    monkeypatch.setattr(word_sets, "KEEP_FROM", 1)
    word_sets.forget()
    yield
    word_sets.forget()


@pytest.fixture
def reads(monkeypatch):
    """The index reads of whole words: (node, None) for a whole word, (node, ids) for a look-up
    of some listings only."""
    calls = []
    original = word_sets.read

    def counted(node, ids=None):
        calls.append((node, ids))
        return original(node, ids)
    monkeypatch.setattr(word_sets, "read", counted)
    return calls


@pytest.fixture
def publish(tto):
    factory = ListingFactory(seed=21)

    def _publish(title: str, field: str = "energy", commit: bool = True):
        data = {**factory.data(tto.name, tto.email), "title": title, "abstract": "", "keywords": "",
                "field": field}
        listing = listings.create_listing(tto, data, commit=False)
        listings.transition(tto, listing, "publish")
        if commit:
            db.session.commit()
        return listing
    return _publish


def _whole_reads(reads, word: str) -> int:
    return sum(1 for node, ids in reads if node == word and ids is None)


def _expect(word: str) -> None:
    """A search for ``word`` in a new transaction shows exactly the published listings whose title
    has it, and its total and field facet count them."""
    db.session.commit()
    db.session.expire_all()
    truth = [listing for listing in db.session.scalars(sa.select(Listing).where(
        Listing.state == ListingState.PUBLISHED)) if word in search.tokens_for_index(listing.title)]
    result = run_search(SearchQuery(q=word))
    db.session.commit()
    assert sorted(item.id for item in result.items) == sorted(listing.id for listing in truth)
    assert result.total == len(truth)
    fields = {}
    for listing in truth:
        fields[listing.field] = fields.get(listing.field, 0) + 1
    assert dict(result.facets.get("field", [])) == fields


def test_a_kept_word_follows_publishing_editing_and_withdrawing(app, tto, publish, reads):
    first = publish("一种储能电池热管理方法")
    publish("一种电池隔膜", field="materials")
    publish("一种齿轮箱")
    _expect("电池")
    assert _whole_reads(reads, "电池") == 1

    fresh = publish("一种锂电池回收方法", field="materials")
    _expect("电池")
    listings.update_listing(tto, first, {"title": "一种储能系统热管理方法"})
    _expect("电池")
    listings.transition(tto, fresh, "withdraw", "不再转化")
    _expect("电池")
    listings.update_listing(tto, first, {"title": "一种储能电池热管理方法", "field": "digital"})
    _expect("电池")
    assert _whole_reads(reads, "电池") == 1, "each change was looked up, not the word read again"
    assert any(node == "电池" and ids for node, ids in reads)


def test_many_changes_at_once_read_the_word_again(app, publish, reads, monkeypatch):
    monkeypatch.setattr(word_sets, "RETEST_AT_MOST", 1)
    publish("一种电池隔膜")
    _expect("电池")
    publish("一种电池热管理方法", commit=False)
    publish("一种电池回收方法")  # two listings changed in one generation
    _expect("电池")
    assert _whole_reads(reads, "电池") == 2


def test_a_reindex_reads_kept_words_again(app, publish, reads):
    publish("一种电池隔膜")
    _expect("电池")
    reindex.rebuild()
    _expect("电池")
    assert _whole_reads(reads, "电池") == 2


def test_another_process_finds_what_was_published_here(app, another_app, publish):
    publish("一种电池隔膜")
    other = another_app()
    with other.app_context():
        _expect("电池")
    publish("一种电池回收方法", field="materials")
    with other.app_context():
        _expect("电池")
        assert run_search(SearchQuery(q="电池")).total == 2


def test_a_rare_word_is_not_kept(app, publish, reads, monkeypatch):
    monkeypatch.setattr(word_sets, "KEEP_FROM", 2)
    publish("一种薄荷提取方法")
    _expect("薄荷")
    _expect("薄荷")
    assert _whole_reads(reads, "薄荷") == 2
