"""Expressing interest, the interests of an organisation, and each interest's private thread."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from marketplace import text, uploads
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
from marketplace.interests import nda, queries, threads
from marketplace.interests import services as interests
from marketplace.interests.forms import DeclineForm, InterestForm, MessageForm
from marketplace.interests.labels import (
    EVENT_LABELS,
    STATUS_LABELS,
)
from marketplace.interests.models import (
    DeclineReason,
    Interest,
    InterestStatus,
    Message,
    MessageAttachment,
)
from marketplace.listings.models import Listing
from marketplace.notifications.services import read_by_link
from marketplace.pagination import paginate
from marketplace.permissions import (
    can,
    can_see_contacts,
    require,
    roles_required,
    verified_org_required,
)
from marketplace.permissions.interests import OWNER, PARTY, side

bp = Blueprint("interests", __name__)


@bp.route("/listings/<int:listing_id>/interest", methods=["GET", "POST"])
@roles_required(Role.COMPANY, Role.INVESTOR)
@verified_org_required
def express(listing_id):
    """Express your organisation's interest in a published listing."""
    listing = load_or_404(Listing, listing_id)
    if not listing.is_public:
        abort(404)
    existing = interests.live_interest(current_user.organisation_id, listing.id)
    if existing is not None:
        flash(_("Your organisation already has an open interest in this listing."), "info")
        return redirect(url_for("interests.thread", interest_id=existing.id))
    form = InterestForm()
    if form.validate_on_submit():
        try:
            interest = interests.express_interest(me(), listing, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("interests/express.html", form, status=error.status_code,
                               listing=listing)
        flash(_("Your interest was sent to the university."), "success")
        return redirect(url_for("interests.thread", interest_id=interest.id))
    return render_form("interests/express.html", form, listing=listing)


@bp.route("/interests")
@roles_required(Role.TTO, Role.COMPANY, Role.INVESTOR)
def index():
    """Interests your organisation expressed, or received for its listings."""
    me = current_user
    received = me.role is Role.TTO  # a university's interests are those in its listings
    waiting = request.args.get("waiting") == "1"
    query = queries.waiting_for(me) if waiting else queries.of_side(me)
    status = request.args.get("status", "")
    if status in {s.value for s in InterestStatus}:
        query = query.where(Interest.status == InterestStatus(status))
    q = " ".join(request.args.get("q", "").split())[:100]
    if q:
        query = query.where(or_(*(Listing.title.contains(spelling, autoescape=True)
                                  for spelling in text.variants(q))))
    page = paginate(query, per_page=30)
    unread = threads.unread_counts(me, [i.id for i in page.items])
    return render_template("interests/index.html", page=page, unread=unread, status=status, q=q,
                           received=received, waiting=waiting, InterestStatus=InterestStatus)


def _visible(interest_id: int) -> Interest:
    """The interest if the user is on one of its two sides; 404 otherwise (no existence leak)."""
    interest = load_or_404(Interest, interest_id)
    require("interests.view", interest, missing=404)
    return interest


@bp.route("/interests/<int:interest_id>")
@login_required
def thread(interest_id):
    """An interest: its details, status, contact details, and the private thread."""
    interest = _visible(interest_id)
    user = me()
    messages = db.session.scalars(select(Message).where(Message.interest_id == interest.id)
                                  .options(selectinload(Message.attachments),
                                           selectinload(Message.author))
                                  .order_by(Message.id)).all()
    last_read = threads.last_read(user, interest)
    threads.mark_read(user, interest)
    read_by_link(user, request.path)
    timeline = sorted([("message", m.created_at, m) for m in messages]
                      + [("event", e.created_at, e) for e in interest.events],
                      key=lambda item: (item[1], item[0] == "message"))
    current = nda.current_nda(interest.listing)
    return render_template(
        "interests/thread.html", interest=interest, side=side(user, interest),
        actions=interests.available_actions(user, interest),
        timeline=timeline, last_read=last_read, message_form=MessageForm(),
        decline_form=DeclineForm(), action_form=FlaskForm(),
        people=(interests.people_involved(interest)
                if interest.contacts_revealed and can_see_contacts(user) else None),
        nda=current, nda_accepted=nda.acceptance(user, current) is not None,
        confidential_open=can("interests.open_confidential", interest.listing),
        EVENT_LABELS=EVENT_LABELS, OWNER=OWNER, PARTY=PARTY)


@bp.route("/interests/<int:interest_id>/messages", methods=["POST"])
@roles_required(Role.TTO, Role.COMPANY, Role.INVESTOR)
@verified_org_required
def post_message(interest_id):
    """Write to the thread, optionally with a file."""
    interest = _visible(interest_id)
    form = MessageForm()
    if not form.validate_on_submit():
        flash_form_errors(form, _("The message could not be sent."))
        return redirect(url_for("interests.thread", interest_id=interest.id))
    upload = form.file.data if form.file.data and form.file.data.filename else None
    try:
        message = threads.post_message(me(), interest, form.body.data, upload)
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("interests.thread", interest_id=interest.id))
    return redirect(url_for("interests.thread", interest_id=interest.id,
                            _anchor=f"m{message.id}"))


@bp.route("/interests/<int:interest_id>/files/<int:file_id>")
@login_required
def message_file(interest_id, file_id):
    """Download a file attached to a thread message (the two sides only)."""
    interest = _visible(interest_id)
    item = load_or_404(MessageAttachment, file_id)
    if item.message.interest_id != interest.id:
        abort(404)
    return uploads.download(item)


@bp.route("/interests/<int:interest_id>/<any(accept, negotiate, deal, withdraw):action>",
          methods=["POST"])
@roles_required(Role.TTO, Role.COMPANY, Role.INVESTOR)
@verified_org_required
def change(interest_id, action):
    """Accept, move to negotiating, mark as a deal, or withdraw an interest."""
    interest = _visible(interest_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        interests.transition(me(), interest, action)
        flash(_("The interest is now “%(status)s”.", status=STATUS_LABELS[interest.status]),
              "success")
    return redirect(url_for("interests.thread", interest_id=interest.id))


@bp.route("/interests/<int:interest_id>/decline", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def decline(interest_id):
    """Decline an interest with a structured reason."""
    interest = _visible(interest_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("interests.thread", interest_id=interest.id))
    with flash_service_errors():
        interests.transition(me(), interest, "decline", reason=DeclineReason(form.reason.data),
                             reason_text=form.text.data)
        flash(_("The interest is declined."), "info")
    return redirect(url_for("interests.thread", interest_id=interest.id))


@bp.route("/interests/<int:interest_id>/share-contacts", methods=["POST"])
@roles_required(Role.COMPANY, Role.INVESTOR)
@verified_org_required
def share_contacts(interest_id):
    """Agree to show your people's contact details to the university."""
    interest = _visible(interest_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        interests.share_contacts(me(), interest)
        flash(_("Your contact details will be shown to the university while the interest is "
                "accepted."), "success")
    return redirect(url_for("interests.thread", interest_id=interest.id))
