"""Matching benchmark: time to recompute a technology need's matches at 10k and 100k listings.

    .venv/bin/python bench/matching.py                                 # 10,000 and 100,000, both dialects
    .venv/bin/python bench/matching.py --sizes 10000 --dialect sqlite --runs 5

Builds a database of N synthetic published listings (``bench/build.py``, as ``bench/search.py``),
posts the twelve realistic needs of the evaluation set (``tests/eval/needs.py``) and times
``matching.recompute_need``: term frequencies from the index, the candidate query through the
search index, scoring the candidates and storing the matches (one commit). "cold" clears the
per-process term statistics first (a process's first recompute), "warm" keeps them (they live
``MATCH_TERM_STATS_SECONDS``). It also times the other direction, ``recompute_listing``: one
changed listing re-scored against every open need (the twelve, copied to ``--needs`` needs).
"""

import argparse
import statistics
import time
from decimal import Decimal

import sqlalchemy as sa
from build import bench_config, benchmark_database, describe  # first: puts the project on sys.path
from search import machine, percentiles

from marketplace import create_app
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, Listing
from marketplace.needs import matching
from marketplace.needs.models import Match, Need, NeedState
from marketplace.orgs import creditcode
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from tests.eval.needs import DEV_NEEDS

WAN = Decimal(10000)


def _post_needs(copies: int) -> list[int]:
    body = "91310000MA99999999"[:17]
    org = Organisation(kind=OrgKind.COMPANY, status=OrgStatus.VERIFIED, name="基准测试企业",
                       credit_code=body + creditcode.check_character(body))
    db.session.add(org)
    db.session.flush()
    needs = []
    for copy in range(copies):
        for title, description, field, keywords, (low, high), mode, budget, _ in DEV_NEEDS:
            needs.append(Need(
                organisation_id=org.id, state=NeedState.OPEN, title=title if not copy else
                f"{title}（{copy}）", description=description, field=field, keywords=keywords,
                trl_min=low, trl_max=high, mode=ConversionMode(mode) if mode else None,
                budget_min=None if budget is None else budget[0] * WAN,
                budget_max=None if budget is None else budget[1] * WAN, is_public=True))
    db.session.add_all(needs)
    db.session.commit()
    return [need.id for need in needs]


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    elapsed = (time.perf_counter() - started) * 1000
    db.session.remove()
    return elapsed


def measure(url: str, runs: int, copies: int) -> dict:
    app = create_app(bench_config(url))
    figures = {"cold": [], "warm": [], "listing": []}
    with app.app_context():
        ids = _post_needs(copies)
        first = ids[:len(DEV_NEEDS)]
        matching.published_total()  # loads the dictionary and warms the plans, as a live process
        for run in range(runs):
            for need_id in first:
                matching._stats.clear()
                figures["cold"].append(_timed(lambda n=need_id: matching.recompute_need(
                    db.session.get(Need, n))))
            for need_id in first:
                figures["warm"].append(_timed(lambda n=need_id: matching.recompute_need(
                    db.session.get(Need, n))))
            if run == 0:
                for need_id in ids[len(first):]:  # every copy gets its matches once
                    matching.recompute_need(db.session.get(Need, need_id))
                    db.session.remove()
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Match)
                                   .where(Match.need_id.in_(first)))
        sample = db.session.scalars(sa.select(Match.listing_id).where(Match.need_id.in_(first))
                                    .distinct().order_by(Match.listing_id).limit(20)).all()
        for listing_id in sample:
            figures["listing"].append(_timed(lambda i=listing_id: matching.recompute_listing(
                db.session.get(Listing, i))))
        db.engine.dispose()
    return {"figures": figures, "needs": len(ids), "stored": stored / len(first)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="listings, comma-separated")
    parser.add_argument("--dialect", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3, help="rounds over the twelve needs")
    parser.add_argument("--needs", type=int, default=120, help="open needs for recompute_listing")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    dialects = ("sqlite", "postgresql") if args.dialect == "both" else (args.dialect,)
    copies = max(1, args.needs // len(DEV_NEEDS))
    print(f"machine: {machine()}; {args.runs} rounds over {len(DEV_NEEDS)} needs")
    rows = []
    for size in (int(value) for value in args.sizes.split(",")):
        for dialect in dialects:
            with benchmark_database(dialect, size, seed=args.seed) as built:
                print(describe(built), flush=True)
                result = measure(built.url, args.runs, copies)
            rows.append((dialect, size, result))
            _print_row(dialect, size, result)
    print("\nSummary (milliseconds, p50 / p95 / max):")
    print(f"{'dialect':11} {'listings':>9}  {'need, cold':>22}  {'need, warm':>22}  "
          f"{'listing vs needs':>22}  matches/need")
    for dialect, size, result in rows:
        cells = "  ".join(f"{'/'.join(f'{v:.0f}' for v in percentiles(result['figures'][k])):>22}"
                          for k in ("cold", "warm", "listing"))
        print(f"{dialect:11} {size:>9,}  {cells}  {result['stored']:.0f}")


def _print_row(dialect: str, size: int, result: dict) -> None:
    figures = result["figures"]
    for kind, label in (("cold", "recompute a need (cold term statistics)"),
                        ("warm", "recompute a need (warm term statistics)"),
                        ("listing", f"recompute a listing against {result['needs']} open needs")):
        p50, p95, worst = percentiles(figures[kind])
        print(f"  [{dialect} {size:,}] {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {worst:.0f} ms, "
              f"mean {statistics.mean(figures[kind]):.0f} ms over {len(figures[kind])}", flush=True)


if __name__ == "__main__":
    main()
