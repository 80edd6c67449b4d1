"""Bulk-load synthetic published listings: benchmarks (bench/build.py) and load tests.

Organisations, listings, their modes and their search-index rows are inserted with executemany
in batches. The index rows are the parameters ``search.document`` gives (token strings, filter
terms, facet values) inserted with ``search.insert_statement``: exactly what publishing a listing
writes, without going through the ORM one listing at a time.
"""

import time
from types import SimpleNamespace

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import facet_bitmaps, search, suggest_index
from marketplace.listings.models import Listing, listing_modes
from marketplace.listings.synthetic import ListingFactory
from marketplace.orgs import creditcode
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

BATCH = 5000
PLACES = ("东海", "西岭", "南湖", "北川", "青江", "云梦", "长河", "临江", "明珠", "华岳", "星海", "嘉禾",
          "远洋", "金沙", "秀峰")
KINDS = ("大学", "理工大学", "科技大学", "农业大学", "医科大学", "师范大学")


def universities() -> list[dict]:
    """90 verified universities with valid credit codes, ids 1 to 90."""
    rows = []
    for number, (place, kind) in enumerate(((p, k) for p in PLACES for k in KINDS), start=1):
        body = f"12{310000 + number:06d}{number:09d}"
        rows.append({"id": number, "name": f"{place}{kind}", "kind": OrgKind.UNIVERSITY,
                     "credit_code": body + creditcode.check_character(body),
                     "status": OrgStatus.VERIFIED, "is_demo": False, "province": "上海市"})
    return rows


def load(count: int, seed: int = 2026) -> dict[str, float]:
    """Insert the universities and ``count`` published listings; return seconds per phase.

    Needs an app context on an empty, migrated database (the ids are fixed).
    """
    orgs = universities()
    names = {row["id"]: row["name"] for row in orgs}
    contacts = [(row["id"], "技术转移中心", f"tto{row['id']}@example.edu.cn") for row in orgs]
    dialect = db.engine.dialect.name
    index_sql = search.insert_statement(dialect)
    phases = dict.fromkeys(("generate", "tokenize", "insert listings", "insert index"), 0.0)
    search.tokens_for_index("")  # load the dictionary outside the timings
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Organisation.__table__), orgs)
    rows = ListingFactory(seed).rows(count, contacts)
    done = 0
    while done < count:
        started = time.perf_counter()
        batch = [next(rows) for _ in range(min(BATCH, count - done))]
        listings = [row for row, _ in batch]
        modes = [{"listing_id": row["id"], "mode": mode} for row, row_modes in batch for mode in row_modes]
        phases["generate"] += time.perf_counter() - started
        started = time.perf_counter()
        documents = [search.document(SimpleNamespace(
            **row, organisation=SimpleNamespace(name=names[row["organisation_id"]]),
            mode_set=set(row_modes)), dialect) for row, row_modes in batch]
        phases["tokenize"] += time.perf_counter() - started
        with db.engine.begin() as connection:
            started = time.perf_counter()
            connection.execute(sa.insert(Listing.__table__), listings)
            connection.execute(sa.insert(listing_modes), modes)
            phases["insert listings"] += time.perf_counter() - started
            started = time.perf_counter()
            connection.execute(index_sql, documents)
            phases["insert index"] += time.perf_counter() - started
        done += len(batch)
    started = time.perf_counter()
    with db.engine.begin() as connection:
        suggest_index.rebuild(connection)
        facet_bitmaps.record(connection, [facet_bitmaps.EVERYTHING])
    phases["insert index"] += time.perf_counter() - started
    if dialect == "postgresql":  # explicit ids: move the sequences past them
        with db.engine.begin() as connection:
            for table in ("organisations", "listings"):
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"))
    return phases
