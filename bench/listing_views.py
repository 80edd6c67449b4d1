"""Listing-view counter benchmark: what counting a view adds to the listing page.

    .venv/bin/python bench/listing_views.py                      # SQLite in a temporary folder
    TEST_DATABASE_URL=postgresql+psycopg://127.0.0.1:5432/test .venv/bin/python bench/listing_views.py

It builds a small database (migrations, one university, 200 published listings), then requests
listing pages through the app's test client in three shapes, N times each: a new browser session
per request (every request counts a view: one INSERT … ON CONFLICT DO UPDATE), one session
re-reading the same page (nothing counted after the first), and the statements a counted view
issues. It prints the median and 95th percentile per request and the statements per view.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.config import TestConfig  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def _database(folder: str) -> tuple[str, object]:
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{folder}/views.db", None
    name = f"bench_views_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False), (admin, name)


def _seed(count: int) -> list[int]:
    from marketplace.accounts.models import Role, User
    from marketplace.listings import services as listings
    from marketplace.listings.synthetic import ListingFactory
    from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

    org = Organisation(kind=OrgKind.UNIVERSITY, status=OrgStatus.VERIFIED, name="基准大学",
                       credit_code="12310000425006114"[:17] + "X")
    tto = User(email="bench@example.edu.cn", name="基准", role=Role.TTO, organisation=org,
               password_hash=uuid.uuid4().hex)  # nobody logs in
    db.session.add_all([org, tto])
    db.session.commit()
    factory, ids = ListingFactory(7), []
    for _ in range(count):
        listing = listings.create_listing(tto, factory.data("基准", tto.email, "021"), commit=False)
        listings.transition(tto, listing, "publish", commit=False)
        db.session.flush()
        ids.append(listing.id)
    db.session.commit()
    return ids


def _time(fn, n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<44} median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per shape")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, cleanup = _database(folder)
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url,
                          "MAIL_OUTBOX_DIR": folder, "UPLOAD_DIR": folder})
        try:
            with app.app_context():
                upgrade()
                ids = _seed(200)
                print(f"database: {db.engine.dialect.name}, {len(ids)} listings, {args.n} requests "
                      "per shape")
                print("(a new session also pays for a new cookie and login-less session set-up)")
                returning = app.test_client()
                returning.get(f"/listings/{ids[0]}")
                _report("same session, same page (not counted)",
                        _time(lambda i: returning.get(f"/listings/{ids[0]}"), args.n))
                _report("new session each time, same page (counted)",
                        _time(lambda i: app.test_client().get(f"/listings/{ids[0]}"), args.n))
                from marketplace.interests import pipeline

                counting = pipeline.count_view
                pipeline.count_view = lambda listing_id: False
                _report("new session each time, counter switched off",
                        _time(lambda i: app.test_client().get(f"/listings/{ids[0]}"), args.n))
                pipeline.count_view = counting

                def upsert(i):
                    db.session.execute(pipeline._upsert(),
                                       {"listing_id": ids[i % len(ids)], "day": pipeline.today()})
                    db.session.commit()

                _report("the counting statement alone (upsert + commit)", _time(upsert, args.n))
                statements = []
                sa.event.listen(db.engine, "before_cursor_execute",
                                 lambda *a: statements.append(a[2]) if "listing_view_days" in a[2]
                                 else None)
                app.test_client().get(f"/listings/{ids[1]}")
                print(f"statements on listing_view_days per counted view: {len(statements)} "
                      f"({statements[0].split()[0]} … ON CONFLICT DO UPDATE)")
                total = db.session.scalar(sa.text("SELECT SUM(views) FROM listing_view_days"))
                print(f"views stored: {total}")
                db.session.remove()
                db.engine.dispose()
        finally:
            if cleanup:
                admin, name = cleanup
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
