"""Revision f3b9c2d4e6a1: a listing offers the open-licence mode exactly while it has an announced
declaration; its search-index filter term follows."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.test_migrations import _fresh_database, _row

BEFORE = "c1fe0a2444a7"


def _index(connection, listing_id: int, modes: list[str]) -> None:
    if connection.dialect.name == "postgresql":
        terms = [f"mode {mode}" for mode in modes] + ["grade A"]
        connection.execute(sa.text(
            "INSERT INTO listing_search (listing_id, document, field, grade, trl, kind, legal_status,"
            " organisation_id, modes) VALUES (:id, array_to_tsvector(CAST(:terms AS text[])), 'energy',"
            " 'A', 5, 'invention', 'granted', 1, CAST(:modes AS text[]))"),
            {"id": listing_id, "terms": terms, "modes": modes})
    else:
        tags = " ".join(["gradea", *("mode" + mode.replace("_", "") for mode in modes)])
        connection.execute(sa.text("INSERT INTO listing_search (rowid, title, body, tags) "
                                   "VALUES (:id, '电池', '电池', :tags)"), {"id": listing_id, "tags": tags})


def _found(connection, mode: str) -> set[int]:
    """The listings the index finds with the mode's filter term."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.text(
            "SELECT listing_id FROM listing_search WHERE document @@ CAST(:q AS tsquery)"
            " AND :mode = ANY(modes)"), {"q": f"'mode {mode}'", "mode": mode})
    else:
        rows = connection.execute(sa.text(
            "SELECT rowid FROM listing_search WHERE listing_search MATCH :q"),
            {"q": "tags:mode" + mode.replace("_", "")})
    return {row[0] for row in rows}


def _modes(connection) -> set[tuple[int, str]]:
    return {tuple(row) for row in connection.execute(sa.text("SELECT listing_id, mode FROM listing_modes"))}


def test_the_open_licence_mode_follows_the_announced_declarations(tmp_path):
    databases = _fresh_database(tmp_path)
    url = next(databases)
    try:
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                org = _row(connection, "organisations", credit_code="x")
                user = _row(connection, "users", email="tto@example.cn", organisation_id=org)
                ticked, announced, withdrawn = (
                    _row(connection, "listings", organisation_id=org, title=title, state="published")
                    for title in ("甲", "乙", "丙"))
                rows = [(ticked, "open_licence"), (ticked, "transfer"), (announced, "ordinary_licence"),
                        (withdrawn, "open_licence")]
                connection.execute(sa.text("INSERT INTO listing_modes (listing_id, mode) VALUES (:l, :m)"),
                                   [{"l": listing, "m": mode} for listing, mode in rows])
                for listing, state in ((announced, "announced"), (withdrawn, "withdrawn")):
                    _row(connection, "open_licence_declarations", listing_id=listing,
                         organisation_id=org, created_by_id=user, state=state,
                         payment_method="free", trial_days=None)
                _index(connection, ticked, ["open_licence", "transfer"])
                _index(connection, announced, ["ordinary_licence"])
                _index(connection, withdrawn, ["open_licence"])
                assert _found(connection, "open_licence") == {ticked, withdrawn}
            db.engine.dispose()

            upgrade()
            with db.engine.connect() as connection:
                assert _modes(connection) == {(ticked, "transfer"), (announced, "ordinary_licence"),
                                              (announced, "open_licence")}
                assert _found(connection, "open_licence") == {announced}
                assert _found(connection, "transfer") == {ticked}
                assert _found(connection, "ordinary_licence") == {announced}
            db.engine.dispose()

            downgrade(revision=BEFORE)  # the corrected data stays as it is
            with db.engine.connect() as connection:
                assert (announced, "open_licence") in _modes(connection)
            db.engine.dispose()
    finally:
        databases.close()  # PostgreSQL: drops the database
