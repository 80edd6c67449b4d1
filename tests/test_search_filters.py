"""Filters as terms of the search document: exact rows, exact facet counts, never typed or shown."""

import json
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.listings import search, search_sql
from marketplace.listings import services as listings
from marketplace.listings.models import (
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingState,
)
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory

FILTER_CASES = [
    {"grade": Grade.A},
    {"mode": ConversionMode.SOLE_LICENCE},
    {"grade": Grade.A, "mode": ConversionMode.SOLE_LICENCE},
    {"field": "energy"},
    {"kind": ListingKind.ACHIEVEMENT},
    {"trl": 6},
    {"legal_status": LegalStatus.GRANTED},
    {"grade": Grade.B, "kind": ListingKind.INVENTION, "mode": ConversionMode.TRANSFER},
]


@pytest.fixture
def corpus(make_user):
    """Thirty published listings of two universities, half with 电池 in the title, varied filters."""
    # The fixtures empty the ORM tables only; SQLite's FTS5 table keeps earlier tests' rows.
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    ttos = [make_user(Role.TTO), make_user(Role.TTO)]
    factory = ListingFactory(seed=11)
    grades, trls = list(Grade), [4, 6, 6, 8]
    modes = [[ConversionMode.SOLE_LICENCE, ConversionMode.ORDINARY_LICENCE],
             [ConversionMode.TRANSFER], [ConversionMode.SOLE_LICENCE, ConversionMode.EQUITY]]
    kinds = [ListingKind.INVENTION, ListingKind.INVENTION, ListingKind.ACHIEVEMENT]
    made = []
    for n in range(30):
        tto = ttos[n % 2]
        data = {**factory.data(tto.name, tto.email),
                "title": (f"一种电池{n}号管理装置" if n % 2 == 0 else f"一种传感器{n}号标定装置"),
                "grade": grades[n % 3], "trl": trls[n % 4], "modes": modes[n % 3],
                "field": "energy" if n % 5 < 2 else "materials", "kind": kinds[n % 3],
                "legal_status": LegalStatus.GRANTED if n % 4 else LegalStatus.PENDING}
        if data["kind"] is ListingKind.ACHIEVEMENT:
            data.update(application_number=None, application_date=None, grant_date=None)
        listing = listings.create_listing(tto, data, commit=False)
        listings.transition(tto, listing, "publish")
        made.append(listing)
    return made


def _all_ids(query: SearchQuery) -> list[int]:
    ids = []
    for page in range(1, 10):
        result = run_search(SearchQuery(**{**query.__dict__, "page": page}), with_facets=False)
        ids += [item.id for item in result.items]
        if page >= result.pages:
            return ids
    raise AssertionError("too many pages")


def _keeps(listing: Listing, filters: dict) -> bool:
    for name, value in filters.items():
        if name == "mode":
            if value not in listing.mode_set:
                return False
        elif getattr(listing, name) != value:
            return False
    return True


@pytest.mark.parametrize("filters", FILTER_CASES)
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_text_and_filters_give_exactly_the_matching_listings(corpus, filters, sort):
    text_only = set(_all_ids(SearchQuery(q="电池")))
    assert {listing.id for listing in corpus if "电池" in listing.title} <= text_only
    by_id = {listing.id: listing for listing in corpus}
    expected = {i for i in text_only if _keeps(by_id[i], filters)}
    assert expected, "the case must keep some listings"
    found = _all_ids(SearchQuery(q="电池", sort=sort, **filters))
    assert sorted(found) == sorted(expected)  # each exactly once, none missing
    assert run_search(SearchQuery(q="电池", **filters)).total == len(expected)
    if sort == "newest":
        assert found == sorted(found, key=lambda i: (by_id[i].published_at, i), reverse=True)


def test_university_filter_with_text(corpus):
    university = corpus[0].organisation_id
    found = _all_ids(SearchQuery(q="电池", university=university))
    assert found and all(db.session.get(Listing, i).organisation_id == university for i in found)
    assert len(found) == len([item for item in corpus
                              if item.organisation_id == university and "电池" in item.title])


@pytest.mark.parametrize("filters", [{}, {"grade": Grade.A}, {"mode": ConversionMode.SOLE_LICENCE}])
def test_facet_counts_are_the_counts_of_the_matches(corpus, filters):
    result = run_search(SearchQuery(q="电池", **filters))
    ids = set(_all_ids(SearchQuery(q="电池", **filters)))
    matches = [listing for listing in corpus if listing.id in ids]
    expected = {
        "field": Counter(m.field for m in matches), "grade": Counter(m.grade for m in matches),
        "trl": Counter(m.trl for m in matches), "kind": Counter(m.kind for m in matches),
        "legal_status": Counter(m.legal_status for m in matches),
        "mode": Counter(mode for m in matches for mode in m.mode_set),
    }
    assert result.total == len(matches)
    for name, counts in expected.items():
        assert dict(result.facets[name]) == dict(counts), name
    universities = Counter(m.organisation_id for m in matches)
    assert {value[0]: n for value, n in result.facets["university"]} == dict(universities)


@pytest.mark.parametrize("typed", ["gradea", "grade A", "modesolelicence", "mode sole_licence",
                                   "tags gradea", "tags : gradea", "fieldenergy",
                                   "trl6", "kindinvention", "legalstatusgranted"])
def test_filter_terms_cannot_be_typed(corpus, typed):
    assert run_search(SearchQuery(q="电池", grade=Grade.A)).total > 0
    assert run_search(SearchQuery(q=typed)).total == 0


