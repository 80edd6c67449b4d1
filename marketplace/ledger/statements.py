"""Statements: an inventor's lines, a university's lines, and their CSV exports."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import timezones
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerLine, LedgerParty
from marketplace.payments.models import Payment
from marketplace.spreadsheets import DATETIME, ID, MONEY, PERCENT, Column, csv_bytes


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


def party_label(line: LedgerLine) -> str:
    if line.party is LedgerParty.INVENTOR:
        return _("Inventor: %(name)s", name=line.inventor_name or "")
    if line.party is LedgerParty.TTO:
        return _("Technology-transfer office")
    return _("University")


def entry_label(line: LedgerLine) -> str:
    return _("Receipt") if line.entry is LedgerEntry.RECEIPT else _("Refund reversal")


def to_csv(lines: list[LedgerLine]) -> bytes:
    """The lines as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese), the header in
    row 1 and one row per line: no total row, so a column's sum is the total."""
    columns = [Column("date", _("Date"), DATETIME), Column("payment", _("Payment number"), ID),
               Column("listing", _("Listing")), Column("payer", _("Payer")),
               Column("entry", _("Entry")), Column("party", _("Party")),
               Column("percent", _("Percent of the payment"), PERCENT),
               Column("amount", _("Amount (CNY)"), MONEY)]
    rows = [{"date": line.created_at.astimezone(timezones.BEIJING),
             "payment": line.payment.public_id, "listing": line.payment.listing.title,
             "payer": line.payment.payer_org.name, "entry": entry_label(line),
             "party": party_label(line), "percent": line.percent, "amount": line.amount}
            for line in lines]
    return csv_bytes(columns, rows)
