"""Public search and listing pages, and the university's management of its listings."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import uploads
from marketplace.accounts.models import Role, User
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.licences.eligibility import active_declaration
from marketplace.licences.models import DeclarationState
from marketplace.listings import cache, cards, identifiers
from marketplace.listings import services as listings
from marketplace.listings.forms import AttachmentForm, ListingForm, TransitionForm
from marketplace.listings.links import facet_links, translated_labels
from marketplace.listings.models import (
    Attachment,
    Listing,
    ListingState,
)
from marketplace.listings.queries import (
    SearchQuery,
    highlight,
    inventor_listings,
    related,
    run_search,
)
from marketplace.pagination import paginate
from marketplace.permissions import can, require, roles_required, verified_org_required
from marketplace.portfolio import services as portfolio

bp = Blueprint("listings", __name__)
ACTIONS = ("publish", "suspend", "convert", "withdraw")


@bp.route("/listings")
def search():
    """Search published patents and achievements, with facets; a number goes to its listing."""
    number, _problem = identifiers.application_number(request.args.get("q", ""))
    found = identifiers.listing_with_number(number) if number else None
    if found is not None:
        return redirect(url_for("listings.detail", listing_id=found.id))
    page = cache.page(_search_page) or _search_page()
    if "search_gap" in g:  # counted once the page is made, outside the cached computation
        portfolio.note_search(*g.search_gap)
    cache.yield_to_others()
    return page


def _search_page(**overrides) -> str:
    query = SearchQuery.from_args(request.args)
    # The results (facets, cards, pager) depend only on the query, the language and the data, so
    # the rendered block is cached; the layout around it (user, CSRF token) only for visitors.
    key = ("results-html", cache.scope(), str(get_locale()), request.script_root,
           tuple(query.args(page=query.page).items()))
    results_html = cache.cached(key, lambda: _results_block(query))
    return render_template("listings/search.html", query=query, results_html=results_html,
                           **overrides)


def _results_block(query: SearchQuery) -> str:
    """The results block of ``query`` (facets, cards, pager), rendered from a fresh search;
    for an application number that leads to no listing, what was understood instead."""
    number, problem = identifiers.application_number(query.q)
    if number or problem:
        return Markup(render_template("listings/_number_result.html", query=query,  # noqa: S704
                                      number=number, problem=problem))
    result = run_search(query, load=cards.load)
    if query.q and query.page == 1:  # a search that found too little is demand without supply
        g.search_gap = (query.q, query.field, len(result.items) - len(result.missing))
    labels = translated_labels()
    return cache.render_block("listings/search.html", "results", result=result, query=query,
                              facets=facet_links(query, result.facets, labels),
                              highlight=highlight, **labels)


def _visible_listing(listing_id: int) -> Listing:
    listing = load_or_404(Listing, listing_id)
    require("listings.view", listing, missing=404)
    return listing


@bp.route("/listings/<int:listing_id>")
def detail(listing_id):
    """A listing's public page."""
    listing = _visible_listing(listing_id)
    declaration = active_declaration(listing.id) if listing.kind.is_patent else None
    announced = declaration is not None and declaration.state is DeclarationState.ANNOUNCED
    if declaration is not None and not announced and not can("listings.edit", listing):
        declaration = None  # submitted to CNIPA: not public until it is announced
    return render_template("listings/detail.html", listing=listing, related=related(listing),
                           open_declaration=declaration, declaration_announced=announced)


@bp.route("/listings/<int:listing_id>/files/<int:attachment_id>")
def attachment(listing_id, attachment_id):
    """Download an attachment (always as a file, never rendered as a page)."""
    listing = _visible_listing(listing_id)
    item = load_or_404(Attachment, attachment_id, listing_id=listing.id)
    return uploads.download(item, public=listing.is_public)


