"""Revenue splits, inventor shares and the ledger lines every payment writes.

``record_receipt(payment)`` and ``record_reversal(payment)`` are called by the payments service
inside the transaction that moves the payment (succeeded, refunded); they never commit.
"""

import re
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.ledger.models import (
    STATUTORY_INVENTOR_MINIMUM,
    InventorShare,
    LedgerEntry,
    LedgerLine,
    LedgerParty,
    UniversityFinance,
)
from marketplace.listings.models import Listing
from marketplace.permissions import check

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


# --- exact allocation --------------------------------------------------------------------------

def allocate(amount: Decimal, weights: list[Fraction]) -> list[Decimal]:
    """Split ``amount`` (CNY) by ``weights`` (summing to 1) into fen that add up exactly.

    Largest remainder: every part gets the floor of its exact quota in fen; the fen left over go,
    one each, to the parts with the largest remainders, earlier parts first on a tie.
    """
    if sum(weights) != 1:
        raise ValueError("weights must sum to 1")
    total = int((amount / CENT).to_integral_exact())
    if Decimal(total) * CENT != amount:
        raise ValueError("amount has more than two decimals")
    sign = -1 if total < 0 else 1
    total = abs(total)
    quotas = [total * weight for weight in weights]
    floors = [quota.numerator // quota.denominator for quota in quotas]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [sign * Decimal(fen) * CENT for fen in floors]


def _fen(amount: Decimal) -> int:
    """``amount`` (CNY, not negative, to the fen) as a whole number of fen."""
    fen = int((amount / CENT).to_integral_exact())
    if fen < 0 or Decimal(fen) * CENT != amount:
        raise ValueError("amount must not be negative and have at most two decimals")
    return fen


def _largest_remainder(total: int, quotas: list[Fraction]) -> list[int]:
    """``total`` fen over exact ``quotas`` (in fen, summing to at least ``total``): each part the
    floor of its quota, the fen left over one each to the largest remainders, earlier on a tie."""
    floors = [quota.numerator // quota.denominator for quota in quotas]
    left = total - sum(floors)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    if left < 0 or left > len(quotas):
        raise ValueError("quotas do not cover the total")
    for index in order[:left]:
        floors[index] += 1
    return floors


def split_receipt(amount: Decimal, inventor_weights: list[Fraction],
                  other_weights: list[Fraction]) -> tuple[list[Decimal], list[Decimal]]:
    """Split a received ``amount`` into inventor lines and the other lines (office, university).

    The rule (促进科技成果转化法 art. 45 sets the inventors' share as a floor):

    1. The inventors' total is their exact share of the amount rounded **up** to the fen, never
       down (¥0.01 at 50% gives them ¥0.01; ¥1,000,000.22 at 50% gives them ¥500,000.11).
    2. That total is shared among the inventors by largest remainder: each gets the floor of
       their exact part of it, the fen left over go one each to the largest remainders, the
       earlier inventor (contribution-share order) on a tie.
    3. The rest of the amount goes to the other parties: each the floor of its exact share of the
       amount, the fen left over (at most one per party) to the largest remainders, the earlier
       party (office before university) on a tie.

    Every line is zero or more, and the lines add up exactly to the amount. The weights are the
    parties' fractions of the whole payment and together sum to 1.
    """
    if sum(inventor_weights) + sum(other_weights) != 1 or any(
            weight < 0 for weight in (*inventor_weights, *other_weights)):
        raise ValueError("weights must be non-negative and sum to 1")
    total = _fen(amount)
    inventors_weight = sum(inventor_weights, Fraction(0))
    exact = total * inventors_weight
    inventors_total = -(-exact.numerator // exact.denominator)  # rounded up to the fen
    inventors = (_largest_remainder(inventors_total, [inventors_total * weight / inventors_weight
                                                      for weight in inventor_weights])
                 if inventor_weights and inventors_weight else [0] * len(inventor_weights))
    others = _largest_remainder(total - inventors_total, [total * weight for weight in other_weights])
    return ([Decimal(fen) * CENT for fen in inventors], [Decimal(fen) * CENT for fen in others])


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value) / 100


# --- settings ----------------------------------------------------------------------------------

def finance_of(organisation_id: int) -> UniversityFinance | None:
    return db.session.scalar(select(UniversityFinance).where(
        UniversityFinance.organisation_id == organisation_id))


def default_split() -> tuple[Decimal, Decimal, Decimal]:
    """Without a rule of the university: the statutory 50% to inventors, the rest to the
    university, nothing to the office."""
    return STATUTORY_INVENTOR_MINIMUM, Decimal("0"), HUNDRED - STATUTORY_INVENTOR_MINIMUM


def split_of(organisation_id: int) -> tuple[Decimal, Decimal, Decimal]:
    finance = finance_of(organisation_id)
    if finance is None:
        return default_split()
    return finance.inventors_pct, finance.tto_pct, finance.university_pct


def check_split(inventors: Decimal, tto: Decimal, university: Decimal, own_rule_text: str | None,
                own_rule_reference: str | None) -> dict[str, str]:
    """Errors by field name (empty when the split is valid)."""
    errors = {}
    for name, value in (("inventors_pct", inventors), ("tto_pct", tto),
                        ("university_pct", university)):
        if value is None or value < 0 or value > HUNDRED or value != value.quantize(CENT):
            errors[name] = _("A percentage from 0 to 100 with at most two decimals.")
    if errors:
        return errors
    if inventors + tto + university != HUNDRED:
        errors["university_pct"] = _("The three parts add up to %(total)s%%, not 100%%.",
                                     total=(inventors + tto + university).quantize(CENT))
    if inventors < STATUTORY_INVENTOR_MINIMUM and not (own_rule_text and own_rule_reference):
        errors["inventors_pct"] = _(
            "Inventors get at least half (50 per cent) unless the university records its own rule "
            "(its text and document reference).")
    return errors


def save_finance(actor: User, organisation_id: int, data: dict) -> UniversityFinance:
    """A university's tto sets its revenue split, own rule and bank account."""
    check("ledger.manage", organisation_id, actor=actor)
    text = (data.get("own_rule_text") or "").strip() or None
    reference = (data.get("own_rule_reference") or "").strip() or None
    errors = check_split(data["inventors_pct"], data["tto_pct"], data["university_pct"],
                         text, reference)
    if errors:
        raise ServiceError(next(iter(errors.values())))
    finance = finance_of(organisation_id) or UniversityFinance(organisation_id=organisation_id)
    before = (finance.inventors_pct, finance.tto_pct, finance.university_pct)
    finance.inventors_pct = Decimal(data["inventors_pct"]).quantize(CENT)
    finance.tto_pct = Decimal(data["tto_pct"]).quantize(CENT)
    finance.university_pct = Decimal(data["university_pct"]).quantize(CENT)
    finance.own_rule_text, finance.own_rule_reference = text, reference
    for name in ("account_name", "bank_name", "account_number"):
        setattr(finance, name, (data.get(name) or "").strip() or None)
    finance.updated_by_id = actor.id
    db.session.add(finance)
    db.session.flush()
    audit.record("ledger.split_changed", actor=actor, target=finance,
                 before="/".join(str(v) for v in before if v is not None) or None,
                 after=f"{finance.inventors_pct}/{finance.tto_pct}/{finance.university_pct}",
                 own_rule=reference)
    db.session.commit()
    return finance


def shares_of(listing: Listing) -> list[InventorShare]:
    return list(db.session.scalars(select(InventorShare).where(
        InventorShare.listing_id == listing.id).order_by(InventorShare.position)))


def split_names(inventors: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,，、;；]", inventors or "") if name.strip()]


def save_shares(actor: User, listing: Listing, rows: list[dict]) -> list[InventorShare]:
    """Replace a listing's contribution shares; named rows whose shares sum to exactly 100%."""
    check("ledger.manage", listing.organisation_id, actor=actor)
    rows = [row for row in rows if (row.get("name") or "").strip()]
    if not rows:
        raise ServiceError(_("Name at least one inventor."))
    total = sum((row["share_pct"] for row in rows), Decimal("0")).quantize(CENT)
    if total != HUNDRED:
        raise ServiceError(_("The shares add up to %(total)s%%, not 100%%.", total=total))
    user_ids = {row["user_id"] for row in rows if row.get("user_id")}
    allowed = set(db.session.scalars(select(User.id).where(
        User.id.in_(user_ids), User.organisation_id == listing.organisation_id,
        User.role == Role.INVENTOR))) if user_ids else set()
    if user_ids - allowed:
        raise ServiceError(_("Linked accounts must be inventors of your university."))
    for old in shares_of(listing):
        db.session.delete(old)
    db.session.flush()
    shares = []
    for position, row in enumerate(rows):
        share = InventorShare(listing_id=listing.id, position=position, name=row["name"].strip(),
                              user_id=row.get("user_id") or None, share_pct=row["share_pct"])
        db.session.add(share)
        shares.append(share)
    audit.record("ledger.shares_changed", actor=actor, target=listing,
                 shares="; ".join(f"{s.name} {s.share_pct}%" for s in shares))
    db.session.commit()
    return shares


def effective_shares(listing: Listing) -> list[tuple[str, int | None, Fraction]]:
    """(name, user id, fraction of the inventors' part) for each inventor of ``listing``.

    Recorded contribution shares win; otherwise the inventors printed on the listing share
    equally, linked to an inventor account of the listing with the same name.
    """
    shares = shares_of(listing)
    if shares:
        return [(s.name, s.user_id, _fraction(s.share_pct)) for s in shares]
    names = split_names(listing.inventors) or [listing.inventors or _("Inventors")]
    accounts = {user.name: user.id for user in listing.inventor_users}
    return [(name, accounts.get(name), Fraction(1, len(names))) for name in names]


# --- ledger lines ------------------------------------------------------------------------------

def plan(payment) -> list[dict]:
    """The receipt lines ``payment`` writes (not stored): parties, percents and exact amounts,
    rounded by ``split_receipt`` (inventors' total never below their exact share).

    Only new receipts are split here: lines already stored are never recomputed (a refund
    negates the stored lines), so a payment recorded under the earlier rounding keeps its lines."""
    inventors, tto, university = split_of(payment.payee_org_id)
    parts = []
    if inventors:
        for name, user_id, share in effective_shares(payment.listing):
            parts.append({"party": LedgerParty.INVENTOR, "inventor_name": name[:80],
                          "user_id": user_id, "weight": _fraction(inventors) * share})
    if tto:
        parts.append({"party": LedgerParty.TTO, "weight": _fraction(tto)})
    if university:
        parts.append({"party": LedgerParty.UNIVERSITY, "weight": _fraction(university)})
    inventor_parts = [part for part in parts if part["party"] is LedgerParty.INVENTOR]
    other_parts = [part for part in parts if part["party"] is not LedgerParty.INVENTOR]
    to_inventors, to_others = split_receipt(payment.amount,
                                            [part["weight"] for part in inventor_parts],
                                            [part["weight"] for part in other_parts])
    for part, amount in zip(inventor_parts + other_parts, to_inventors + to_others, strict=True):
        part["amount"] = amount
        weight = part.pop("weight")
        part["percent"] = (Decimal(weight.numerator) * HUNDRED / Decimal(weight.denominator)
                           ).quantize(Decimal("0.000001"))
    return parts


def record_receipt(payment) -> list[LedgerLine]:
    """Write the lines of a received payment; they sum exactly to its amount."""
    lines = []
    for position, part in enumerate(plan(payment)):
        line = LedgerLine(payment_id=payment.id, organisation_id=payment.payee_org_id,
                          listing_id=payment.listing_id, entry=LedgerEntry.RECEIPT,
                          position=position, **part)
        db.session.add(line)
        lines.append(line)
    db.session.flush()
    return lines


def record_reversal(payment) -> list[LedgerLine]:
    """Reverse every receipt line of a refunded payment (same parties, negated amounts)."""
    receipts = db.session.scalars(select(LedgerLine).where(
        LedgerLine.payment_id == payment.id, LedgerLine.entry == LedgerEntry.RECEIPT)
        .order_by(LedgerLine.position)).all()
    lines = []
    for line in receipts:
        reversal = LedgerLine(
            payment_id=payment.id, organisation_id=line.organisation_id,
            listing_id=line.listing_id, entry=LedgerEntry.REVERSAL, party=line.party,
            position=line.position, inventor_name=line.inventor_name, user_id=line.user_id,
            percent=line.percent, amount=-line.amount)
        db.session.add(reversal)
        lines.append(reversal)
    db.session.flush()
    return lines
