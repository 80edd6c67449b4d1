"""Open-licence pages: the public catalogue and verification, and the university's declarations and
recorded agreements (licences themselves: ``licence_routes``)."""

import hashlib
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace import uploads
from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import (
    flash_form_errors,
    flash_service_error,
    flash_service_errors,
    load_or_404,
    me,
    render_form,
)
from marketplace.licences import eligibility, verification
from marketplace.licences import services as declarations
from marketplace.licences.forms import (
    AgreementForm,
    AnnounceForm,
    DeclarationForm,
    ReasonForm,
    TerminateAgreementForm,
    VerifyForm,
)
from marketplace.licences.licensing import current_licence
from marketplace.licences.models import (
    DeclarationState,
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    RecordedAgreement,
)
from marketplace.listings.models import LegalStatus, Listing, ListingKind
from marketplace.permissions import (
    can,
    require,
    require_same_org,
    roles_required,
    verified_org_required,
)

bp = Blueprint("licences", __name__)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- Public ------------------------------------------------------------------------------------

@bp.route("/open-licences")
def index():
    """Announced open licences anyone may accept."""
    return render_template("licences/index.html", items=declarations.public_declarations())


@bp.route("/listings/<int:listing_id>/open-licence")
def listing_offer(listing_id):
    """Where a listing's 开放许可 chip leads: its announced declaration, which a company accepts."""
    item = load_or_404(Listing, listing_id)
    require("listings.view", item, missing=404)
    declaration = eligibility.announced_declaration(item.id)
    if declaration is None:  # withdrawn since the page was shown
        flash(_("This patent is no longer offered under an open licence. These are the open "
                "licences on offer now."), "info")
        return redirect(url_for("licences.index"))
    return redirect(url_for("licences.declaration", declaration_id=declaration.id))


def _visible_declaration(declaration_id: int) -> OpenLicenceDeclaration:
    declaration = load_or_404(OpenLicenceDeclaration, declaration_id)
    require("licences.view_declaration", declaration, missing=404)
    return declaration


@bp.route("/open-licences/<int:declaration_id>")
def declaration(declaration_id):
    """A declaration: its terms, and for its university the eligibility check and actions."""
    item = _visible_declaration(declaration_id)
    overseer = can("licences.manage_declaration", item)
    check = eligibility.check(item, declarations.today()) if overseer else None
    held = None
    if current_user.is_authenticated and current_user.role is Role.COMPANY:
        held = current_licence(item, current_user.organisation_id)
    licences = item.licences if overseer else []
    return render_template("licences/declaration.html", item=item, check=check,
                           held=held, licences=licences, expiry=eligibility.patent_expiry(item.listing),
                           announce_form=AnnounceForm(), reason_form=ReasonForm())


@bp.route("/verify", methods=["GET", "POST"])
def verify_upload():
    """Check an agreement file, a certificate or pasted agreement text."""
    form = VerifyForm()
    if form.validate_on_submit():
        candidates = []
        if form.file.data:
            content = form.file.data.stream.read(uploads.max_bytes() + 1)
            if len(content) > uploads.max_bytes():
                flash(uploads.too_large_message(), "error")
                return render_form("licences/verify.html", form, status=413, licence=None, digest=None)
            if content.startswith(b"%PDF-"):
                verdict, licence = verification.check_pdf(content)
                ok = (verdict is not None and verdict.unchanged) or (
                    licence is not None and (verdict is None or verdict.state == "unsigned"))
                return render_template("licences/verify.html", form=form, licence=licence,
                                       digest=None, verdict=verdict), 200 if ok else 422
            candidates.append(hashlib.sha256(content).hexdigest())
        if form.text.data:
            for text in (form.text.data, form.text.data.strip()):
                candidates.append(hashlib.sha256(text.encode("utf-8")).hexdigest())
        for digest in candidates:
            licence = db.session.scalar(select(OpenLicence).where(or_(
                OpenLicence.sha256 == digest, OpenLicence.certificate_sha256 == digest)))
            if licence is not None:
                return redirect(url_for("licences.verify", sha256=licence.sha256))
        if candidates:
            flash(_("No agreement signed on this platform matches: the file or text is not one we "
                    "issued, or it was changed."), "error")
            return render_form("licences/verify.html", form, status=404, licence=None, digest=None)
        flash(_("Choose a file or paste the text."), "error")
    return render_form("licences/verify.html", form, licence=None, digest=None)


