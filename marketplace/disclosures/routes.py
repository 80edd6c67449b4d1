"""Invention disclosures: the inventors' form and page, the tto's assessment, reviews by invited
outsiders, the filing, its outcome, the listing draft, and the chain screen."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import uploads
from marketplace.accounts.models import Role
from marketplace.disclosures import assessment as assessing
from marketplace.disclosures import demo as _demo  # noqa: F401  (adds the demo loader)
from marketplace.disclosures import filing, queries
from marketplace.disclosures import metrics as _metrics  # noqa: F401  (the annual report's figures)
from marketplace.disclosures import services as disclosures
from marketplace.disclosures.chain import chain_of
from marketplace.disclosures.forms import (
    AssessmentForm,
    DisclosureForm,
    FileForm,
    FilingForm,
    InviteForm,
    OutcomeForm,
    ReviewForm,
)
from marketplace.disclosures.models import Disclosure, DisclosureFile, FilingOutcome
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
from marketplace.pagination import page_number
from marketplace.permissions import permission_required, require

bp = Blueprint("disclosures", __name__)
PER_PAGE = 30
VIEWS = ("open", "due", "reviews")


def _load(disclosure_id: int, action: str = "disclosures.view") -> Disclosure:
    """The disclosure, or 404 for anyone who may not see it (it is confidential before filing)."""
    disclosure = load_or_404(Disclosure, disclosure_id)
    require("disclosures.view", disclosure, missing=404)
    if action != "disclosures.view":
        require(action, disclosure)
    return disclosure


def _detail(disclosure: Disclosure):
    return redirect(url_for("disclosures.detail", disclosure_id=disclosure.id))


@bp.route("/disclosures")
@permission_required("disclosures.list")
def index():
    """The disclosures you filed, are named on, assess or review."""
    view = request.args.get("view") if request.args.get("view") in VIEWS else None
    query = queries.for_user(current_user, view)
    page = page_number()
    total = db.session.scalar(db.select(db.func.count()).select_from(
        query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("disclosures/index.html", rows=rows, view=view, total=total,
                           page=page, pages=max(1, -(-total // PER_PAGE)),
                           tto_views=current_user.role is Role.TTO)


def _prefill(form: DisclosureForm, disclosure: Disclosure | None) -> None:
    """The rows of the form from the disclosure (or the inventor alone for a new one)."""
    if disclosure is None:
        rows = [(current_user.name, current_user.email, None)]
        dates = []
    else:
        rows = [(i.name, i.user.email if i.user else "", i.share_pct) for i in disclosure.inventors]
        dates = [(d.kind.value, d.planned_on, d.venue, d.qualifying) for d in disclosure.public_dates]
    for row, (name, email, share) in zip(form.inventors, rows, strict=False):
        row.form.name.data, row.form.email.data, row.form.share_pct.data = name, email, share
    for row, (kind, day, venue, qualifying) in zip(form.public_dates, dates, strict=False):
        row.form.kind.data, row.form.planned_on.data = kind, day
        row.form.venue.data, row.form.qualifying.data = venue, qualifying


@bp.route("/disclosures/new", methods=["GET", "POST"])
@permission_required("disclosures.file")
def create():
    """File a new invention disclosure (a draft until you submit it)."""
    form = DisclosureForm()
    if request.method == "GET":
        _prefill(form, None)
    if form.validate_on_submit():
        try:
            disclosure = disclosures.create(me(), form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("disclosures/form.html", form, status=error.status_code,
                               disclosure=None)
        flash(_("Draft saved. Your co-inventors can now confirm their shares."), "success")
        return _detail(disclosure)
    return render_form("disclosures/form.html", form, disclosure=None,
                       status=422 if request.method == "POST" else None)


@bp.route("/disclosures/<int:disclosure_id>/edit", methods=["GET", "POST"])
@login_required
def edit(disclosure_id):
    """Change your draft disclosure."""
    disclosure = _load(disclosure_id, "disclosures.edit")
    form = DisclosureForm()
    if request.method == "GET":
        for name in disclosures.FIELDS:
            getattr(form, name).data = getattr(disclosure, name)
        _prefill(form, disclosure)
    if form.validate_on_submit():
        try:
            disclosures.update(me(), disclosure, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("disclosures/form.html", form, status=error.status_code,
                               disclosure=disclosure)
        flash(_("Draft saved."), "success")
        return _detail(disclosure)
    return render_form("disclosures/form.html", form, disclosure=disclosure,
                       status=422 if request.method == "POST" else None)


@bp.route("/disclosures/<int:disclosure_id>")
@login_required
def detail(disclosure_id):
    """A disclosure: its state, inventors and confirmations, dates, files, assessment, filing."""
    disclosure = _load(disclosure_id)
    form = _assessment_form(disclosure, formdata=None)
    return render_template(
        "disclosures/detail.html", disclosure=disclosure, deadlines=[
            (d, disclosures.deadline_for(d)) for d in disclosure.public_dates],
        file_form=FileForm(formdata=None), invite_form=InviteForm(formdata=None),
        filing_form=FilingForm(formdata=None), outcome_form=OutcomeForm(formdata=None),
        assessment_form=form)


@bp.route("/disclosures/<int:disclosure_id>/submit", methods=["POST"])
@login_required
def submit(disclosure_id):
    """Submit your draft to the technology-transfer office."""
    disclosure = _load(disclosure_id, "disclosures.edit")
    with flash_service_errors():
        disclosures.submit(me(), disclosure)
        flash(_("Submitted. The technology-transfer office has been told."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/confirm", methods=["POST"])
@login_required
def confirm(disclosure_id):
    """Confirm your contribution share."""
    disclosure = _load(disclosure_id, "disclosures.confirm")
    with flash_service_errors():
        disclosures.confirm_share(me(), disclosure)
        flash(_("Your share is confirmed."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/files", methods=["POST"])
@login_required
def upload(disclosure_id):
    """Attach a PDF or image to the disclosure."""
    disclosure = _load(disclosure_id, "disclosures.attach")
    form = FileForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("Choose a file to upload."), "error")
        return _detail(disclosure)
    with flash_service_errors():
        disclosures.add_file(me(), disclosure, form.file.data.stream, form.file.data.filename)
        flash(_("File added."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/files/<int:file_id>")
@login_required
def download(disclosure_id, file_id):
    """Download a file of the disclosure."""
    disclosure = _load(disclosure_id)
    item = load_or_404(DisclosureFile, file_id, disclosure_id=disclosure.id)
    return uploads.download(item)


def _assessment_form(disclosure: Disclosure, **kwargs) -> AssessmentForm:
    """The assessment form, filled from the saved assessment (or the disclosure's field)."""
    assessment = disclosure.assessment
    form = AssessmentForm(obj=assessment, **kwargs)
    if request.method == "GET" or kwargs.get("formdata", True) is None:
        if assessment is None:
            form.market_field.data = disclosure.field
        else:
            form.recommendation.data = assessment.recommendation.value
            form.grade.data = assessment.grade.value
        form.decision_note.data = disclosure.decision_note
    return form


@bp.route("/disclosures/<int:disclosure_id>/assessment", methods=["GET", "POST"])
@login_required
def assess(disclosure_id):
    """The pre-filing assessment: save it, or save it and record the decision."""
    disclosure = _load(disclosure_id, "disclosures.assess")
    form = _assessment_form(disclosure)
    if form.validate_on_submit():
        decide = "decide" in request.form
        try:
            assessing.save(me(), disclosure, form.cleaned(), decide=decide,
                           note=form.decision_note.data)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("disclosures/assess.html", form, status=error.status_code,
                               disclosure=disclosure)
        flash(_("Decision recorded; the inventors have been told.") if decide
              else _("Assessment saved."), "success")
        return _detail(disclosure)
    return render_form("disclosures/assess.html", form, disclosure=disclosure)


@bp.route("/disclosures/<int:disclosure_id>/reviewers", methods=["POST"])
@login_required
def invite(disclosure_id):
    """Invite an outside reviewer to score the disclosure."""
    disclosure = _load(disclosure_id, "disclosures.assess")
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Give the reviewer's e-mail address."), "error")
        return _detail(disclosure)
    with flash_service_errors():
        assessing.invite_reviewer(me(), disclosure, form.email.data)
        flash(_("Reviewer invited."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/review", methods=["GET", "POST"])
@login_required
def review(disclosure_id):
    """Your scores as an invited reviewer."""
    disclosure = _load(disclosure_id, "disclosures.review")
    mine = next(r for r in disclosure.reviewers if r.user_id == current_user.id)
    form = ReviewForm(obj=mine)
    if form.validate_on_submit():
        try:
            assessing.record_review(me(), disclosure, form.data, form.comment.data)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("disclosures/review.html", form, status=error.status_code,
                               disclosure=disclosure, reviewer=mine)
        flash(_("Your review is recorded. Thank you."), "success")
        return redirect(url_for("disclosures.review", disclosure_id=disclosure.id))
    return render_form("disclosures/review.html", form, disclosure=disclosure, reviewer=mine)


@bp.route("/disclosures/<int:disclosure_id>/filing", methods=["POST"])
@login_required
def file_application(disclosure_id):
    """Record the patent application filed for the disclosure."""
    disclosure = _load(disclosure_id, "disclosures.assess")
    form = FilingForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _detail(disclosure)
    with flash_service_errors():
        filing.record_filing(me(), disclosure, form.application_number.data, form.filed_on.data)
        flash(_("Application recorded; the inventors have been told."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/outcome", methods=["POST"])
@login_required
def outcome(disclosure_id):
    """Record CNIPA's grant or refusal of the application."""
    disclosure = _load(disclosure_id, "disclosures.assess")
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(_("Choose the result and give its date."), "error")
        return _detail(disclosure)
    with flash_service_errors():
        filing.record_outcome(me(), disclosure, FilingOutcome(form.outcome.data), form.on.data,
                              form.reason.data)
        flash(_("Result recorded; the inventors have been told."), "success")
    return _detail(disclosure)


@bp.route("/disclosures/<int:disclosure_id>/listing", methods=["POST"])
@login_required
def make_listing(disclosure_id):
    """Make a listing draft from the patent, its disclosure and assessment."""
    disclosure = _load(disclosure_id, "disclosures.assess")
    try:
        listing = filing.make_listing(me(), disclosure)
    except ServiceError as error:
        flash_service_error(error)
        return _detail(disclosure)
    flash(_("Listing draft made with the inventors' shares. Choose its conversion modes and "
            "publish it."), "success")
    return redirect(url_for("listings.edit", listing_id=listing.id))


@bp.route("/disclosures/<int:disclosure_id>/chain")
@login_required
def chain(disclosure_id):
    """From the disclosure to its deals: application, patent, listing, interests, deals."""
    disclosure = _load(disclosure_id)
    return render_template("disclosures/chain.html", chain=chain_of(disclosure))
