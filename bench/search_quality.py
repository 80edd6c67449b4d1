"""Search quality: recall@10 and nDCG@10 of the current search on the labelled query set.

    .venv/bin/python bench/search_quality.py                    # SQLite
    .venv/bin/python bench/search_quality.py --dialect both -v  # and PostgreSQL; every query

Builds a fresh database (migrations), publishes the evaluation pool (``tests/eval/pool.tsv``,
171 hand-written listings) and posts the evaluation set's needs, then runs every query of
``tests/eval/queries.py`` through ``run_search`` as the listings page does. It prints recall@10
and nDCG@10 per kind of query and overall, and the issue's "Done when" figure: each need's title
typed into the search, the share of the listings the matching finds for that need that are in
the top ten (target: at least half, over the needs). The figures are computed by
``tests/eval/search_quality.py``, the same code ``tests/test_search_quality.py`` holds a floor
with. PostgreSQL is reached at BENCH_PG_URL, as in ``bench/search.py``.
"""

import argparse
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from build import PG_SERVER, _create_postgres, _drop_postgres, bench_config  # first: sys.path
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.extensions import db
from tests.eval.harness import load_pool, post_needs
from tests.eval.needs import DEV_NEEDS
from tests.eval.queries import QUERIES
from tests.eval.search_quality import TOP, need_title_overlap, report, score_queries


def measure(url: str, verbose: bool) -> str:
    """Load the pool and the needs into the empty database at ``url``; the printed figures."""
    app = create_app(bench_config(url, JOBS_INLINE=True))
    with app.app_context():
        upgrade()
        ids = load_pool()
        posted = post_needs(DEV_NEEDS)
        text = report(score_queries(QUERIES, ids), need_title_overlap(posted, ids), verbose)
        db.session.remove()
        db.engine.dispose()
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print every query's top ten (relevant keys starred)")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' log lines
    git = shutil.which("git")
    commit = subprocess.run([git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,  # noqa: S603
                            cwd=Path(__file__).parent, check=False).stdout.strip() if git else ""
    print(f"commit {commit or 'unknown'}; ", end="")
    dialects = ("sqlite", "postgresql") if args.dialect == "both" else (args.dialect,)
    print(f"{len(QUERIES)} queries, {len(DEV_NEEDS)} need titles, metrics at {TOP}")
    for dialect in dialects:
        workdir = Path(tempfile.mkdtemp(prefix="bxqx-quality-"))
        name = f"bxqx_quality_{os.getpid()}"
        try:
            url = _create_postgres(name) if dialect == "postgresql" else \
                f"sqlite:///{workdir / 'quality.db'}"
            where = PG_SERVER.rsplit("@", 1)[-1] if dialect == "postgresql" else "a temporary file"
            print(f"\n[{dialect}] on {where}")
            print(measure(url, args.verbose), flush=True)
        finally:
            if dialect == "postgresql":
                _drop_postgres(name)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
