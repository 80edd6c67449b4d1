"""Stored data and the normal form: revision cb98ec816075 normalises stored identifiers, and
``flask search reindex`` rebuilds the index in the normal form."""

import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.listings import search
from marketplace.listings import services as listings
from marketplace.listings.queries import SearchQuery, run_search
from tests.factories import LISTING, credit_code
from tests.test_migrations import _fresh_database, _row

BEFORE = "7b3e9d21c4a8"


def test_stored_identifiers_are_normalised_and_duplicates_are_left_for_a_person(tmp_path, capfd):
    databases = _fresh_database(tmp_path)
    url = next(databases)
    code = credit_code()
    full_width_code = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    try:
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                org = _row(connection, "organisations", credit_code=full_width_code, status="verified")
                rival = _row(connection, "organisations", credit_code=code, status="pending")
                numbers = ["２０１７１０１１７０８１．７", "201710601862.3", "CN２０１７１０６０１８６２.3",
                           "cn 97101765.4"]
                ids = [_row(connection, "listings", organisation_id=org, title=str(n),
                            application_number=number) for n, number in enumerate(numbers)]
            db.engine.dispose()

            upgrade()
            with db.engine.connect() as connection:
                stored = dict(connection.execute(sa.text(
                    "SELECT id, application_number FROM listings")).all())
                codes = dict(connection.execute(sa.text("SELECT id, credit_code FROM organisations")).all())
            db.engine.dispose()
    finally:
        databases.close()
    assert [stored[i] for i in ids] == ["201710117081.7", "201710601862.3",
                                        "CN２０１７１０６０１８６２.3", "97101765.4"]
    assert f"listing {ids[2]} keeps its application number" in capfd.readouterr().err
    assert codes == {org: code, rival: code}


def _stale_row(listing_id: int, words: str) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(
            f"INSERT INTO {search.INDEX_TABLE} (listing_id, document, field, grade, trl, kind, "  # noqa: S608
            "legal_status, organisation_id, modes) VALUES (:id, to_tsvector('simple', :words), "
            "'materials', 'A', 6, 'achievement', 'not_applicable', 1, ARRAY['transfer'])"),
            {"id": listing_id, "words": words})
    else:
        db.session.execute(sa.text(f"INSERT INTO {search.INDEX_TABLE} (rowid, title, body, tags) "  # noqa: S608
                                   "VALUES (:id, :words, '', '')"), {"id": listing_id, "words": words})


def test_reindex_rebuilds_the_index_in_the_normal_form(app, make_user, runner):
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    written = listings.create_listing(tto, {**LISTING, "title": "一種鋰離子電池的熱管理裝置"})
    listings.transition(tto, written, "publish")
    draft = listings.create_listing(tto, {**LISTING, "title": "锂离子电池草稿"})
    # An index row as the code before the normal form made it: traditional tokens; and a stray row.
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    _stale_row(written.id, "鋰離子 電池 熱 管理")
    _stale_row(draft.id, "锂离子")
    db.session.commit()

    def found(q):
        return [item.id for item in run_search(SearchQuery(q=q), with_facets=False).items]

    assert found("锂离子电池") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 published listings" in result.output
    assert found("锂离子电池") == [written.id] == found("鋰離子電池")
    assert found("热管理") == [written.id]
    rows = db.session.scalar(sa.text(f"SELECT count(*) FROM {search.INDEX_TABLE}"))  # noqa: S608
    assert rows == 1  # the draft's stray row is gone
