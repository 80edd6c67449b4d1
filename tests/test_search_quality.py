"""Search quality on the labelled query set (tests/eval/queries.py) holds its floor.

The pool and the evaluation needs are loaded once for the module, and every query runs through
``run_search`` as the listings page runs it (tests/eval/search_quality.py, which
``bench/search_quality.py`` prints). The floors are what the search reaches today, a little
below so that PostgreSQL's ``ts_rank`` order passes too; work that improves the search raises
them to what it reaches. The issue's own targets are named below, and held.
"""

import math
import unicodedata

import pytest

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.conftest import _empty_all_tables
from tests.eval.harness import load_pool, post_needs
from tests.eval.needs import DEV_NEEDS
from tests.eval.pool import POOL
from tests.eval.queries import KINDS, QUERIES, SIMPLIFIED
from tests.eval.search_quality import ndcg_at, need_title_overlap, recall_at, report, score_queries

#: The issue's "Done when": a need's title finds at least half of the matching's listings for
#: that need in the top ten, over the needs.
NEED_TITLES_TARGET = 0.5
#: The issue's "Done when": full-width and traditional queries give the results of their
#: normal forms (all of them). No floor below it: today's agreement is mostly "both find
#: nothing", which partial matching alone ends without making the search worse.
SAME_AS_NORMAL_TARGET = 1.0

#: Floors: the search with partial matches, synonyms and normalisation (SQLite: recall@10 0.910,
#: nDCG@10 0.872 overall; per kind phrase 0.927, problem 0.870, abbreviation 0.872, traditional
#: 0.952, fullwidth 0.980, need 0.867; need titles 0.721), less 0.05 for PostgreSQL's order.
#: The all-terms search before scored 0.195 / 0.217 overall and 0 on need titles.
RECALL_FLOOR = 0.86
NDCG_FLOOR = 0.82
KIND_RECALL_FLOORS = {"phrase": 0.87, "problem": 0.82, "abbreviation": 0.82, "traditional": 0.90,
                      "fullwidth": 0.93, "need": 0.81}
NEED_TITLES_FLOOR = 0.67


@pytest.fixture(scope="module")
def measured(migrated, tmp_path_factory):
    """The pool published, the needs posted and matched, every query run: the figures."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": migrated,
                      "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
                      "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))})
    try:
        with app.app_context():
            ids = load_pool()
            posted = post_needs(DEV_NEEDS)
            scores, overlap = score_queries(QUERIES, ids), need_title_overlap(posted, ids)
            db.session.remove()
        yield {"scores": scores, "overlap": overlap,
               "report": report(scores, overlap, verbose=True)}
    finally:
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()


def test_the_query_set_covers_every_kind_of_query_with_true_labels():
    keys = {row[0] for row in POOL}
    texts = [text for _, text, _ in QUERIES]
    assert len(texts) == len(set(texts))
    assert len(QUERIES) - len(KINDS["need"]) >= 60
    for kind, rows in KINDS.items():
        assert len(rows) >= (12 if kind == "need" else 10), kind
    for _kind, text, relevant in QUERIES:
        assert 1 <= len(relevant) <= 10 and len(set(relevant)) == len(relevant), text
        assert set(relevant) <= keys, (text, set(relevant) - keys)
    for text, _ in KINDS["fullwidth"]:
        assert unicodedata.normalize("NFKC", text) != text, text
    assert set(SIMPLIFIED) == {text for text, _ in KINDS["traditional"]}


def test_the_simplified_forms_are_what_opencc_makes_of_the_traditional_queries():
    opencc = pytest.importorskip("opencc")
    converter = opencc.OpenCC("t2s")
    for traditional, simplified in SIMPLIFIED.items():
        assert traditional != simplified
        assert converter.convert(traditional) == simplified


def test_recall_and_ndcg_count_the_relevant_listings_in_the_first_ten_by_rank():
    assert recall_at(["a", "x", "b"], {"a", "b"}) == 1.0
    assert recall_at(["x", "a"], {"a", "b", "c", "d"}) == 0.25
    assert recall_at([*"xxxxxxxxxx", "a"], {"a"}) == 0.0  # the eleventh is not counted
    assert ndcg_at(["a", "b", "x"], {"a", "b"}) == 1.0
    assert ndcg_at(["x", "y"], {"a"}) == 0.0
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / math.log2(3))
    late, early = ndcg_at(["x", "a", "b"], {"a", "b"}), ndcg_at(["a", "x", "b"], {"a", "b"})
    assert early == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert late < early < 1.0


def test_recall_and_ndcg_hold_their_floor(measured):
    scores = measured["scores"]
    assert scores["overall"]["recall"] >= RECALL_FLOOR, measured["report"]
    assert scores["overall"]["ndcg"] >= NDCG_FLOOR, measured["report"]
    for kind, floor in KIND_RECALL_FLOORS.items():
        assert scores["kinds"][kind]["recall"] >= floor, (kind, measured["report"])


def test_need_titles_are_measured_against_the_matchings_own_results(measured):
    overlap = measured["overlap"]
    assert len(overlap["needs"]) == len(DEV_NEEDS)
    for row, need in zip(overlap["needs"], DEV_NEEDS, strict=True):
        assert row["title"] == need[0]
        # The matching finds the need's listings (so the figure compares like with like).
        assert row["matched"] and set(need[-1]) & set(row["matched"]), row
    assert overlap["mean"] >= NEED_TITLES_FLOOR, measured["report"]


def test_need_titles_find_at_least_half_of_the_matchings_listings(measured):
    assert measured["overlap"]["mean"] >= NEED_TITLES_TARGET, measured["report"]


def test_traditional_and_full_width_queries_give_the_results_of_their_normal_forms(measured):
    for kind, share in measured["scores"]["same_as_normal"].items():
        assert share >= SAME_AS_NORMAL_TARGET, (kind, measured["report"])
