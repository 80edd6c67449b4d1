"""The schema history goes all the way down and up again, on the lane's database, and ends at
exactly the models' schema, CHECK constraints included."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestConfig, normalise_database_url
from marketplace.extensions import db
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
