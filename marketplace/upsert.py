"""``INSERT ... ON CONFLICT`` on either database: the ``insert`` construct of the dialect in use."""

from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect: str):
    """PostgreSQL's or SQLite's ``insert`` (both have ``on_conflict_do_nothing`` / ``_do_update``)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
