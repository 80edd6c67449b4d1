"""Partial matches, ranked (issue 16 point 1): every word first, then the most of the query, the
rarer words weighing more; missing words struck through; facets of what is shown; suggestions
only when no word matches anything."""

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings import search, search_sql, terms
from marketplace.listings import services as listings
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory
from tests.conftest import zh

#: key -> (title, abstract, grade). Written as universities write them; the filler listings make
#: 设备 and 处理 common words of the index, 预测性 and 零排放 rare ones.
WORLD = {
    "pdm": ("一种旋转设备预测性维护方法", "采集振动信号，预测轴承剩余寿命，实现设备预测性维护。", Grade.B),
    "predict": ("基于深度学习的故障预测性分析平台", "对产线数据进行预测性分析。", Grade.C),
    "upkeep": ("风电设备维护机器人", "用于风电机组叶片的巡检与维护作业。", Grade.B),
    "zld": ("高盐废水蒸发结晶零排放工艺", "煤化工高盐废水经膜浓缩、蒸发结晶，实现零排放和盐资源化。",
            Grade.A),
    "brine": ("一种含盐废水膜浓缩装置", "用于工业高盐废水的膜浓缩处理，降低蒸发能耗。", Grade.B),
    "sludge": ("市政污泥处理工艺", "污泥厌氧消化处理后资源化利用。", Grade.B),
    "defect": ("基于机器视觉的产品表面缺陷检测系统", "面向电子产品外观缺陷的深度学习视觉检测。", Grade.A),
    "gear-a": ("一种齿轮箱设备", "齿轮箱结构设计与润滑处理。", Grade.A),
    "gear-c": ("一种齿轮箱设备", "齿轮箱结构设计与润滑处理。", Grade.C),
    **{f"fill{n}": (f"一种{kind}设备", f"{kind}设备的结构与控制处理方法。", Grade.B)
       for n, kind in enumerate(["粉碎", "烘干", "输送", "包装", "清洗", "切割", "焊接", "喷涂"])},
}


@pytest.fixture
def world(make_user):
    """The listings of ``WORLD``, published one minute apart in its order: key -> listing."""
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    factory = ListingFactory(seed=16)
    made = {}
    for key, (title, abstract, grade) in WORLD.items():
        data = {**factory.data(tto.name, tto.email), "title": title, "abstract": abstract,
                "keywords": "", "grade": grade, "kind": ListingKind.ACHIEVEMENT,
                "application_number": None, "application_date": None, "grant_date": None}
        listing = listings.create_listing(tto, data, commit=False)
        listings.transition(tto, listing, "publish")
        made[key] = listing
    base = min(listing.published_at for listing in made.values())
    for minutes, listing in enumerate(made.values()):
        listing.published_at = base + timedelta(minutes=minutes)
    db.session.commit()
    return made


def _keys(world, ids) -> list[str]:
    names = {listing.id: key for key, listing in world.items()}
    return [names[i] for i in ids]


def _every_page(query: SearchQuery, per_page: int = 3) -> list[int]:
    ids = []
    for page in range(1, 200):
        found = search_sql.page_ids(SearchQuery(**{**query.__dict__, "page": page}),
                                    search.tokens_for_query(query.q), per_page)
        if not found:
            return ids
        ids += found
    raise AssertionError("too many pages")


def test_every_word_first_then_the_rarer_word_then_the_common_one(world):
    result = run_search(SearchQuery(q="设备预测性维护"))
    order = _keys(world, [item.id for item in result.items])
    assert result.tokens == ["设备", "预测性", "维护"]
    assert order[0] == "pdm"  # every word
    # 维护 (2 listings) and 设备 (12) together outweigh 预测性 (2 listings) alone, which
    # outweighs 设备 alone: each listing is placed by the rarity of the words it has.
    assert order[1:3] == ["upkeep", "predict"]
    assert set(order[3:]) == {"gear-a", "gear-c", *(f"fill{n}" for n in range(8))}
    assert result.total == len(order) == 13


