"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015."""

from marketplace.text import identifier

#: The 31 characters a code may use (no I, O, S, V, Z), in check-value order.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: First character: the registering authority (GB 32100-2015 table 1).
AUTHORITIES = set("123456789ABGNY")


def check_character(body: str) -> str:
    """Return the 18th (check) character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str | None) -> str:
    """The code as it is stored and compared: full-width characters (from a Chinese input method)
    to their ordinary forms, upper case, without the spaces people paste in."""
    return identifier(code)


def problem(code: str) -> str | None:
    """Return a short machine reason why ``code`` is not valid, or None when it is.

    Reasons: ``length``, ``characters``, ``authority``, ``region``, ``check``.
    """
    if len(code) != 18:
        return "length"
    if any(char not in ALPHABET for char in code):
        return "characters"
    if code[0] not in AUTHORITIES:
        return "authority"
    if not code[2:8].isdigit():
        return "region"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None


def is_valid(code: str) -> bool:
    return problem(normalise(code)) is None