@bp.route("/verify/<sha256>")
def verify(sha256):
    """Public check of an agreement by its SHA-256."""
    licence = None
    if _SHA256.match(sha256):
        licence = db.session.scalar(select(OpenLicence).where(OpenLicence.sha256 == sha256))
    status = 200 if licence is not None else 404
    return render_template("licences/verify.html", form=VerifyForm(), licence=licence,
                           digest=sha256[:64]), status


# --- The university's management -----------------------------------------------------------------

@bp.route("/manage/open-licences")
@roles_required(Role.TTO, Role.ADMIN)
def manage():
    """Declarations and licences of your university (admins: declarations awaiting announcement)."""
    chosen = request.args.get("listing", type=int)
    if chosen:
        return redirect(url_for("licences.listing", listing_id=chosen))
    query = select(OpenLicenceDeclaration).order_by(OpenLicenceDeclaration.updated_at.desc())
    licences_query = select(OpenLicence).order_by(OpenLicence.record_due_on)
    patents = []
    if current_user.role is Role.ADMIN:
        query = query.where(OpenLicenceDeclaration.state == DeclarationState.SUBMITTED)
        licences_query = licences_query.where(False)
    else:
        if not current_user.org_verified:
            abort(403, description=_("Your organisation has not been verified yet. You can act once "
                                     "an administrator has verified it."))
        org_id = current_user.organisation_id
        query = query.where(OpenLicenceDeclaration.organisation_id == org_id)
        licences_query = licences_query.where(OpenLicence.licensor_id == org_id,
                                              OpenLicence.state != LicenceState.TERMINATED)
        patents = db.session.scalars(select(Listing).where(
            Listing.organisation_id == org_id, Listing.legal_status == LegalStatus.GRANTED,
            Listing.kind != ListingKind.ACHIEVEMENT).order_by(Listing.title)).all()
    return render_template("licences/manage.html", items=db.session.scalars(query).all(),
                           licences=db.session.scalars(licences_query).all(), patents=patents,
                           today=declarations.today())


def _managed_listing(listing_id: int) -> Listing:
    listing = load_or_404(Listing, listing_id)
    if not can("licences.manage", listing):
        abort(403, description=_("This listing belongs to another university."))
    return listing


@bp.route("/manage/listings/<int:listing_id>/licensing")
@roles_required(Role.TTO)
@verified_org_required
def listing(listing_id):
    """A patent's open-licence declarations and the agreements recorded on it."""
    item = _managed_listing(listing_id)
    return _listing_page(item, AgreementForm())


def _listing_page(item: Listing, form: AgreementForm, status: int = 200):
    items = db.session.scalars(select(OpenLicenceDeclaration).where(
        OpenLicenceDeclaration.listing_id == item.id).order_by(OpenLicenceDeclaration.id.desc())).all()
    agreements = db.session.scalars(select(RecordedAgreement).where(
        RecordedAgreement.listing_id == item.id).order_by(RecordedAgreement.signed_on.desc())).all()
    return render_template("licences/listing.html", listing=item, items=items, agreements=agreements,
                           form=form, terminate_form=TerminateAgreementForm(),
                           active=eligibility.active_declaration(item.id),
                           expiry=eligibility.patent_expiry(item), today=declarations.today()), status