def test_among_the_same_words_the_better_grade_then_the_newest_comes_first(world):
    # 齿轮箱 and 预测性 are each in two listings: one word weighs the same whichever it is.
    order = _keys(world, [item.id for item in run_search(SearchQuery(q="齿轮箱 预测性")).items])
    assert order == ["gear-a", "pdm", "gear-c", "predict"]  # A, B, then C newest first
    fillers = [key for key in _keys(world, [i.id for i in run_search(
        SearchQuery(q="设备 机器人")).items]) if key.startswith("fill")]
    assert fillers == [f"fill{n}" for n in reversed(range(8))]  # same words, grade: newest first


def test_each_result_shows_the_words_it_lacks(world, client):
    result = run_search(SearchQuery(q="设备预测性维护"))
    by_key = dict(zip(_keys(world, [i.id for i in result.items]), result.items, strict=True))
    assert by_key["pdm"].id not in result.missing
    assert result.missing[by_key["upkeep"].id] == ["预测性"]
    assert result.missing[by_key["predict"].id] == ["设备", "维护"]
    assert result.missing[by_key["fill0"].id] == ["预测性", "维护"]
    html = client.get("/listings?q=设备预测性维护").get_data(as_text=True)
    card = html.split(f'href="/listings/{by_key["upkeep"].id}"', 1)[1].split("</article>", 1)[0]
    assert f'{zh("Missing: %(terms)s") % {"terms": "<s>预测性</s>"}}</p>' in card
    assert "<mark>设备维护</mark>" in card  # what it has is marked
    several = html.split(f'href="/listings/{by_key["fill0"].id}"', 1)[1].split("</article>", 1)[0]
    assert "缺少：<s>预测性</s>、<s>维护</s></p>" in several  # no space after the colon
    whole = html.split(f'href="/listings/{by_key["pdm"].id}"', 1)[1].split("</article>", 1)[0]
    assert "<s>" not in whole and "<mark>设备预测性维护</mark>" in whole
    assert html.index(zh("The results below contain only some of your words.")) > html.index(
        f'href="/listings/{by_key["pdm"].id}"')


@pytest.mark.parametrize(("q", "best"), [
    ("设备预测性维护", "pdm"),
    ("高盐废水零排放处理", "zld"),
    ("电子产品外观缺陷视觉检测", "defect"),  # a need's title (tests/eval/needs.py)
])
def test_the_issues_queries_find_the_listings_that_answer_them(world, q, best):
    assert run_search(SearchQuery(q=q)).total > 0
    assert _keys(world, [item.id for item in run_search(SearchQuery(q=q)).items])[0] == best


def test_the_brine_listing_comes_before_listings_that_only_treat_something(world):
    order = _keys(world, [i.id for i in run_search(SearchQuery(q="高盐废水零排放处理")).items])
    assert order[:2] == ["zld", "brine"]  # 高盐 废水 零排放 处理, then 高盐 废水 处理
    # The rest have 处理 only: grade A first, then the newest.
    assert order[2:] == ["gear-a", *(f"fill{n}" for n in reversed(range(8))), "sludge", "gear-c"]


@pytest.mark.parametrize("q", ["设备预测性维护", "高盐废水零排放处理", "齿轮箱 预测性"])
def test_facets_count_exactly_the_listings_shown(world, q):
    result = run_search(SearchQuery(q=q))
    shown = [db.session.get(Listing, i) for i in _every_page(SearchQuery(q=q))]
    assert len(shown) == len(set(shown)) == result.total
    assert dict(result.facets["grade"]) == dict(Counter(listing.grade for listing in shown))
    assert dict(result.facets["field"]) == dict(Counter(listing.field for listing in shown))
    assert dict(result.facets["mode"]) == dict(Counter(m for x in shown for m in x.mode_set))


def test_a_filter_narrows_partial_matches_too(world):
    result = run_search(SearchQuery(q="设备预测性维护", grade=Grade.A))
    assert _keys(world, [item.id for item in result.items]) == ["gear-a"]
    assert result.total == 1 and result.missing[world["gear-a"].id] == ["预测性", "维护"]


@pytest.mark.parametrize("window", [1, 4])
def test_pages_past_the_ranked_window_cover_every_match_once(world, monkeypatch, window):
    whole = _every_page(SearchQuery(q="设备预测性维护"), per_page=50)
    monkeypatch.setattr(search, "RANK_CANDIDATES", window)
    paged = _every_page(SearchQuery(q="设备预测性维护"), per_page=2)
    assert sorted(paged) == sorted(whole) and len(paged) == 13
    assert _keys(world, paged[:3]) == ["pdm", "upkeep", "predict"]  # coverage still rules