def test_a_typed_filter_term_beside_a_word_matches_nothing_itself(corpus):
    """Partial matches: "电池 gradea" finds what 电池 finds, every result lacking "gradea"."""
    result = run_search(SearchQuery(q="电池 gradea"))
    assert sorted(_all_ids(SearchQuery(q="电池 gradea"))) == sorted(_all_ids(SearchQuery(q="电池")))
    assert result.total == run_search(SearchQuery(q="电池")).total
    assert result.items and all(result.missing[item.id] == ["gradea"] for item in result.items)


def test_filter_terms_are_never_shown(corpus, client):
    html = client.get("/listings?q=电池&grade=A&mode=sole_licence").get_data(as_text=True)
    body = json.dumps(client.get("/api/v1/listings?q=电池&grade=A&mode=sole_licence").get_json(),
                      ensure_ascii=False)
    assert "<mark>电池</mark>" in html and "电池" in body
    for term in ("gradea", "modesolelicence", "grade A", "mode sole_licence", "fieldenergy"):
        assert term not in html and term not in body


def test_edits_move_a_listing_between_filters(corpus):
    listing = next(item for item in corpus if "电池" in item.title and item.grade is Grade.B)
    editor = db.session.scalars(sa.select(User).where(
        User.organisation_id == listing.organisation_id, User.role == Role.TTO)).first()
    assert listing.id not in _all_ids(SearchQuery(q="电池", grade=Grade.A))
    listings.update_listing(editor, listing, {"grade": Grade.A, "modes": [ConversionMode.TRY_FIRST]})
    assert listing.id in _all_ids(SearchQuery(q="电池", grade=Grade.A))
    assert listing.id not in _all_ids(SearchQuery(q="电池", grade=Grade.B))
    assert listing.id in _all_ids(SearchQuery(q="电池", mode=ConversionMode.TRY_FIRST))
    assert listing.id not in _all_ids(SearchQuery(q="电池", mode=ConversionMode.TRANSFER))


@pytest.mark.parametrize("filters", [{}, {"grade": Grade.A}])
def test_newest_first_walk_gives_the_sorted_matches(corpus, monkeypatch, filters):
    query = SearchQuery(q="电池", sort="newest", **filters)
    monkeypatch.setattr(search_sql, "NEWEST_WALK_MATCHES", 10**9)
    sorted_join = search_sql.page_ids(query, ["电池"], 50)
    monkeypatch.setattr(search_sql, "NEWEST_WALK_MATCHES", 1)
    assert search_sql.page_ids(query, ["电池"], 50) == sorted_join
    assert search_sql.page_ids(SearchQuery(q="电池", sort="newest", page=2, **filters), ["电池"], 3) \
        == sorted_join[3:6]


def test_bounded_ranking_pages_cover_every_match_once(corpus, monkeypatch):
    """Both databases rank the newest RANK_CANDIDATES matches; pages past them are newest first."""
    monkeypatch.setattr(search, "RANK_CANDIDATES", 4)
    everything = set(_all_ids(SearchQuery(q="电池")))
    assert len(everything) > 6
    seen = []
    for page in range(1, 20):
        ids = search_sql.page_ids(SearchQuery(q="电池", page=page), ["电池"], 3)
        if not ids:
            break
        seen += ids
    assert sorted(seen) == sorted(everything)
    window = sorted(everything, reverse=True)[:4]
    assert sorted(seen[:4]) == sorted(window)
    assert seen[4:] == sorted(everything - set(window), reverse=True)


def test_bounded_ranking_is_the_same_through_the_join(corpus, monkeypatch):
    """The fallback that checks state and filters on the listings ranks the same window."""
    monkeypatch.setattr(search, "RANK_CANDIDATES", 4)
    query = SearchQuery(q="电池")
    assert search_sql._ranked_by_join(query, ["电池"], 50) == search_sql._best_published(query, ["电池"], 50)


def _indexed(listing_id: int) -> bool:
    column = "listing_id" if db.engine.dialect.name == "postgresql" else "rowid"
    return db.session.scalar(sa.text(
        f"SELECT count(*) FROM {search.INDEX_TABLE} WHERE {column} = :id"), {"id": listing_id}) == 1  # noqa: S608


def test_the_index_follows_listings_changed_outside_the_service(corpus):
    """Another feature changing a listing through the ORM keeps search right (the flush hook)."""
    listing = next(item for item in corpus if "电池" in item.title and item.grade is Grade.B)
    listing.grade = Grade.A
    listing.modes = [ListingMode(mode=ConversionMode.TRY_FIRST)]
    db.session.commit()
    found = _all_ids(SearchQuery(q="电池", grade=Grade.A, mode=ConversionMode.TRY_FIRST))
    assert found == [listing.id]
    listing.title = "一种石墨烯散热膜"
    db.session.commit()
    assert listing.id not in _all_ids(SearchQuery(q="电池"))
    assert listing.id in _all_ids(SearchQuery(q="石墨烯"))
    listing.state = ListingState.CONVERTED
    db.session.commit()
    assert not _indexed(listing.id) and listing.id not in _all_ids(SearchQuery(q="石墨烯"))
    listing.state = ListingState.PUBLISHED
    db.session.commit()
    assert _indexed(listing.id)
    other = next(item for item in corpus if item.id != listing.id)
    db.session.delete(other)
    db.session.commit()
    assert not _indexed(other.id)
