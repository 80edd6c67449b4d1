"""Payment pages: the payer's status page, the Stripe return page and webhook, the university's
confirmation and refunds, and the lists for payers, universities and the operators."""

import logging
from decimal import Decimal

import stripe
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import csrf, db
from marketplace.http import flash_service_error, flash_service_errors, me, render_form
from marketplace.ledger import services as ledger
from marketplace.orgs.models import Organisation
from marketplace.pagination import paginate
from marketplace.payments import queries, registry
from marketplace.payments import services as payments
from marketplace.payments.forms import EmptyForm, ReasonForm
from marketplace.payments.models import Payment, PaymentMethod, PaymentState
from marketplace.payments.providers import ProviderError
from marketplace.permissions import admin_required, require, roles_required, verified_org_required

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)
PER_PAGE = 50


def _payment(public_id: str) -> Payment:
    """The payment, if the current user may see it; otherwise 404 (no existence leak)."""
    payment = db.session.scalar(select(Payment).where(Payment.public_id == public_id))
    if payment is None:
        abort(404)
    require("payments.view", payment, missing=404)
    return payment


@bp.route("/payments/<public_id>")
@login_required
def status(public_id):
    """A payment's status, how to pay it, and what it is for."""
    payment = _payment(public_id)

    title, link = registry.describe(payment)
    finance = ledger.finance_of(payment.payee_org_id)
    return render_template(
        "payments/status.html", payment=payment, title=title, link=link, finance=finance,
        form=EmptyForm(), reason_form=ReasonForm())


@bp.route("/payments/<public_id>/return")
@login_required
def stripe_return(public_id):
    """Where Stripe Checkout sends the payer back; fulfils the payment if Stripe says it is paid."""
    payment = _payment(public_id)
    session_id = request.args.get("session_id", "")
    if payment.method is PaymentMethod.STRIPE and payment.state is PaymentState.PENDING:
        if not session_id or session_id != payment.provider_session_id:
            abort(404)
        try:
            session = registry.get_provider("stripe").checkout_session(session_id)
            payment, _outcome = payments.fulfil_from_stripe(
                payment.public_id, session.get("payment_intent"), source="return page",
                checkout_session_id=session_id)
        except ProviderError:
            db.session.rollback()
            log.exception("success page could not reach Stripe for %s", public_id)
    if payment.state is PaymentState.SUCCEEDED:
        flash(_("Thank you: the payment is received."), "success")
    elif payment.state is PaymentState.PENDING:
        flash(_("Stripe is still confirming the payment. This page shows the result as soon as "
                "it arrives."), "info")
    return redirect(url_for("payments.status", public_id=payment.public_id))


@bp.route("/payments/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events (checkout completed / async result, refunds)."""
    provider = registry.get_provider("stripe")
    try:
        event = provider.parse_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("refused a Stripe webhook: %s", error)
        return jsonify(error="invalid signature or payload"), 400
    try:
        outcome = payments.handle_stripe_event(event)
    except ProviderError:
        db.session.rollback()
        log.exception("Stripe webhook %s: could not reach Stripe; it will retry", event["id"])
        return jsonify(error="provider unavailable"), 503
    return jsonify(received=True, outcome=outcome)


@bp.route("/payments/<public_id>/confirm", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def confirm(public_id):
    """The receiving university confirms that a bank transfer arrived."""
    payment = _payment(public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        payments.confirm_bank_transfer(payment, me())
        flash(_("Receipt confirmed. The payer has been told."), "success")
    return redirect(url_for("payments.status", public_id=public_id))


@bp.route("/payments/<public_id>/cancel", methods=["POST"])
@login_required
def cancel(public_id):
    """Cancel a pending bank transfer, with a reason."""
    payment = _payment(public_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return redirect(url_for("payments.status", public_id=public_id))
    with flash_service_errors():
        payments.cancel_payment(payment, me(), form.reason.data)
        flash(_("The payment is cancelled."), "info")
    return redirect(url_for("payments.status", public_id=public_id))


@bp.route("/payments/<public_id>/refund", methods=["GET", "POST"])
@roles_required(Role.TTO, Role.ADMIN)
def refund(public_id):
    """Refund a received payment, with a reason (the receiving university's tto or an admin)."""
    payment = _payment(public_id)
    require("payments.refund", payment)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            payments.refund(payment, me(), form.reason.data)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("payments/refund.html", form, status=error.status_code,
                               payment=payment)
        flash(_("The payment is refunded."), "success")
        return redirect(url_for("payments.status", public_id=public_id))
    return render_form("payments/refund.html", form, payment=payment)


@bp.route("/my/payments")
@roles_required(Role.COMPANY, Role.INVESTOR)
def mine():
    """Payments your organisation made or has to make."""
    state_value = request.args.get("state", "")
    query = queries.filtered(
        select(Payment).where(Payment.payer_org_id == current_user.organisation_id)
        .options(selectinload(Payment.payee_org)).order_by(Payment.id.desc()), state_value)
    page = paginate(query, per_page=PER_PAGE)
    return render_template("payments/mine.html", page=page, state=state_value,
                           PaymentState=PaymentState)


@bp.route("/manage/payments")
@roles_required(Role.TTO)
@verified_org_required
def manage():
    """Payments to your university: confirm transfers, refund, see what arrived."""
    state_value = request.args.get("state", "")
    method_value = request.args.get("method", "")
    org_id = current_user.organisation_id
    query = queries.received_by(org_id, state_value, method_value).options(
        selectinload(Payment.payer_org), selectinload(Payment.listing))
    counts = dict(db.session.execute(select(Payment.state, func.count()).where(
        Payment.payee_org_id == org_id).group_by(Payment.state)).all())
    received = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.payee_org_id == org_id, Payment.state == PaymentState.SUCCEEDED))
    page = paginate(query, per_page=PER_PAGE)
    return render_template("payments/manage.html", page=page, state=state_value, counts=counts,
                           method=method_value,
                           received=Decimal(received), PaymentState=PaymentState)


@bp.route("/admin/payments")
@admin_required
def admin_overview():
    """Every payment on the platform, with totals by state and by university."""
    state_value = request.args.get("state", "")
    totals = db.session.execute(select(Payment.state, func.count(), func.sum(Payment.amount))
                                .group_by(Payment.state)).all()

    by_university = db.session.execute(
        select(Organisation.name, func.count(), func.sum(Payment.amount))
        .join(Organisation, Organisation.id == Payment.payee_org_id)
        .where(Payment.state == PaymentState.SUCCEEDED)
        .group_by(Organisation.name).order_by(func.sum(Payment.amount).desc())).all()
    attention = request.args.get("attention") == "1"
    query = (queries.needing_attention() if attention
             else queries.filtered(select(Payment).order_by(Payment.id.desc()), state_value))
    query = query.options(selectinload(Payment.payer_org), selectinload(Payment.payee_org))
    page = paginate(query, per_page=PER_PAGE)
    return render_template("payments/admin.html", page=page, state=state_value, totals=totals,
                           attention=attention,
                           by_university=by_university, PaymentState=PaymentState)
