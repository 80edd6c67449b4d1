"""Statements: an inventor's lines, a university's lines, and their CSV exports."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import timezones
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerLine, LedgerParty
from marketplace.payments.models import Payment

#: Text a spreadsheet would read as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _period(query, start: date | None, end: date | None):
    if start:
        query = query.where(LedgerLine.created_at >= datetime.combine(start, time(), timezones.BEIJING))
    if end:
        query = query.where(LedgerLine.created_at < datetime.combine(end + timedelta(days=1),
                                                                     time(), timezones.BEIJING))
    return query


def _lines(where, start, end) -> list[LedgerLine]:
    query = (select(LedgerLine).where(*where)
             .options(selectinload(LedgerLine.payment).selectinload(Payment.listing),
                      selectinload(LedgerLine.payment).selectinload(Payment.payer_org))
             .order_by(LedgerLine.created_at, LedgerLine.payment_id, LedgerLine.entry,
                       LedgerLine.position))
    return list(db.session.scalars(_period(query, start, end)))


def inventor_lines(user_id: int, start: date | None = None, end: date | None = None):
    """The lines paid to one inventor account, oldest first."""
    return _lines([LedgerLine.user_id == user_id, LedgerLine.party == LedgerParty.INVENTOR],
                  start, end)


def university_lines(organisation_id: int, start: date | None = None, end: date | None = None):
    """Every line of the payments a university received, oldest first."""
    return _lines([LedgerLine.organisation_id == organisation_id], start, end)


def totals_by_party(organisation_id: int, start=None, end=None) -> dict[LedgerParty, Decimal]:
    query = _period(select(LedgerLine.party, func.sum(LedgerLine.amount))
                    .where(LedgerLine.organisation_id == organisation_id)
                    .group_by(LedgerLine.party), start, end)
    found = {party: Decimal(total) for party, total in db.session.execute(query)}
    return {party: found.get(party, Decimal("0.00")) for party in LedgerParty}


def total(lines: list[LedgerLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


def neutralise(value):
    """Make text that a spreadsheet would evaluate as a formula plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def party_label(line: LedgerLine) -> str:
    if line.party is LedgerParty.INVENTOR:
        return _("Inventor: %(name)s", name=line.inventor_name or "")
    if line.party is LedgerParty.TTO:
        return _("Technology-transfer office")
    return _("University")


def entry_label(line: LedgerLine) -> str:
    return _("Receipt") if line.entry is LedgerEntry.RECEIPT else _("Refund reversal")


def to_csv(lines: list[LedgerLine]) -> str:
    """The lines as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Date"), _("Payment number"), _("Listing"), _("Payer"), _("Entry"),
                     _("Party"), _("Percent of the payment"), _("Amount (CNY)")])
    for line in lines:
        payment = line.payment
        writer.writerow([
            line.created_at.astimezone(timezones.BEIJING).strftime("%Y-%m-%d %H:%M"),
            payment.public_id,
            neutralise(payment.listing.title),
            neutralise(payment.payer_org.name),
            entry_label(line),
            neutralise(party_label(line)),
            f"{line.percent.normalize():f}",
            f"{line.amount:.2f}",
        ])
    writer.writerow(["", "", "", "", "", _("Total"), "", f"{total(lines):.2f}"])
    return out.getvalue()
