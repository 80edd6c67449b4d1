"""The synonyms dictionary: it loads, each term is in one group, and each pair finds the other's
listings through the search SQL (SQLite here; PostgreSQL in its lane)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import search, synonyms
from marketplace.listings.models import ListingState
from marketplace.listings.queries import SearchQuery, run_search
from tests import factories

#: (typed, written in the listing): the pairs the issue names and some abbreviations of the fields.
PAIRS = [("锂电", "锂离子电池"), ("光伏", "太阳能电池"), ("AI", "人工智能"), ("新冠", "COVID-19"),
         ("新能源车", "新能源汽车"), ("储能", "能量存储"), ("3D打印", "增材制造"), ("单抗", "单克隆抗体"),
         ("IoT", "物联网"), ("污水处理", "废水处理")]


def test_the_dictionary_loads_with_each_term_in_one_group():
    groups = synonyms.groups()
    assert len(groups) >= 20
    terms = [term for group in groups for term in group]
    assert len(terms) == len(set(terms)), "a term is in two groups"
    assert all(len(group) >= 2 for group in groups)
    for typed, written in PAIRS:
        assert synonyms.normalise(written) in synonyms.expand(typed)
        assert synonyms.normalise(typed) in synonyms.expand(written)
    assert "锂离子电池" in synonyms.all_terms() and "COVID-19" in synonyms.all_terms()


def test_expand_normalises_and_leaves_other_words_alone():
    assert synonyms.expand("ＡＩ") == synonyms.expand(" ai ") == frozenset({"ai", "人工智能"})
    assert synonyms.expand("电池") == frozenset({"电池"})


@pytest.mark.parametrize("text", [
    "锂电, 锂电\n",  # a group of one term
    "a, b\nc, A\n",  # a term in two groups (case does not make it another term)
])
def test_a_malformed_dictionary_is_refused(text):
    with pytest.raises(synonyms.DictionaryError):
        synonyms.parse(text)


def test_comments_and_blank_lines_are_ignored():
    assert synonyms.parse("# x, y\n\na, b  # and c\n") == [frozenset({"a", "b"})]


def test_a_term_typed_alone_stays_one_word():
    assert search.tokens_for_query("太阳能电池") == ["太阳能电池"]
    assert search.tokens_for_query("3d打印") == ["3d打印"]


def _found(q: str) -> set[int]:
    return {listing.id for listing in run_search(SearchQuery(q=q)).items}


@pytest.mark.parametrize(("typed", "written"), PAIRS)
def test_each_term_finds_the_listings_of_the_other(app, typed, written):
    org = factories.organisation()
    one = factories.listing(org, title=f"一种{written}的检测方法", abstract="检测精度高。")
    other = factories.listing(org, title=f"一种{typed}的控制装置", abstract="控制精度高。")
    unrelated = factories.listing(org, title="一种柔性压力传感器", abstract="灵敏度高。")
    assert _found(typed) == {one.id, other.id}
    assert _found(written) == {one.id, other.id}
    assert unrelated.id not in _found(typed)


def test_synonyms_combine_with_the_other_words_and_filters(app):
    org = factories.organisation()
    wanted = factories.listing(org, title="一种锂离子电池的热失控预警方法", field="energy")
    recycling = factories.listing(org, title="一种锂离子电池的回收方法", field="energy")
    factories.listing(org, title="一种锂电的热失控预警方法", field="materials")
    result = run_search(SearchQuery(q="锂电 预警", field="energy"))
    # Every word (锂电 as its synonym 锂离子电池) first; the partial match after, lacking 预警 only:
    # its synonym counts as 锂电.
    assert [listing.id for listing in result.items] == [wanted.id, recycling.id]
    assert result.total == 2
    assert result.missing == {recycling.id: ["预警"]}


def test_a_synonym_counts_as_the_word_in_a_partial_match(app):
    org = factories.organisation()
    both = factories.listing(org, title="一种锂离子电池的热失控预警方法")
    synonym_only = factories.listing(org, title="一种锂离子电池的回收方法")
    warning_only = factories.listing(org, title="一种电网故障预警方法")
    factories.listing(org, title="一种柔性压力传感器")
    result = run_search(SearchQuery(q="锂电 预警"))
    ids = [listing.id for listing in result.items]
    assert ids[0] == both.id
    assert set(ids) == {both.id, synonym_only.id, warning_only.id}
    assert result.missing == {synonym_only.id: ["预警"], warning_only.id: ["锂电"]}


def test_a_synonym_is_highlighted_in_the_result():
    from marketplace.listings.queries import highlight

    assert str(highlight("一种锂离子电池", ["锂电"])) == "一种<mark>锂离子电池</mark>"
    assert str(highlight("COVID-19 检测", ["新冠"])) == "<mark>COVID-19</mark> 检测"


def test_reindex_puts_every_published_listing_back(app, runner):
    org = factories.organisation()
    shown = factories.listing(org, title="一种光伏组件的清洗装置")
    factories.listing(org, title="一种光伏支架", state=ListingState.DRAFT)
    db.session.execute(sa.delete(sa.table(search.INDEX_TABLE)))
    db.session.commit()
    assert _found("太阳能电池") == set()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "indexed 1 published listings" in result.output
    assert _found("太阳能电池") == {shown.id}


def test_a_synonym_of_several_words_counts_only_with_all_of_them(app):
    org = factories.organisation()
    both = factories.listing(org, title="一种COVID-19抗原检测试剂")
    numbers_only = factories.listing(org, title="一种检测19种病原体的芯片")
    result = run_search(SearchQuery(q="新冠 检测"))
    assert [listing.id for listing in result.items] == [both.id, numbers_only.id]
    assert result.missing == {numbers_only.id: ["新冠"]}


def test_a_saved_search_digest_needs_every_word_each_as_itself_or_a_synonym(app):
    from marketplace.accounts.models import Role
    from marketplace.alerts import services as alerts
    from marketplace.alerts.models import Frequency
    from marketplace.orgs.models import OrgKind

    org = factories.organisation()
    company = factories.user(Role.COMPANY, factories.organisation(OrgKind.COMPANY))
    saved = alerts.save_search(company, SearchQuery(q="鋰電 ＡＩ"), "锂电", Frequency.DAILY)
    both = factories.listing(org, title="一种基于人工智能的锂离子电池寿命预测方法")
    factories.listing(org, title="一种锂离子电池的回收方法")  # 锂电 only: a partial match
    db.session.commit()
    saved.created_at = both.published_at - timedelta(days=1)
    assert [listing.id for listing in alerts.new_matches(saved)] == [both.id]
