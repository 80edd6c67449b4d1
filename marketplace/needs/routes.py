"""Technology needs: the public list, a need's page with matches and proposals, the company's
management, the tto's matched needs, and "为您推荐" with its preference profile."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

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
from marketplace.listings.models import Listing, ListingState
from marketplace.needs import queries, services
from marketplace.needs.forms import (
    DecisionForm,
    InviteForm,
    NeedForm,
    PreferenceForm,
    ProposalForm,
    StateForm,
)
from marketplace.needs.models import Need, NeedState, Proposal
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from marketplace.permissions import can, login_required, require, roles_required, verified_org_required

bp = Blueprint("needs", __name__)


@bp.route("/needs")
def index():
    """Public technology needs, with search and filters."""
    query = queries.NeedQuery.from_args(request.args)
    return render_template("needs/index.html", query=query, page=queries.public_needs(query))


def _visible(need_id: int) -> Need:
    need = load_or_404(Need, need_id)
    require("needs.view", need, missing=404)
    return need


def _own_published_listings() -> list[Listing]:
    return list(db.session.scalars(sa.select(Listing).where(
        Listing.organisation_id == current_user.organisation_id,
        Listing.state == ListingState.PUBLISHED).order_by(Listing.title)))


def _proposal_form(need: Need, matches) -> ProposalForm | None:
    """The tto's form, its own listings best-matching first; None for everyone else."""
    if not (need.takes_proposals and can("needs.propose")):
        return None
    own = _own_published_listings()
    scores = {m.listing_id: m.score for m in matches}
    taken = {p.listing_id for p in need.proposals}
    own = sorted((li for li in own if li.id not in taken), key=lambda li: -scores.get(li.id, 0))
    return ProposalForm(listings=own) if own else None


@bp.route("/needs/<int:need_id>")
def detail(need_id):
    """A need: its terms; for the company its matches and proposals; for a tto the proposal form."""
    need = _visible(need_id)
    manage = can("needs.manage", need)
    is_company = can("needs.see_proposals", need)
    matches = queries.need_matches(need) if is_company else []
    if current_user.is_authenticated and current_user.role is Role.TTO:
        own_matches = [m for m in queries.need_matches(need, limit=200)
                       if m.listing.organisation_id == current_user.organisation_id]
    else:
        own_matches = []
    if is_company:
        proposals = need.proposals
    elif current_user.is_authenticated:
        proposals = [p for p in need.proposals if p.organisation_id == current_user.organisation_id]
    else:
        proposals = []
    invite_form = None
    if manage and need.state is not NeedState.CLOSED:
        invited = {i.organisation_id for i in need.invitations}
        universities = [org for org in db.session.scalars(sa.select(Organisation).where(
            Organisation.kind == OrgKind.UNIVERSITY, Organisation.status == OrgStatus.VERIFIED)
            .order_by(Organisation.name)) if org.id not in invited]
        invite_form = InviteForm(universities=universities) if universities else None
    return render_template(
        "needs/detail.html", need=need, manage=manage, is_company=is_company, matches=matches,
        own_matches=own_matches, proposals=proposals, proposal_form=_proposal_form(need, own_matches),
        invite_form=invite_form, decision_form=DecisionForm(), state_form=StateForm())


@bp.route("/manage/needs")
@roles_required(Role.COMPANY)
@verified_org_required
def manage():
    """Your company's needs in every state."""
    needs = db.session.scalars(
        sa.select(Need).where(Need.organisation_id == current_user.organisation_id)
        .order_by(Need.updated_at.desc()).options(selectinload(Need.proposals))).all()
    return render_template("needs/manage.html", needs=needs)


