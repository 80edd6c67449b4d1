"""The schema history goes all the way down and up again, on the lane's database, and ends at
exactly the models' schema, CHECK constraints included."""

import os
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestConfig, normalise_database_url
from marketplace.extensions import db
from marketplace.interests.models import Interest
from marketplace.listings.models import ConversionMode
from marketplace.listings.search import include_object
from tests.conftest import _postgres_database


def _fresh_database(tmp_path):
    """A database of its own for this test (the lane's kind); dropped when the generator closes."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"


def test_upgrade_then_downgrade_to_base_then_upgrade_again(tmp_path):
    databases = _fresh_database(tmp_path)
    url = next(databases)
    try:
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            built = set(sa.inspect(db.engine).get_table_names())
            assert {"users", "organisations", "listings", "login_throttles"} <= built
            downgrade(revision="base")
            db.engine.dispose()
            left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert left == set()
            upgrade()
            db.engine.dispose()
            assert set(sa.inspect(db.engine).get_table_names()) == built
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={
                    "compare_type": True, "include_object": include_object})
                assert compare_metadata(context, db.metadata) == []
            db.engine.dispose()
    finally:
        databases.close()  # PostgreSQL: drops the database


#: The revision before an interest's intent became a ``ConversionMode`` (``trial`` → ``try_first``).
BEFORE_ONE_MODE = "5c31e8a0d4b7"
_ANY = {str: "x", int: 1, bool: False, Decimal: Decimal("0"), dict: {}, list: [],
        datetime: datetime(2026, 1, 1, tzinfo=UTC), date: date(2026, 1, 1)}


def _row(connection, name: str, **values) -> int:
    """Insert a row into table ``name``: ``values``, and any value its other required columns
    accept (the schema of the revision the database is at, not the models'); return its id."""
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    for column in table.columns:
        if (column.name in values or column.primary_key or column.nullable
                or column.server_default is not None):
            continue
        values[column.name] = _ANY[column.type.python_type]
    return connection.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def _stored(connection) -> tuple[list, list]:
    interests = connection.execute(sa.text("SELECT id, intent FROM interests ORDER BY id")).all()
    table = sa.Table("notifications", sa.MetaData(), autoload_with=connection)
    notices = connection.execute(sa.select(table.c.kind, table.c.params).order_by(table.c.id)).all()
    return [tuple(row) for row in interests], [tuple(row) for row in notices]


def test_an_interests_intent_becomes_a_conversion_mode_and_back(tmp_path):
    databases = _fresh_database(tmp_path)
    url = next(databases)
    try:
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE_ONE_MODE)
            with db.engine.begin() as connection:
                org = _row(connection, "organisations", credit_code="x")
                user = _row(connection, "users", email="tto@example.cn", organisation_id=org)
                first = _row(connection, "listings", organisation_id=org, title="甲")
                second = _row(connection, "listings", organisation_id=org, title="乙")
                interest = {"organisation_id": org, "timeline": "later", "status": "new"}
                trial = _row(connection, "interests", listing_id=first, intent="trial", **interest)
                transfer = _row(connection, "interests", listing_id=second, intent="transfer",
                                **interest)
                created = {"intent": "trial", "listing": "甲", "org": "青禾"}
                _row(connection, "notifications", user_id=user, kind="interests.created",
                     params=created)
                _row(connection, "notifications", user_id=user, kind="interests.status",
                     params={"status": "trial"})
                before = _stored(connection)
            db.engine.dispose()

            upgrade()
            with db.engine.connect() as connection:
                after = _stored(connection)
            assert after == ([(trial, "try_first"), (transfer, "transfer")],
                             [("interests.created", {**created, "intent": "try_first"}),
                              before[1][1]])
            assert db.session.get(Interest, trial).intent is ConversionMode.TRY_FIRST
            db.session.remove()
            db.engine.dispose()

            downgrade(revision=BEFORE_ONE_MODE)
            with db.engine.connect() as connection:
                assert _stored(connection) == before
            db.engine.dispose()
    finally:
        databases.close()  # PostgreSQL: drops the database


def _check_constraints(engine) -> dict[str, dict[str, str]]:
    """Every table's CHECK constraints as the database reports them: name -> text, spaces folded."""
    inspector = sa.inspect(engine)
    return {table.name: {check["name"]: " ".join(check["sqltext"].split())
                         for check in inspector.get_check_constraints(table.name)}
            for table in db.metadata.sorted_tables}


def test_check_constraints_are_those_of_the_models(migrated, tmp_path):
    """Alembic's comparison leaves CHECK constraints out: the migrated database must hold exactly
    the ones the models declare, each with the same condition as the database writes it back."""
    databases = _fresh_database(tmp_path)
    url = next(databases)
    try:
        from_models = sa.create_engine(normalise_database_url(url))
        db.metadata.create_all(from_models)
        expected = _check_constraints(from_models)
        from_models.dispose()
        migrated_engine = sa.create_engine(normalise_database_url(migrated))
        actual = _check_constraints(migrated_engine)
        migrated_engine.dispose()
    finally:
        databases.close()
    assert sum(len(checks) for checks in expected.values()) >= 31
    assert actual == expected
