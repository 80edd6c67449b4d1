"""Chinese patent application numbers (申请号) and their check digit.

Since 2003 an application number has 12 digits and a check character: ``201710601862.3``
(year, type, serial). Older ones have 8 digits: ``97101765.4``. The check character is the sum
of the digits weighted 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 modulo 11, written ``X`` for 10.
A granted patent's number is ``ZL`` followed by the application number.

A number is read in its normal form (``marketplace.text.identifier``): full-width digits and
letters from a Chinese input method (``ＣＮ２０１７１０１１７０８１．７``), lower case and spaces are
accepted, and the ideographic full stop ``。`` stands for the dot. It is stored and compared only
in the canonical form ``normalise`` returns, so a number typed in full width is a duplicate of the
same number typed in half width.
"""

import re

from marketplace.text import identifier

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
#: The type digit (5th of 12, 3rd of 8): 1 invention, 2 utility model, 3 design, 8/9 PCT.
TYPES = {"1": "invention", "2": "utility_model", "3": "design", "8": "invention", "9": "utility_model"}
_SHAPE = re.compile(r"^(?:CN|ZL)?([0-9]{8}|[0-9]{12})\.?([0-9X])$", re.ASCII)


def check_character(digits: str) -> str:
    value = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=False)) % 11
    return "X" if value == 10 else str(value)


def _compact(number: str | None) -> str:
    return identifier((number or "").replace("\u3002", "."))


def normalise(number: str | None) -> str:
    """Canonical form ``201710601862.3``: no prefix, spaces, lower case or full-width characters.

    Text that is no application number comes back in its normal form (``text.identifier``)."""
    compact = _compact(number)
    match = _SHAPE.match(compact)
    if not match:
        return compact
    return f"{match.group(1)}.{match.group(2)}"


def problem(number: str) -> str | None:
    """Why ``number`` is not a valid application number (``format``, ``type``, ``check``), or None."""
    match = _SHAPE.match(_compact(number))
    if not match:
        return "format"
    digits, check = match.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in TYPES:
        return "type"
    if check_character(digits) != check:
        return "check"
    return None


def patent_type(number: str) -> str | None:
    """The patent type the number encodes, for a valid number."""
    if problem(number):
        return None
    digits = normalise(number).split(".")[0]
    return TYPES[digits[4] if len(digits) == 12 else digits[2]]
