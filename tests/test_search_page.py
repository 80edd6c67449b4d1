"""The search page's lighter parts give what the general ones give: links, cards, facet counts."""

import random

import pytest
import sqlalchemy as sa
from flask import render_template_string, url_for
from flask_babel import refresh
from markupsafe import Markup, escape

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings import cards, search
from marketplace.listings import services as listings
from marketplace.listings.links import FACET_ORDER, SearchLinks, facet_links, translated_labels
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.listings.queries import SearchQuery, highlight, load_listings, run_search
from marketplace.listings.synthetic import ListingFactory

TRICKY_TEXTS = ["", "电池", "a&b=c #x % + \"q\" <script>", "电池/?@!$'()*,:;~", " 𠀀 é ",
                "%E7%94%B5 100%", "q=1&page=2"]
QUERIES = [SearchQuery(q=text) for text in TRICKY_TEXTS] + [
    SearchQuery(q="锂离子电池 正极材料", grade=Grade.A, mode=ConversionMode.SOLE_LICENCE,
                sort="newest", page=3),
    SearchQuery(field="energy", trl=6, kind=ListingKind.DESIGN, university=12,
                legal_status=LegalStatus.LAPSED, sort="trl"),
    SearchQuery(q="a+b", university=7, sort="relevance", page=500),
]
#: A value of each facet, as ``facet_links`` hands them to ``SearchLinks.changed``.
FACET_KEYS = {"grade": "B", "mode": "try_first", "field": "vehicles", "kind": "achievement",
              "trl": 9, "legal_status": "pending", "university": 123456}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("script_root", ["", "/platform"])
def test_links_are_what_url_for_builds(app, query, script_root):
    with app.test_request_context("/listings", base_url=f"http://localhost{script_root}/"):
        links = SearchLinks(query)
        for name in FACET_ORDER:
            for value in (FACET_KEYS[name], None):
                assert links.changed(name, value) == url_for(
                    "listings.search", **query.args(**{name: value})), (name, value)


def test_facet_links_set_and_clear_like_the_template_did(app):
    query = SearchQuery(q="电池 & 锂", grade=Grade.A, university=5, trl=6)
    facets = {"grade": [(Grade.A, 3), (Grade.B, 2)], "university": [((5, "甲大学"), 4),
                                                                    ((6, "乙 & 丙"), 1)],
              "trl": [(6, 2), (7, 1)], "field": [("energy", 5)], "mode": []}
    with app.test_request_context("/listings"):
        shown = dict(facet_links(query, facets))
        assert list(shown) == ["grade", "field", "trl", "university"]
        for name, rows in shown.items():
            for (value, count), link in zip(facets[name], rows, strict=True):
                key = value[0] if name == "university" else getattr(value, "value", value)
                current = query.args().get(name)
                on = current is not None and str(current) == str(key)
                assert (link.on, link.count) == (on, count)
                assert link.href == url_for("listings.search",
                                            **query.args(**{name: None if on else key}))
        assert [link.label for link in shown["university"]] == ["甲大学", "乙 & 丙"]
        assert shown["trl"][0].label == "TRL 6"
        assert shown["grade"][1].label == str(translated_labels()["GRADE_LABELS"][Grade.B])


def test_translated_labels_follow_the_language(app):
    from flask import session

    from marketplace.listings.forms import GRADE_LABELS

    seen = {}
    for lang in ("zh_CN", "en", "zh_CN"):
        with app.test_request_context("/listings"):
            session["lang"] = lang
            refresh()  # the test's app context is shared by these requests: forget its language
            labels = translated_labels()
            assert labels["GRADE_LABELS"][Grade.A] == str(GRADE_LABELS[Grade.A])
            seen.setdefault(lang, labels["GRADE_LABELS"][Grade.A])
    assert seen["zh_CN"] != seen["en"] == "Grade A"


def test_highlight_marks_the_tokens_and_escapes_the_rest():
    # Adjacent tokens of one word get one <mark>.
    assert highlight("锂离子电池 & <b>", ["电池", "锂离子"]) == "<mark>锂离子电池</mark> &amp; &lt;b&gt;"
    assert highlight("Ab ab AB", ["ab"]) == "<mark>Ab</mark> <mark>ab</mark> <mark>AB</mark>"
    assert highlight("离子电池", ["离子电池", "电池"]) == "<mark>离子电池</mark>"
    assert highlight("a <mark> &amp;", ["&"]) == "a &lt;mark&gt; <mark>&amp;</mark>amp;"
    assert highlight(None, ["a"]) == highlight("", ["a"]) == ""


def test_highlight_cuts_a_window_around_the_first_token():
    text = "x" * 50 + "电池" + "y" * 50
    assert highlight(text, ["电池"], 20) == "…xxxxx<mark>电池</mark>yyyyyyyyyyyyy…"
    assert highlight("电池" + "y" * 50, ["电池"], 20) == "<mark>电池</mark>" + "y" * 18 + "…"
    assert highlight("短文本电池", ["电池"], 20) == "短文本<mark>电池</mark>"