@bp.route("/manage/needs/new", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def create():
    """Write a technology need (saved as a draft, or published)."""
    form = NeedForm()
    if form.validate_on_submit():
        try:
            need = services.create_need(me(), form.cleaned(), publish="publish" in request.form)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("needs/edit.html", form, status=error.status_code, need=None)
        flash(_("The need is published.") if need.state is NeedState.OPEN
              else _("Draft saved. Check its matches, then publish it."), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_form("needs/edit.html", form, need=None)


def _managed(need_id: int) -> Need:
    need = load_or_404(Need, need_id)
    require("needs.manage", need, missing=404)
    return need


@bp.route("/manage/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def edit(need_id):
    """Edit a draft or open need."""
    need = _managed(need_id)
    form = NeedForm(obj=need)
    if request.method == "GET":
        form.fill(need)
    if form.validate_on_submit():
        try:
            changed = services.update_need(me(), need, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("needs/edit.html", form, status=error.status_code, need=need)
        flash(_("Saved; the matches are being updated.") if changed else _("Nothing was changed."),
              "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_form("needs/edit.html", form, need=need)


@bp.route("/manage/needs/<int:need_id>/<any(publish, close, reopen):action>", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def change_state(need_id, action):
    """Publish, close or reopen a need."""
    need = _managed(need_id)
    if not StateForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        services.transition(me(), need, action)
        flash({"publish": _("The need is published."), "close": _("The need is closed."),
               "reopen": _("The need is open again.")}[action], "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/manage/needs/<int:need_id>/invite", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def invite(need_id):
    """Invite a university to see the need and propose listings."""
    need = _managed(need_id)
    form = InviteForm(universities=db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.UNIVERSITY, Organisation.status == OrgStatus.VERIFIED)))
    if not form.validate_on_submit():
        flash(_("Choose a university to invite."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    with flash_service_errors():
        services.invite(me(), need, db.session.get(Organisation, form.organisation_id.data))
        flash(_("The university is invited."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/needs/<int:need_id>/propose", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def propose(need_id):
    """Propose one of your university's published listings to a need."""
    need = _visible(need_id)
    form = ProposalForm(listings=_own_published_listings())
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("needs.detail", need_id=need.id))
    listing = db.session.get(Listing, form.listing_id.data)
    with flash_service_errors():
        services.propose(me(), need, listing, form.note.data)
        flash(_("Your proposal is sent to the company."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


def _proposal(proposal_id: int) -> Proposal:
    proposal = load_or_404(Proposal, proposal_id)
    require("needs.view_proposal", proposal, missing=404)
    return proposal


@bp.route("/proposals/<int:proposal_id>/<any(accept, decline):action>", methods=["POST"])
@roles_required(Role.COMPANY)
@verified_org_required
def decide(proposal_id, action):
    """Accept a proposal for discussion, or decline it."""
    proposal = _proposal(proposal_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_service_errors():
        services.decide(me(), proposal, action, form.note.data)
        flash(_("Accepted for discussion; contact the university.") if action == "accept"
              else _("The proposal is declined."), "success")
    return redirect(url_for("needs.detail", need_id=proposal.need_id))


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def withdraw(proposal_id):
    """Withdraw your university's unanswered proposal."""
    proposal = _proposal(proposal_id)
    if not StateForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        services.withdraw_proposal(me(), proposal)
        flash(_("The proposal is withdrawn."), "info")
    return redirect(url_for("needs.detail", need_id=proposal.need_id))


@bp.route("/needs/matched")
@roles_required(Role.TTO)
@verified_org_required
def matched():
    """Open needs your listings match, private needs shared with you, and your proposals."""
    org_id = current_user.organisation_id
    return render_template("needs/matched.html", matches=queries.university_matches(org_id),
                           shared=queries.shared_private_needs(org_id),
                           proposals=queries.proposals_of(org_id))


@bp.route("/manage/listings/<int:listing_id>/needs")
@roles_required(Role.TTO)
@verified_org_required
def listing_needs(listing_id):
    """Technology needs ranked for one of your listings, with the reasons."""
    listing = load_or_404(Listing, listing_id)
    require("listings.edit", listing, missing=404)
    return render_template("needs/listing_needs.html", listing=listing,
                           matches=queries.listing_needs(listing, current_user.organisation_id))


@bp.route("/recommendations")
@roles_required(Role.INVESTOR, Role.COMPANY)
def recommendations():
    """"为您推荐": listings ranked from your preferences and your open needs."""
    user = me()
    items = queries.recommendations(user)
    new_ids = {item.listing.id for item in queries.new_recommendations(user)}
    services.mark_recommendations_seen(user)
    return render_template("needs/recommendations.html", items=items, new_ids=new_ids,
                           has_profile=queries.has_profile(user))


@bp.route("/recommendations/preferences", methods=["GET", "POST"])
@roles_required(Role.INVESTOR, Role.COMPANY)
@login_required
def preferences():
    """Edit the interests your recommendations come from."""
    profile = services.profile_of(me())
    form = PreferenceForm(obj=profile)
    if form.validate_on_submit():
        try:
            services.save_profile(me(), form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("needs/preferences.html", form, status=error.status_code)
        flash(_("Saved; your recommendations are updated."), "success")
        return redirect(url_for("needs.recommendations"))
    return render_form("needs/preferences.html", form)