def test_rarer_words_weigh_more(world):
    weights = terms.weights(["设备", "预测性"])
    assert weights["预测性"] > weights["设备"] > 0


def test_no_results_only_when_no_word_matches_anything(world, client):
    assert run_search(SearchQuery(q="设备 量子纠缠")).total == 12
    empty = run_search(SearchQuery(q="量子纠缠 引力波"))
    assert empty.total == 0 and empty.items == []
    html = client.get("/listings?q=量子纠缠").get_data(as_text=True)
    assert zh("Nothing found") in html and zh("Popular searches") in html


def test_suggestions_offer_a_close_index_term_and_popular_terms(world, client):
    offered = run_search(SearchQuery(q="粉粹 零排方")).suggestions
    assert offered.did_you_mean == "粉碎 零排放"
    assert "机器视觉" in offered.popular  # a dictionary term the index holds
    html = client.get("/listings?q=粉粹").get_data(as_text=True)
    assert zh("Did you mean:") in html and '?q=%E7%B2%89%E7%A2%8E">粉碎</a>' in html
    assert run_search(SearchQuery(q="齿轮箱")).suggestions is None  # found: nothing offered
    # With filters, the words may be found without them: the page offers that instead.
    assert run_search(SearchQuery(q="粉粹", grade=Grade.A)).suggestions is None


def test_an_unpublished_listing_is_never_a_partial_match(world):
    listing = world["upkeep"]
    db.session.execute(sa.update(Listing).where(Listing.id == listing.id).values(
        state=ListingState.WITHDRAWN))  # bypasses the flush hook: its index row stays
    db.session.commit()
    ids = _every_page(SearchQuery(q="设备预测性维护"), per_page=50)
    assert listing.id not in ids and len(ids) == 12


def test_common_words_alone_bring_no_listing_in_past_the_budget(world, monkeypatch):
    """Past ``POSTINGS_BUDGET`` a listing needs one of the rare words; common ones still count."""
    monkeypatch.setattr(terms, "POSTINGS_BUDGET", 4)
    assert terms.selective(["设备", "预测性", "维护"]) == ["预测性", "维护"]
    result = run_search(SearchQuery(q="设备预测性维护"))
    assert _keys(world, [item.id for item in result.items]) == ["pdm", "upkeep", "predict"]
    assert result.total == 3 and sum(n for _, n in result.facets["grade"]) == 3
    assert _keys(world, _every_page(SearchQuery(q="设备预测性维护", sort="newest"))) == [
        "upkeep", "predict", "pdm"]
    # A word in no listing is never the selective one: the common word's listings are found.
    assert run_search(SearchQuery(q="设备 量子纠缠")).total == 12


def test_partial_matches_rank_by_coverage_then_grade_and_date(world, monkeypatch):
    """Every partial match is ranked by the words it has: the old listing with the rare word
    comes before all the newer ones with the common word only. Grade and date order equal
    coverage among the ``RANK_CANDIDATES`` best; past them, the newest first."""
    common_only = [f"fill{n}" for n in range(7, -1, -1)]
    ranked = _keys(world, _every_page(SearchQuery(q="设备预测性维护"), per_page=4))
    assert ranked == ["pdm", "upkeep", "predict", "gear-a", *common_only, "gear-c"]
    monkeypatch.setattr(search, "RANK_CANDIDATES", 1)
    ranked = _keys(world, _every_page(SearchQuery(q="设备预测性维护"), per_page=4))
    assert ranked == ["pdm", "upkeep", "predict", *common_only, "gear-c", "gear-a"]


def test_a_word_no_listing_has_is_looked_for_by_the_words_inside_it(world, client):
    """关键设备 is in no listing: the search looks for 关键 and 设备 (and 风电设备维护 for 风电,
    设备 and 维护) instead of finding nothing."""
    assert terms.document_frequency("风电设备维护") == 0
    tokens = run_search(SearchQuery(q="风电设备维护")).tokens
    assert tokens == ["风电", "设备", "维护"]
    result = run_search(SearchQuery(q="风电设备维护"))
    assert _keys(world, [item.id for item in result.items])[0] == "upkeep"
    page = client.get("/listings?q=风电设备维护").get_data(as_text=True)
    assert "<mark>" in page and zh("Nothing found") not in page