@bp.route("/manage/listings")
@roles_required(Role.TTO)
@verified_org_required
def manage():
    """Your university's listings in every state."""
    state_value = request.args.get("state", "")
    query = (select(Listing).where(Listing.organisation_id == current_user.organisation_id)
             .order_by(Listing.updated_at.desc()).options(selectinload(Listing.modes)))
    if state_value in {s.value for s in ListingState}:
        query = query.where(Listing.state == ListingState(state_value))
    counts = dict(db.session.execute(
        select(Listing.state, func.count()).where(
            Listing.organisation_id == current_user.organisation_id).group_by(Listing.state)).all())
    page = paginate(query, per_page=50)
    return render_template("listings/manage.html", page=page, state=state_value, counts=counts,
                           ListingState=ListingState)


@bp.route("/my/listings")
@roles_required(Role.INVENTOR)
def mine():
    """The listings you are named on as an inventor."""
    items = db.session.scalars(inventor_listings(current_user.id)).all()
    return render_template("listings/mine.html", items=items)


def _inventor_accounts() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.organisation_id == current_user.organisation_id, User.role == Role.INVENTOR,
        User.active.is_(True)).order_by(User.name)))


@bp.route("/manage/listings/new", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def create():
    """Write a new listing (saved as a draft)."""
    form = ListingForm(inventor_accounts=_inventor_accounts())
    if request.method == "GET":
        form.contact_name.data = current_user.name
        form.contact_email.data = current_user.email
        form.trl.data = form.trl.data or 4
    if form.validate_on_submit():
        try:
            listing = listings.create_listing(me(), form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("listings/edit.html", form, status=error.status_code, listing=None)
        flash(_("Draft saved. Check it, then publish it."), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_form("listings/edit.html", form, listing=None)


def editable_listing(listing_id: int) -> Listing:
    """The listing the current user may edit (its university's tto), or 404 / 403; the listing
    pages and its confidential files' page load it this way."""
    listing = load_or_404(Listing, listing_id)
    if not can("listings.edit", listing):
        abort(403, description=_("This listing belongs to another university."))
    return listing


@bp.route("/manage/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def edit(listing_id):
    """Edit a listing."""
    listing = editable_listing(listing_id)
    form = ListingForm(obj=listing, listing=listing, inventor_accounts=_inventor_accounts())
    if request.method == "GET":
        form.inventor_user_ids.data = [user.id for user in listing.inventor_users]
        form.kind.data, form.field.data = listing.kind.value, listing.field
        form.legal_status.data, form.grade.data = listing.legal_status.value, listing.grade.value
        form.modes.data = [m.mode.value for m in listing.modes]
    if form.validate_on_submit():
        try:
            changed = listings.update_listing(me(), listing, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("listings/edit.html", form, status=error.status_code,
                               listing=listing)
        flash(_("Saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_form("listings/edit.html", form, listing=listing)


@bp.route("/manage/listings/<int:listing_id>/<any(publish, suspend, convert, withdraw):action>",
          methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def change_state(listing_id, action):
    """Publish, suspend, mark converted or withdraw a listing."""
    listing = editable_listing(listing_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_service_errors():
        listings.transition(me(), listing, action, form.reason.data)
        flash({"publish": _("The listing is published."), "suspend": _("The listing is suspended."),
               "convert": _("The listing is marked as converted."),
               "withdraw": _("The listing is withdrawn.")}[action], "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.route("/manage/listings/<int:listing_id>/files", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def upload(listing_id):
    """Attach a PDF or image to a listing."""
    listing = editable_listing(listing_id)
    form = AttachmentForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("Choose a file to attach."), "error")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    with flash_service_errors():
        listings.add_attachment(me(), listing, form.file.data.stream, form.file.data.filename)
        flash(_("The file is attached."), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.route("/manage/listings/<int:listing_id>/files/<int:attachment_id>/delete", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def delete_attachment(listing_id, attachment_id):
    """Remove an attachment."""
    listing = editable_listing(listing_id)
    item = load_or_404(Attachment, attachment_id, listing_id=listing.id)
    with flash_service_errors():
        listings.remove_attachment(me(), item)
        flash(_("The file is removed."), "info")
    return redirect(url_for("listings.detail", listing_id=listing.id))