@bp.route("/manage/listings/<int:listing_id>/open-licence/new", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def create(listing_id):
    """Draft an open-licence declaration for a patent."""
    item = _managed_listing(listing_id)
    form = DeclarationForm()
    if request.method == "GET":
        form.notice_email.data = current_user.email
        form.payment_method.data = "lump_sum"
    if form.validate_on_submit():
        try:
            created = declarations.create_declaration(me(), item, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("licences/declaration_form.html", form, status=error.status_code,
                               listing=item, item=None)
        flash(_("Draft saved. Check the eligibility, then submit it."), "success")
        return redirect(url_for("licences.declaration", declaration_id=created.id))
    return render_form("licences/declaration_form.html", form, listing=item, item=None)


def _managed(declaration_id: int) -> OpenLicenceDeclaration:
    item = load_or_404(OpenLicenceDeclaration, declaration_id)
    if not current_user.is_admin:
        require_same_org(item.organisation_id)
    require("licences.manage_declaration", item)
    return item


@bp.route("/manage/open-licences/<int:declaration_id>/edit", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def edit(declaration_id):
    """Edit a draft declaration."""
    item = _managed(declaration_id)
    form = DeclarationForm(obj=item)
    if request.method == "GET":
        form.load(item)
    if form.validate_on_submit():
        try:
            declarations.update_declaration(me(), item, form.cleaned())
        except ServiceError as error:
            db.session.rollback()
            flash_service_error(error)
            return render_form("licences/declaration_form.html", form, status=error.status_code,
                               listing=item.listing, item=item)
        flash(_("Saved."), "success")
        return redirect(url_for("licences.declaration", declaration_id=item.id))
    return render_form("licences/declaration_form.html", form, listing=item.listing, item=item)


@bp.route("/manage/open-licences/<int:declaration_id>/<any(submit, announce, withdraw):action>",
          methods=["POST"])
@roles_required(Role.TTO, Role.ADMIN)
def change_state(declaration_id, action):
    """Submit, record the announcement of, or withdraw a declaration."""
    item = _managed(declaration_id)
    form = AnnounceForm() if action == "announce" else ReasonForm()
    back = redirect(url_for("licences.declaration", declaration_id=item.id))
    if action != "submit" and not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        if action == "announce":
            declarations.transition(me(), item, action, number=form.announcement_number.data,
                                    announced_on=form.announced_on.data)
        else:
            declarations.transition(me(), item, action,
                                    reason=form.reason.data if action == "withdraw" else None)
    except ServiceError as error:
        flash_service_error(error)
        return back
    flash({"submit": _("The declaration is submitted."),
           "announce": _("The announcement is recorded: companies can now accept the open licence."),
           "withdraw": _("The declaration is withdrawn. Licences already granted stay valid.")}[action],
          "success")
    return back


@bp.route("/manage/listings/<int:listing_id>/agreements", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def record_agreement(listing_id):
    """Record an agreement negotiated off the platform."""
    item = _managed_listing(listing_id)
    form = AgreementForm()
    if not form.validate_on_submit():
        return _listing_page(item, form, 422)
    try:
        declarations.record_agreement(me(), item, form.cleaned(), form.document.data or None)
    except ServiceError as error:
        db.session.rollback()
        flash_service_error(error)
        return _listing_page(item, form, error.status_code)
    flash(_("The agreement is recorded."), "success")
    return redirect(url_for("licences.listing", listing_id=item.id))


def _agreement(agreement_id: int) -> RecordedAgreement:
    agreement = load_or_404(RecordedAgreement, agreement_id)
    require_same_org(agreement.organisation_id)
    return agreement


@bp.route("/manage/agreements/<int:agreement_id>/document")
@roles_required(Role.TTO)
@verified_org_required
def agreement_document(agreement_id):
    """Download a recorded agreement's signed document."""
    agreement = _agreement(agreement_id)
    return uploads.send(agreement.stored_name, content_type="application/pdf",
                        download_name=agreement.document_name)


@bp.route("/manage/agreements/<int:agreement_id>/terminate", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def terminate_agreement(agreement_id):
    """Record that an agreement ended."""
    agreement = _agreement(agreement_id)
    form = TerminateAgreementForm()
    if form.validate_on_submit():
        with flash_service_errors():
            declarations.terminate_agreement(me(), agreement, form.day.data, form.reason.data)
            flash(_("The agreement is recorded as ended."), "success")
    else:
        flash(_("Give the day and the reason."), "error")
    return redirect(url_for("licences.listing", listing_id=agreement.listing_id))

