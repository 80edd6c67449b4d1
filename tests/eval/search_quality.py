"""Measuring the search: recall@10 and nDCG@10 on the query set, and the need-title figure.

Both need an application context whose database holds the pool (``harness.load_pool``), and
run the search exactly as the listings page does: the query string parsed by
``SearchQuery.from_args``, then ``queries.run_search``, relevance order, first page.

- ``score_queries(QUERIES, ids)``: per query its top ten and both metrics; means overall (every
  query counts once) and per kind.
  Traditional and full-width queries are also run in their normal form (simplified, NFKC):
  ``same_as_normal`` is, per kind, the share whose top ten is the same (the issue: "full-width
  and traditional-character queries give the same results as their normal forms").
- ``need_title_overlap(needs, ids)``: the issue's "Done when" figure. For each need, its title is
  typed into the search; of the listings the matching finds for that need (its best
  ``MATCHES_COMPARED``, what a top ten can hold), the share that are in the search's top ten.
  The figure is the mean of that share over the needs; the target is at least half.
"""

import math
from collections import defaultdict

from werkzeug.datastructures import MultiDict

from marketplace.listings.queries import SearchQuery, run_search
from tests.eval.harness import matched_keys
from tests.eval.queries import normal_form

TOP = 10
#: The matching's best matches a need's title should find in the search's top ten.
MATCHES_COMPARED = 10


def search_keys(text: str, keys: dict[int, str], top: int = TOP) -> list[str]:
    """The pool keys of the search's first ``top`` results for ``text``, in order."""
    result = run_search(SearchQuery.from_args(MultiDict({"q": text})), with_facets=False,
                        load=lambda page_ids: page_ids)
    return [keys[listing_id] for listing_id in result.items[:top] if listing_id in keys]


def recall_at(ranked: list[str], relevant, k: int = TOP) -> float:
    """The share of the relevant listings found in the first ``k``."""
    relevant = set(relevant)
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def ndcg_at(ranked: list[str], relevant, k: int = TOP) -> float:
    """Normalised discounted cumulative gain with binary relevance: 1 when every relevant listing
    (up to ``k``) comes before any other."""
    relevant = set(relevant)
    gain = sum(1 / math.log2(rank + 2) for rank, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return gain / ideal


def _means(rows: list[dict]) -> dict:
    return {"queries": len(rows),
            "recall": sum(row["recall"] for row in rows) / len(rows),
            "ndcg": sum(row["ndcg"] for row in rows) / len(rows)}


def score_queries(query_rows, ids: dict[str, int]) -> dict:
    """Run every ``(kind, text, relevant)`` query; per-query rows, overall and per-kind means."""
    keys = {listing_id: key for key, listing_id in ids.items()}
    rows = []
    for kind, text, relevant in query_rows:
        ranked = search_keys(text, keys)
        normal = normal_form(kind, text)
        rows.append({"kind": kind, "text": text, "top": ranked, "relevant": list(relevant),
                     "recall": recall_at(ranked, relevant), "ndcg": ndcg_at(ranked, relevant),
                     "same_as_normal": None if normal is None else
                     ranked == search_keys(normal, keys)})
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    return {"queries": rows, "overall": _means(rows),
            "kinds": {kind: _means(kind_rows) for kind, kind_rows in by_kind.items()},
            "same_as_normal": {kind: sum(row["same_as_normal"] for row in kind_rows) / len(kind_rows)
                               for kind, kind_rows in by_kind.items()
                               if kind_rows[0]["same_as_normal"] is not None}}


def need_title_overlap(posted_needs, ids: dict[str, int]) -> dict:
    """For each posted need: the matching's best matches, the title's top ten, and the share
    of the former found in the latter; the mean share over the needs."""
    keys = {listing_id: key for key, listing_id in ids.items()}
    rows = []
    for need in posted_needs:
        matched = matched_keys(need, ids, MATCHES_COMPARED)
        found = search_keys(need.title, keys)
        share = len(set(matched).intersection(found)) / len(matched) if matched else 0.0
        rows.append({"title": need.title, "matched": matched, "top": found, "share": share})
    return {"needs": rows, "mean": sum(row["share"] for row in rows) / len(rows),
            "at_least_half": sum(1 for row in rows if row["share"] >= 0.5)}


def report(scores: dict, overlap: dict, verbose: bool = False) -> str:
    """The figures as printed by ``bench/search_quality.py`` and in a failing test's message."""
    lines = [f"{'kind':14} {'queries':>7} {'recall@10':>10} {'nDCG@10':>8}"]
    for kind, means in [*scores["kinds"].items(), ("overall", scores["overall"])]:
        lines.append(f"{kind:14} {means['queries']:>7} {means['recall']:>10.3f} {means['ndcg']:>8.3f}")
    lines.append("same top ten as the normal form: " + ", ".join(
        f"{kind} {share:.3f}" for kind, share in scores["same_as_normal"].items()))
    lines.append(f"need titles: {overlap['mean']:.3f} of the matching's best {MATCHES_COMPARED} "
                 f"in the search's top {TOP} (mean over {len(overlap['needs'])} needs; "
                 f"{overlap['at_least_half']} needs at least half)")
    if verbose:
        lines.append("")
        for row in scores["queries"]:
            lines.append(f"{row['recall']:.2f} {row['ndcg']:.2f} [{row['kind']}] {row['text']}: "
                         f"{' '.join(key + ('*' if key in row['relevant'] else '') for key in row['top'])}")
        for row in overlap["needs"]:
            lines.append(f"{row['share']:.2f} [title] {row['title']}: matching {row['matched']}, "
                         f"search {row['top']}")
    return "\n".join(lines)
