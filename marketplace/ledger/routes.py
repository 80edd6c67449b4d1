"""Revenue settings, inventor shares and statements for universities and inventors."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, load_or_404, me, render_form, send_download
from marketplace.ledger import services as ledger
from marketplace.ledger import statements
from marketplace.ledger.forms import FinanceForm, PeriodForm, SharesForm
from marketplace.ledger.models import InventorShare, LedgerParty
from marketplace.listings.models import Listing, ListingState
from marketplace.pagination import page_number
from marketplace.permissions import permission_required, require, roles_required, verified_org_required
from marketplace.spreadsheets import CSV_TYPE

bp = Blueprint("ledger", __name__)


@bp.route("/manage/revenue/settings", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
@permission_required("ledger.university")
def settings():
    """Your university's revenue split (inventors, office, university) and bank account."""
    finance = ledger.finance_of(current_user.organisation_id)
    form = FinanceForm(obj=finance)
    if request.method == "GET" and finance is None:
        form.inventors_pct.data, form.tto_pct.data, form.university_pct.data = ledger.default_split()
    if form.validate_on_submit():
        try:
            ledger.save_finance(me(), current_user.organisation_id, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("ledger/settings.html", form, status=error.status_code,
                               finance=finance, **_listing_shares())
        flash(_("Saved. Payments from now on are split this way."), "success")
        return redirect(url_for("ledger.settings"))
    return render_form("ledger/settings.html", form, finance=finance, **_listing_shares())


def _listing_shares() -> dict:
    """The university's listings, 50 a page, with how many contribution shares each records."""
    counts = (select(InventorShare.listing_id, func.count().label("shares"))
              .group_by(InventorShare.listing_id).subquery())
    query = (select(Listing, func.coalesce(counts.c.shares, 0))
             .outerjoin(counts, counts.c.listing_id == Listing.id)
             .where(Listing.organisation_id == current_user.organisation_id,
                    Listing.state != ListingState.WITHDRAWN)
             .order_by(Listing.title, Listing.id))
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(Listing.id).subquery()))
    rows = db.session.execute(query.limit(50).offset((page - 1) * 50)).all()
    return {"share_rows": rows, "share_page": page, "share_pages": max(1, -(-total // 50))}


@bp.route("/manage/listings/<int:listing_id>/shares", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def shares(listing_id):
    """The inventors' contribution shares of a listing."""
    listing = load_or_404(Listing, listing_id)
    require("listings.edit", listing, missing=404)
    accounts = list(db.session.scalars(select(User).where(
        User.organisation_id == listing.organisation_id, User.role == Role.INVENTOR,
        User.active.is_(True)).order_by(User.name)))
    form = SharesForm(accounts=accounts)
    if request.method == "GET":
        current = ledger.shares_of(listing)
        if current:
            rows = [(s.name, s.user_id or 0, s.share_pct) for s in current]
        else:
            linked = {user.name: user.id for user in listing.inventor_users}
            names = ledger.split_names(listing.inventors)
            rows = [(name, linked.get(name, 0), None) for name in names]
        for row, (name, user_id, share) in zip(form.rows, rows, strict=False):
            row.form.name.data, row.form.user_id.data, row.form.share_pct.data = name, user_id, share
    if form.validate_on_submit():
        try:
            ledger.save_shares(me(), listing, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("ledger/shares.html", form, status=error.status_code,
                               listing=listing)
        flash(_("Contribution shares saved."), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    invalid = 422 if request.method == "POST" else None  # the total's error is not a field's
    return render_form("ledger/shares.html", form, status=invalid, listing=listing)


def _period() -> PeriodForm:
    form = PeriodForm(request.args)
    form.validate()
    return form


def _csv(lines, name: str, ascii_name: str, period: PeriodForm) -> Response:
    dates = "-".join(day.isoformat() for day in (period.start.data, period.end.data) if day)
    suffix = f"-{dates}" if dates else ""
    return send_download(statements.to_csv(lines), mimetype=CSV_TYPE, name=f"{name}{suffix}.csv",
                         ascii_name=f"{ascii_name}{suffix}.csv")


@bp.route("/manage/revenue")
@roles_required(Role.TTO)
@verified_org_required
@permission_required("ledger.university")
def university_statement():
    """Your university's statement: every ledger line, with totals by party."""
    period = _period()
    lines = statements.university_lines(current_user.organisation_id, period.start.data,
                                        period.end.data)
    return render_template(
        "ledger/university.html", lines=lines, period=period, total=statements.total(lines),
        totals=statements.totals_by_party(current_user.organisation_id, period.start.data,
                                          period.end.data),
        LedgerParty=LedgerParty, statements=statements)


@bp.route("/manage/revenue.csv")
@roles_required(Role.TTO)
@verified_org_required
@permission_required("ledger.university")
def university_csv():
    """The university's statement as CSV."""
    period = _period()
    lines = statements.university_lines(current_user.organisation_id, period.start.data,
                                        period.end.data)
    return _csv(lines, _("Revenue statement"), f"bxqx-revenue-{current_user.organisation_id}",
                period)


@bp.route("/my/revenue")
@roles_required(Role.INVENTOR)
def my_statement():
    """Your share of the payments for the listings you invented."""
    period = _period()
    lines = statements.inventor_lines(current_user.id, period.start.data, period.end.data)
    return render_template("ledger/mine.html", lines=lines, period=period,
                           total=statements.total(lines), statements=statements)


@bp.route("/my/revenue.csv")
@roles_required(Role.INVENTOR)
def my_csv():
    """Your statement as CSV."""
    period = _period()
    lines = statements.inventor_lines(current_user.id, period.start.data, period.end.data)
    return _csv(lines, _("My revenue"), f"bxqx-my-revenue-{current_user.id}", period)
