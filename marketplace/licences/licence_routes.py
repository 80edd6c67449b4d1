"""Pages of licences: accepting an open licence, the licence, its certificate, payments, the trial,
royalty reports and CNIPA recordation."""

import io
import json

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace import kept_files, timezones
from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import (
    download_caching,
    flash_form_errors,
    flash_service_error,
    load_or_404,
    me,
    render_form,
)
from marketplace.licences import agreement as documents
from marketplace.licences import agreement_pdf as agreement_pdf_file
from marketplace.licences import licensing, royalties
from marketplace.licences.forms import DayForm, PayForm, ReasonForm, RecordForm, ReportForm, SignForm
from marketplace.licences.models import OpenLicence, OpenLicenceDeclaration, RoyaltyReport
from marketplace.licences.routes import bp
from marketplace.payments import services as payments
from marketplace.permissions import (
    can,
    login_required,
    require,
    roles_required,
    verified_org_required,
)


@bp.route("/open-licences/<int:declaration_id>/accept", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def accept(declaration_id):
    """Review the agreement generated from the declaration, then sign it."""
    declaration = load_or_404(OpenLicenceDeclaration, declaration_id)
    form = SignForm()
    trial = (request.values.get("trial") == "1")
    if request.method == "GET":
        form.signer_name.data = current_user.name
        form.signer_title.data = current_user.title
    try:
        terms = licensing.review(me(), declaration, trial)
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("licences.declaration", declaration_id=declaration.id))
    reviewed = documents.digest(documents.canonical(terms))
    if form.validate_on_submit():
        try:
            licence = licensing.accept(
                me(), declaration, signer_name=form.signer_name.data,
                signer_title=form.signer_title.data, consent=form.consent.data, trial=trial,
                reviewed_sha256=form.reviewed_sha256.data, ip=request.remote_addr,
                user_agent=request.user_agent.string)
        except ServiceError as error:
            db.session.rollback()
            flash_service_error(error)
            form.reviewed_sha256.data = reviewed
            return render_form("licences/accept.html", form, status=error.status_code,
                               declaration=declaration, terms=terms, trial=trial)
        flash(_("Signed. The written notice has been delivered to the patentee."), "success")
        return redirect(url_for("licences.licence", licence_id=licence.id))
    form.reviewed_sha256.data = reviewed
    form.trial.data = "1" if trial else ""
    return render_form("licences/accept.html", form, declaration=declaration, terms=terms, trial=trial)


@bp.route("/licences")
@login_required
def mine():
    """Licences your organisation holds or granted."""
    query = select(OpenLicence).order_by(OpenLicence.signed_at.desc())
    if not current_user.is_admin:
        org_id = current_user.organisation_id or -1
        query = query.where((OpenLicence.licensee_id == org_id) | (OpenLicence.licensor_id == org_id))
    return render_template("licences/mine.html", items=db.session.scalars(query.limit(500)).all())


def _visible(licence_id: int) -> OpenLicence:
    licence = load_or_404(OpenLicence, licence_id)
    require("licences.view", licence, missing=404)
    return licence


@bp.route("/licences/<int:licence_id>")
@login_required
def licence(licence_id):
    """A licence: its state, what is due, its reports, its agreement and certificate."""
    return _licence_page(_visible(licence_id))


def _licence_page(item: OpenLicence, report_form: ReportForm | None = None, status: int = 200):
    fee_payments = payments.payments_for(royalties.FEE_PURPOSE, item.id)
    report_payments = {r.id: payments.payments_for(royalties.ROYALTY_PURPOSE, r.id) for r in item.reports}
    return render_template(
        "licences/licence.html", item=item, document=json.loads(item.document),
        doc=json.loads(item.document), fee_payments=fee_payments,
        fee_open=any(p.state.is_pending for p in fee_payments), report_payments=report_payments,
        report_open={key: any(p.state.is_pending for p in value) for key, value in report_payments.items()},
        pay_form_data=PayForm(), day_form=DayForm(), reason_form=ReasonForm(),
        record_form=RecordForm(), report_form=report_form or ReportForm(),
        today=timezones.today()), status


