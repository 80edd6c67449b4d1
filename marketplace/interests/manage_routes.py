"""The NDA and confidential files of a listing, the pipeline page, and counting listing views
(views of the ``interests`` blueprint, beside those of ``interests.routes``)."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from marketplace import uploads
from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.interests import confidential, pipeline
from marketplace.interests.forms import FileForm, NdaAcceptForm, NdaForm
from marketplace.interests.models import ConfidentialFile, NdaAcceptance, NdaVersion
from marketplace.interests.nda import acceptance, accepted_interest, current_nda
from marketplace.interests.routes import bp
from marketplace.listings.models import Listing
from marketplace.listings.routes import editable_listing
from marketplace.permissions import can, require, roles_required, verified_org_required

log = logging.getLogger(__name__)
PERIODS = (30, 90, 365)


@bp.after_app_request
def count_listing_view(response):
    """Count a listing page view (one upsert; once per session and day; not the owners' own)."""
    if (request.endpoint == "listings.detail" and request.method == "GET"
            and response.status_code == 200):
        listing_id = (request.view_args or {}).get("listing_id")
        listing = db.session.get(Listing, listing_id)  # already loaded by the view: no query
        if listing is not None and listing.is_public and not (
                current_user.is_authenticated
                and current_user.organisation_id == listing.organisation_id):
            try:
                pipeline.count_view(listing.id)
            except SQLAlchemyError:  # a lost view must never break the page
                db.session.rollback()
                log.exception("could not count a view of listing %s", listing.id)
    return response


def _public_listing(listing_id: int) -> Listing:
    listing = load_or_404(Listing, listing_id)
    require("listings.view", listing, missing=404)
    return listing


@bp.route("/listings/<int:listing_id>/nda", methods=["GET", "POST"])
@login_required
def nda(listing_id):
    """Read the listing's NDA and accept it online (once your interest is accepted)."""
    listing = _public_listing(listing_id)
    version = current_nda(listing)
    if version is None:
        abort(404)
    user = me()
    require("interests.read_nda", listing)
    interest = accepted_interest(user, listing)
    form = NdaAcceptForm()
    if request.method == "GET":
        form.version_id.data, form.sha256.data = version.id, version.sha256
    if form.validate_on_submit():
        try:
            confidential.accept_nda(user, listing, int(form.version_id.data), form.sha256.data)
        except (ServiceError, ValueError) as error:
            flash(getattr(error, "message", str(error)), "error")
            return redirect(url_for("interests.nda", listing_id=listing.id))
        flash(_("You accepted the NDA. The confidential files are open to your organisation."),
              "success")
        return redirect(url_for("interests.thread", interest_id=interest.id, _anchor="confidential"))
    return render_form("interests/nda.html", form, listing=listing, version=version,
                       interest=interest, accepted=acceptance(user, version),
                       files=confidential.files_of(listing))


@bp.route("/listings/<int:listing_id>/confidential/<int:file_id>")
@login_required
def download_confidential(listing_id, file_id):
    """Download a confidential file: the university, or an accepted interest under the NDA."""
    listing = _public_listing(listing_id)
    item = load_or_404(ConfidentialFile, file_id)
    if item.listing_id != listing.id or not can("interests.open_confidential", listing):
        abort(404)
    confidential.record_download(me(), item)
    return uploads.download(item)


@bp.route("/manage/listings/<int:listing_id>/confidential", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def manage_confidential(listing_id):
    """The listing's NDA text (versioned), its confidential files and who accepted the NDA."""
    listing = editable_listing(listing_id)
    current = current_nda(listing)
    form = NdaForm()
    if request.method == "GET" and current is not None:
        form.text.data = current.text
    if form.validate_on_submit():
        try:
            version = confidential.set_nda(me(), listing, form.text.data)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("interests/confidential.html", form, status=error.status_code,
                               **_manage_context(listing))
        flash(_("NDA version %(n)d saved. Organisations must accept it to see the files.",
                n=version.number) if version else _("The NDA text is unchanged."), "success")
        return redirect(url_for("interests.manage_confidential", listing_id=listing.id))
    return render_form("interests/confidential.html", form, **_manage_context(listing))


def _manage_context(listing: Listing) -> dict:
    versions = db.session.scalars(db.select(NdaVersion).where(NdaVersion.listing_id == listing.id)
                                  .order_by(NdaVersion.number.desc())).all()
    accepted = db.session.scalars(
        db.select(NdaAcceptance).join(NdaVersion).where(NdaVersion.listing_id == listing.id)
        .order_by(NdaAcceptance.accepted_at.desc())).all()
    return {"listing": listing, "versions": versions, "acceptances": accepted,
            "files": confidential.files_of(listing), "file_form": FileForm(),
            "action_form": FlaskForm()}


@bp.route("/manage/listings/<int:listing_id>/confidential/files", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def upload_confidential(listing_id):
    """Add a confidential file."""
    listing = editable_listing(listing_id)
    form = FileForm()
    if not form.validate_on_submit():
        flash(_("Choose a file to attach."), "error")
        return redirect(url_for("interests.manage_confidential", listing_id=listing.id))
    with flash_service_errors():
        confidential.add_file(me(), listing, form.file.data)
        flash(_("The confidential file is added."), "success")
    return redirect(url_for("interests.manage_confidential", listing_id=listing.id))


@bp.route("/manage/listings/<int:listing_id>/confidential/files/<int:file_id>/delete",
          methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def delete_confidential(listing_id, file_id):
    """Remove a confidential file."""
    listing = editable_listing(listing_id)
    item = load_or_404(ConfidentialFile, file_id, listing_id=listing.id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    confidential.remove_file(me(), item)
    flash(_("The file is removed."), "info")
    return redirect(url_for("interests.manage_confidential", listing_id=listing.id))


@bp.route("/manage/pipeline")
@roles_required(Role.TTO)
@verified_org_required
def pipeline_page():
    """Your listings' funnel (views → interests → in discussion → deals) and decline reasons."""
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else None
    listing_id = request.args.get("listing", type=int)
    listing = None
    if listing_id is not None:
        listing = load_or_404(Listing, listing_id, organisation_id=current_user.organisation_id)
    data = pipeline.pipeline(current_user.organisation_id, days=days,
                             listing_id=listing.id if listing else None)
    return render_template("interests/pipeline.html", data=data, days=days, listing=listing,
                           PERIODS=PERIODS)
