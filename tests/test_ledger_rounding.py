"""Issue 19 §5: the inventors' total is their exact share rounded up to the fen, never down; the
lines never go negative and add up exactly to the payment (property-based, with Hypothesis)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import LedgerEntry, LedgerLine, LedgerParty, UniversityFinance
from marketplace.payments import services as payments
from tests.payments_support import hooks, parties, start  # noqa: F401  (fixtures)

FEN = Decimal("0.01")
#: ¥0.01 to ¥10,000,000.00, in fen.
AMOUNTS = st.integers(min_value=1, max_value=1_000_000_000).map(lambda fen: Decimal(fen) * FEN)


@st.composite
def percents(draw, count: int, minimum: int = 0) -> list[int]:
    """``count`` percentages in hundredths (two decimals) that add up to 100.00%."""
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count - 1, max_size=count - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    if minimum and any(part < minimum for part in parts):
        parts = [10_000 // count] * count
        parts[0] += 10_000 - sum(parts)
    return parts


@st.composite
def splits(draw):
    """(inventor weights, office and university weights) as fractions of the whole payment."""
    inventors_pct, tto_pct, university_pct = draw(percents(3))
    count = draw(st.integers(1, 7))
    if draw(st.booleans()):  # recorded contribution shares, each above 0%
        shares = [Fraction(share, 10_000) for share in draw(percents(count, minimum=1))]
    else:  # the inventors named on the listing share equally
        shares = [Fraction(1, count)] * count
    inventors = Fraction(inventors_pct, 10_000)
    inventor_weights = [inventors * share for share in shares] if inventors_pct else []
    others = [Fraction(pct, 10_000) for pct in (tto_pct, university_pct) if pct]
    return inventor_weights, others


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(amount=AMOUNTS, split=splits())
def test_inventors_never_get_less_than_their_exact_share(amount, split):
    inventor_weights, other_weights = split
    to_inventors, to_others = ledger.split_receipt(amount, inventor_weights, other_weights)
    lines = to_inventors + to_others
    assert len(to_inventors) == len(inventor_weights) and len(to_others) == len(other_weights)
    assert sum(lines) == amount
    assert all(line >= 0 and line == line.quantize(FEN) for line in lines)
    exact = Fraction(amount) * sum(inventor_weights, Fraction(0))
    inventors_total = Fraction(sum(to_inventors, Decimal(0)))
    assert exact <= inventors_total < exact + Fraction(1, 100)  # rounded up, by less than a fen
    for line, weight in zip(to_others, other_weights, strict=True):  # the rest: at most a fen off
        assert abs(Fraction(line) - Fraction(amount) * weight) < Fraction(1, 100)
    assert ledger.split_receipt(amount, inventor_weights, other_weights) == (to_inventors, to_others)


@pytest.mark.parametrize(("amount", "inventors", "expected"), [
    ("0.01", 3, "0.01"), ("1000000.22", 1, "500000.11"), ("1000000.22", 3, "500000.11"),
    ("0.03", 7, "0.02"), ("10000000.00", 7, "5000000.00")])
def test_the_issues_examples_at_half(amount, inventors, expected):
    to_inventors, to_others = ledger.split_receipt(
        Decimal(amount), [Fraction(1, 2 * inventors)] * inventors, [Fraction(1, 2)])
    assert sum(to_inventors) == Decimal(expected)
    assert sum(to_inventors) + sum(to_others) == Decimal(amount)


def test_spare_fen_go_to_the_earlier_inventor_then_the_office():
    # ¥0.05 at 50/25/25, three equal inventors: 2.5 fen -> 3 fen, one each; 2.5 fen left: the
    # office and the university each 1.25 -> 1 fen, the last fen to the office (earlier on a tie).
    assert ledger.split_receipt(Decimal("0.05"), [Fraction(1, 6)] * 3,
                                [Fraction(1, 4), Fraction(1, 4)]) == (
        [FEN, FEN, FEN], [FEN, FEN])
    # ¥0.04 at 50%, three equal inventors: 2 fen -> the first two inventors.
    assert ledger.split_receipt(Decimal("0.04"), [Fraction(1, 6)] * 3, [Fraction(1, 2)]) == (
        [FEN, FEN, Decimal("0.00")], [Decimal("0.02")])


def test_bad_weights_are_refused():
    with pytest.raises(ValueError):
        ledger.split_receipt(Decimal("1.00"), [Fraction(1, 2)], [Fraction(1, 3)])
    with pytest.raises(ValueError):
        ledger.split_receipt(Decimal("1.001"), [Fraction(1, 2)], [Fraction(1, 2)])


# --- through a payment: the written lines, and earlier lines left as they were -------------------

def _lines(payment, entry=LedgerEntry.RECEIPT):
    return list(db.session.scalars(select(LedgerLine).where(
        LedgerLine.payment_id == payment.id, LedgerLine.entry == entry)
        .order_by(LedgerLine.position)))


def test_a_fen_paid_for_three_inventors_goes_to_the_inventors(parties, hooks):  # noqa: F811
    payment = payments.confirm_bank_transfer(start(parties, "bank_transfer", amount="0.01"),
                                             parties.tto)  # default split 50 / 0 / 50
    lines = _lines(payment)
    inventors = [line.amount for line in lines if line.party is LedgerParty.INVENTOR]
    assert inventors == [FEN, Decimal("0.00"), Decimal("0.00")]
    assert [line.amount for line in lines if line.party is LedgerParty.UNIVERSITY] == [
        Decimal("0.00")]


def test_a_million_and_22_fen_at_half(parties, hooks):  # noqa: F811
    db.session.add(UniversityFinance(organisation_id=parties.university.id,
                                     inventors_pct=Decimal("50"), tto_pct=Decimal("20"),
                                     university_pct=Decimal("30")))
    db.session.commit()
    payment = payments.confirm_bank_transfer(
        start(parties, "bank_transfer", amount="1000000.22"), parties.tto)
    lines = _lines(payment)
    by_party = {party: sum(line.amount for line in lines if line.party is party)
                for party in LedgerParty}
    assert by_party[LedgerParty.INVENTOR] == Decimal("500000.11")
    assert by_party[LedgerParty.TTO] == Decimal("200000.04")
    assert by_party[LedgerParty.UNIVERSITY] == Decimal("300000.07")


def test_a_refund_reverses_the_stored_lines_not_a_new_split(parties, hooks):  # noqa: F811
    payment = payments.confirm_bank_transfer(start(parties, "bank_transfer", amount="0.01"),
                                             parties.tto)
    lines = _lines(payment)
    lines[0].amount, lines[-1].amount = Decimal("0.00"), FEN  # as the earlier rounding stored it
    db.session.commit()
    payments.refund(payment, parties.tto, "协议解除")
    assert [line.amount for line in _lines(payment, LedgerEntry.REVERSAL)] == [
        -line.amount for line in _lines(payment)]
    assert _lines(payment)[-1].amount == FEN  # the stored receipt is not recomputed
