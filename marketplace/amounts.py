"""Amounts of money and other fixed-point numbers: the one place they are parsed, checked and
written out.

Money is CNY kept to the fen in ``Numeric(MONEY_DIGITS, MONEY_PLACES)`` columns (``db_types.Money``);
percentages are ``Numeric(5, 2)``. A number is accepted only if such a column can hold it exactly:
finite (no NaN, sNaN or Infinity, which cannot even be compared without an error), with nothing
below its last decimal place (¥0.001 is refused, never rounded away), and within the column's range.
Forms (``marketplace.forms.FixedDecimalField``), services and the column type all ask this module.

An amount is shown as ``¥1,234.50`` by ``display`` (the ``money`` filter of every template), or
as ``1,234.50`` by ``grouped`` where a translated sentence writes the ``¥`` itself. The agreement
writes it as ``1234.50`` in its canonical JSON (``canonical``) and as ``人民币1,234.50元`` in its
Chinese text (``in_yuan``).
"""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from marketplace.text import half_width

#: Every money column is Numeric(14, 2): up to ¥999,999,999,999.99.
MONEY_DIGITS = 14
MONEY_PLACES = 2
FEN = Decimal("0.01")
#: Percentages (revenue split, shares, royalty rates) are Numeric(5, 2).
PERCENT_DIGITS = 5

NOT_A_NUMBER = _l("Enter a number in digits, such as 1250000 or 12.5.")
BELOW_THE_FEN = _l("An amount has at most two decimals (fen).")
PERCENT_PLACES = _l("A percentage has at most two decimals.")
TOO_LARGE = _l("This number is too large.")
#: What ``display`` shows for no amount.
NO_AMOUNT = "—"


class BadNumber(ValueError):
    """A number no fixed-point column could hold exactly; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check(value: Decimal, *, places: int = MONEY_PLACES, digits: int = MONEY_DIGITS,
          places_message=BELOW_THE_FEN) -> Decimal:
    """``value`` with exactly ``places`` decimals; raise ``BadNumber`` if a Numeric(digits, places)
    column could not hold it exactly."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = Decimal(str(value))
    if not isinstance(value, Decimal) or not value.is_finite():
        raise BadNumber(NOT_A_NUMBER)
    if value.copy_abs() >= Decimal(10) ** (digits - places):
        raise BadNumber(TOO_LARGE)
    exponent = Decimal(1).scaleb(-places)
    quantized = value.quantize(exponent)
    if quantized != value:
        raise BadNumber(places_message)
    return quantized if quantized else abs(quantized)  # no "-0.00"


def parse(text: str, **kwargs) -> Decimal:
    """The number written in ``text`` (as ``Decimal`` reads it), checked by ``check``."""
    try:
        value = Decimal(half_width(text).strip())  # １２．５ from a full-width input method
    except (InvalidOperation, ValueError, TypeError, AttributeError) as error:
        raise BadNumber(NOT_A_NUMBER) from error
    return check(value, **kwargs)


def is_money(value) -> bool:
    """Whether ``value`` is an amount a money column holds exactly (None is not)."""
    try:
        check(value)
    except BadNumber:
        return False
    return True


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def display(value) -> str:
    """``¥1,234.50``; ``-¥1.00`` for a reversal; ``—`` for no amount (None, or the empty value of
    a snapshot). Also takes the amount as text or a number (a stored match, a plan's snapshot)."""
    if value is None or value == "":
        return NO_AMOUNT
    amount = _decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{grouped(abs(amount))}"


def grouped(value) -> str:
    """``1,234.50``: the number alone, for a sentence that writes the ``¥`` itself."""
    return f"{_decimal(value):,.2f}"


def canonical(value) -> str | None:
    """``1234.50``: two decimals, no grouping, as the agreement's JSON holds amounts."""
    return None if value is None else str(_decimal(value).quantize(FEN))


def in_yuan(value) -> str:
    """``人民币1,234.50元``, as the (always Chinese) agreement and certificate write an amount."""
    return f"人民币{_decimal(value).quantize(FEN):,}元"