@bp.route("/licences/<int:licence_id>/agreement.json")
@login_required
def agreement_file(licence_id):
    """Download the signed agreement exactly as frozen (its SHA-256 is the verification key); it
    records the signer's address and browser, so only for those who may see them."""
    item = _visible(licence_id)
    if not can("licences.see_signer_details", item):
        abort(403, description=_(
            "The agreement as signed records the signer's IP address and browser: your "
            "organisation's administrators and technology-transfer officers can download it. The "
            "agreement's text is on the licence page, and its fingerprint is checked on the public "
            "verification page."))
    return download_caching(send_file(
        io.BytesIO(item.document.encode("utf-8")), mimetype="application/json",
        as_attachment=True, download_name=f"open-licence-{item.sha256[:12]}.json"), public=False)


@bp.route("/licences/<int:licence_id>/agreement.pdf")
@login_required
def agreement_pdf(licence_id):
    """Download the agreement's text as a PDF signed by the platform (without the signer's
    address and browser, so for everyone who may see the licence)."""
    item = _visible(licence_id)
    content = agreement_pdf_file.FILES.content(item, "pdf")
    if content is None:
        return kept_files.pending(
            _("The signed PDF of the agreement is being made: try again in a minute."),
            url_for("licences.licence", licence_id=item.id), _("Back to the licence"))
    return download_caching(send_file(
        io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
        download_name=f"open-licence-agreement-{item.id}.pdf"), public=False)


@bp.route("/licences/<int:licence_id>/certificate.pdf")
@login_required
def certificate(licence_id):
    """Download the licence certificate (issued once the licence is in force)."""
    item = _visible(licence_id)
    if item.certificate_sha256 is None:
        abort(404)
    return download_caching(send_file(
        io.BytesIO(item.certificate_pdf), mimetype="application/pdf", as_attachment=True,
        download_name=f"open-licence-certificate-{item.id}.pdf"), public=False)


def _act(item: OpenLicence, action, success: str):
    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        flash_service_error(error)
        return redirect(url_for("licences.licence", licence_id=item.id))
    flash(success, "success")
    if isinstance(result, Response):
        return result
    return redirect(url_for("licences.licence", licence_id=item.id))


def _to_payment(payment):
    return redirect(url_for("payments.status", public_id=payment.public_id))


@bp.route("/licences/<int:licence_id>/pay", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def pay(licence_id):
    """Pay the fee (or convert a trial) by bank transfer or through Stripe."""
    item = _visible(licence_id)
    form = PayForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("licences.licence", licence_id=item.id))
    return _act(item, lambda: _to_payment(royalties.pay_fee(me(), item, form.method.data)),
                _("Payment started."))


@bp.route("/licences/<int:licence_id>/<any(first_revenue, record):action>", methods=["POST"])
@login_required
def dated(licence_id, action):
    """Report the first revenue of a trial, or record the CNIPA record number."""
    item = _visible(licence_id)
    if action == "first_revenue":
        form = DayForm()
        run = lambda: licensing.report_first_revenue(me(), item, form.day.data)  # noqa: E731
        done = _("The first revenue is reported; the fee is now due.")
    else:
        form = RecordForm()
        run = lambda: licensing.record_with_cnipa(  # noqa: E731
            me(), item, form.record_number.data, form.recorded_on.data)
        done = _("The CNIPA record is entered.")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("licences.licence", licence_id=item.id))
    return _act(item, run, done)


@bp.route("/licences/<int:licence_id>/<any(exit, cancel):action>", methods=["POST"])
@login_required
def end(licence_id, action):
    """Exit a trial (licensee), or end an unpaid licence (licensee or licensor)."""
    item = _visible(licence_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("licences.licence", licence_id=item.id))
    if action == "exit":
        return _act(item, lambda: licensing.exit_trial(me(), item, form.reason.data),
                    _("You have left the trial."))
    return _act(item, lambda: licensing.cancel_unpaid(me(), item, form.reason.data),
                _("The licence is ended."))


@bp.route("/licences/<int:licence_id>/reports", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def report(licence_id):
    """File a royalty report for a period."""
    item = _visible(licence_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return _licence_page(item, form, 422)
    return _act(item, lambda: royalties.file_report(
        me(), item, form.period_start.data, form.period_end.data, form.base_amount.data,
        form.note.data), _("The report is filed."))


@bp.route("/licences/<int:licence_id>/reports/<int:report_id>/pay", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def pay_report(licence_id, report_id):
    """Pay a report's royalty."""
    item = _visible(licence_id)
    entry = load_or_404(RoyaltyReport, report_id, licence_id=item.id)
    form = PayForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("licences.licence", licence_id=item.id))
    return _act(item, lambda: _to_payment(royalties.pay_report(me(), entry, form.method.data)),
                _("Payment started."))
