"""Following listings and saved searches."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from marketplace.alerts import services as alerts
from marketplace.alerts.models import Frequency, ListingFollow, SavedSearch
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, safe_next
from marketplace.listings.models import Listing
from marketplace.listings.queries import SearchQuery
from marketplace.permissions import require

bp = Blueprint("alerts", __name__)


class SaveSearchForm(FlaskForm):
    name = StringField(validators=[Optional(), Length(max=120)])
    frequency = SelectField(choices=[SelectChoice(f.value, f.value) for f in Frequency], default="daily")


@bp.route("/alerts")
@login_required
def index():
    """The listings you follow and your saved searches."""
    follows = db.session.scalars(select(ListingFollow).where(ListingFollow.user_id == current_user.id)
                                 .options(selectinload(ListingFollow.listing))
                                 .order_by(ListingFollow.created_at.desc())).all()
    searches = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == current_user.id)
                                  .order_by(SavedSearch.created_at.desc())).all()
    return render_template("alerts/index.html", follows=follows, searches=searches,
                           form=FlaskForm(), SearchQuery=SearchQuery)


def _back(listing: Listing):
    return redirect(safe_next(request.form.get("next"))
                    or url_for("listings.detail", listing_id=listing.id))


@bp.route("/listings/<int:listing_id>/follow", methods=["POST"])
@login_required
def follow(listing_id):
    """Follow a listing."""
    listing = load_or_404(Listing, listing_id)
    require("listings.view", listing, missing=404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        alerts.follow(current_user, listing)
        flash(_("You follow this listing: you will be told when its state or terms change."),
              "success")
    return _back(listing)


@bp.route("/listings/<int:listing_id>/unfollow", methods=["POST"])
@login_required
def unfollow(listing_id):
    """Stop following a listing."""
    listing = load_or_404(Listing, listing_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    alerts.unfollow(current_user, listing)
    flash(_("You no longer follow this listing."), "info")
    return _back(listing)


@bp.route("/alerts/searches", methods=["POST"])
@login_required
def save_search():
    """Save the current search (its text and filters) for an e-mail digest."""
    form = SaveSearchForm()
    if not form.validate_on_submit():
        abort(400)
    query = SearchQuery.from_args(request.form)
    try:
        alerts.save_search(current_user, query, form.name.data, Frequency(form.frequency.data))
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("listings.search", **query.args()))
    flash(_("Search saved. New matching listings will be e-mailed to you."), "success")
    return redirect(url_for("alerts.index"))


@bp.route("/alerts/searches/<int:search_id>/delete", methods=["POST"])
@login_required
def delete_search(search_id):
    """Delete one of your saved searches."""
    saved = load_or_404(SavedSearch, search_id)
    require("alerts.own_search", saved, missing=404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    alerts.delete_search(current_user, saved)
    flash(_("The saved search is deleted."), "info")
    return redirect(url_for("alerts.index"))