def test_highlight_only_adds_marks():
    rng = random.Random(12)
    alphabet = list("电池锂离子正极材料传感器<>&\"'abAB ") + ["<mark>", "&amp;", "İ"]
    tokens_pool = ["电池", "锂离子", "离子电池", "a", "ab", "<", "&", "\"", "b", "材料"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
        tokens = rng.sample(tokens_pool, rng.randrange(0, 4))
        marked = highlight(text, tokens)
        assert isinstance(marked, Markup)
        assert str(marked).replace("<mark>", "").replace("</mark>", "") == str(escape(text))
        if "İ" not in text:  # lowering İ lengthens the text, so its marks may land off the words
            assert "</mark><mark>" not in marked and "<mark></mark>" not in marked, (text, tokens)
            assert ("<mark>" in marked) == any(token in text.lower() for token in tokens), (text, tokens)


@pytest.fixture
def published(make_user):
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    factory = ListingFactory(seed=5)

    def _publish(is_demo: bool = False, **changes):
        listing = listings.create_listing(tto, {**factory.data(tto.name, tto.email), **changes},
                                          commit=False, is_demo=is_demo)
        listings.transition(tto, listing, "publish")
        return listing
    return _publish


_CARD = ('{% from "listings/_macros.html" import listing_card with context %}'
         "{{ listing_card(item, tokens, highlight) }}")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_card_renders_as_its_listing_does(app, published, lang):
    made = [published(title="一种电池管理装置", modes=[ConversionMode.TRY_FIRST, ConversionMode.EQUITY,
                                                     ConversionMode.SOLE_LICENCE]),
            published(title="一种电池标定方法", kind=ListingKind.ACHIEVEMENT, application_number=None,
                      application_date=None, grant_date=None, is_demo=True,
                      modes=[ConversionMode.TRANSFER])]
    ids = [made[1].id, 999999, made[0].id]
    loaded, light = load_listings(ids), cards.load(ids)
    assert [card.id for card in light] == [listing.id for listing in loaded] == [made[1].id,
                                                                               made[0].id]
    with app.test_request_context("/listings"):
        from flask import session

        session["lang"] = lang
        refresh()
        for listing, card in zip(loaded, light, strict=True):
            assert [m.mode for m in card.modes] == [m.mode for m in listing.modes]
            context = {"tokens": ["电池"], "highlight": highlight}
            html = render_template_string(_CARD, item=card, **context, **translated_labels())
            assert html == render_template_string(_CARD, item=listing, **context)
            assert ("Grade " in html) is (lang == "en") and "<mark>电池</mark>" in html


def test_the_api_still_gets_listings(app, published):
    published(title="一种电池管理装置")
    result = run_search(SearchQuery(q="电池"))
    assert result.items[0].organisation.name and result.items[0].contact_email


@pytest.mark.parametrize("filters", [
    {"grade": Grade.A}, {"mode": ConversionMode.SOLE_LICENCE}, {"field": "energy", "trl": 6},
    {"kind": ListingKind.INVENTION, "mode": ConversionMode.TRANSFER}])
def test_facet_counts_without_text_are_the_counts_of_the_filtered_listings(published, filters):
    grades, modes = list(Grade), [[ConversionMode.SOLE_LICENCE, ConversionMode.TRANSFER],
                                  [ConversionMode.TRANSFER], [ConversionMode.SOLE_LICENCE]]
    made = [published(grade=grades[n % 3], modes=modes[n % 3], trl=6 if n % 2 else 7,
                      field="energy" if n % 4 else "materials") for n in range(12)]
    result = run_search(SearchQuery(**filters))
    kept = [m for m in made if all(
        value in m.mode_set if name == "mode" else getattr(m, name) == value
        for name, value in filters.items())]
    assert kept and result.total == len(kept)
    assert dict(result.facets["grade"]) == {g: sum(m.grade is g for m in kept)
                                            for g in {m.grade for m in kept}}
    expected_modes = {}
    for m in kept:
        for mode in m.mode_set:
            expected_modes[mode] = expected_modes.get(mode, 0) + 1
    assert dict(result.facets["mode"]) == expected_modes


def test_mode_counts_leave_out_an_indexed_listing_in_another_state(app, published, make_user):
    listing = published(title="一种电池管理装置", modes=[ConversionMode.EQUITY])
    tto = make_user(Role.TTO)
    draft = listings.create_listing(tto, {**ListingFactory(3).data(tto.name, tto.email),
                                          "title": "电池 电池", "modes": [ConversionMode.EQUITY]})
    search.index(draft)  # a stray index row: the index should hold published listings only
    db.session.commit()
    result = run_search(SearchQuery(q="电池"))
    assert [item.id for item in result.items] == [listing.id]
    assert dict(result.facets["mode"]) == {ConversionMode.EQUITY: 1}
