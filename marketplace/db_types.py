"""Column types and helpers shared by the models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from marketplace import amounts
from marketplace.amounts import MONEY_DIGITS, MONEY_PLACES


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store datetimes as naive UTC and always hand back aware UTC values.

    SQLite has no time zones, so every value is normalised on the way in and out.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """A portable enum column storing the enum's values as short strings."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class Money(TypeDecorator):
    """An amount in CNY, ``Numeric(14, 2)``: every money column uses this type.

    Refuses to store what the column cannot hold exactly (NaN, Infinity, a part below the fen,
    or too large) instead of letting the database round it, or SQLite keep it as typed. Services
    and forms check amounts first (``marketplace.amounts``), with a message for the user; this is
    the last line, for any other code path.
    """

    impl = sa.Numeric(MONEY_DIGITS, MONEY_PLACES)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        try:
            return amounts.check(value)
        except amounts.BadNumber as error:
            raise ValueError(f"not an amount of money: {value!r}") from error
