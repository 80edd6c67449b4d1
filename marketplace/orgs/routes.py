"""Views of one's own organisation, public organisation pages and invitations."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import uploads
from marketplace.accounts.forms import JoinForm
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import find_user_by_email, start_session
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.listings.models import Listing, ListingState
from marketplace.lists.services import public_lists
from marketplace.orgs import services as orgs
from marketplace.orgs.forms import DOCUMENT_LABELS, DocumentForm, InviteForm, OrganisationForm
from marketplace.orgs.models import (
    DocumentKind,
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationDocument,
    OrgKind,
)
from marketplace.permissions import org_admin_required, require, verified_org_required

bp = Blueprint("orgs", __name__)


@bp.route("/org")
@login_required
def mine():
    """Your organisation: verification status, members and invitations."""
    org = current_user.organisation
    if org is None:
        return render_template("orgs/none.html")
    invitations = []
    if current_user.is_org_admin:
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.organisation_id == org.id,
                                     Invitation.status == InvitationStatus.PENDING)
            .order_by(Invitation.created_at.desc())).all()
    return render_template("orgs/mine.html", org=org, invitations=invitations,
                           invite_form=InviteForm(org), document_form=DocumentForm(),
                           DOCUMENT_LABELS=DOCUMENT_LABELS)


@bp.route("/org/edit", methods=["GET", "POST"])
@org_admin_required
def edit():
    """Edit your organisation's profile (a rejected one is resubmitted for verification)."""
    org = current_user.organisation
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            orgs.update_organisation(me(), org, **{
                key: getattr(form, key).data
                for key in ("name", "credit_code", "province", "city", "website", "description")})
        except ServiceError as error:
            flash_service_error(error)
            return render_form("orgs/edit.html", form, status=error.status_code, org=org)
        flash(_("The organisation profile has been saved."), "success")
        return redirect(url_for("orgs.mine"))
    return render_form("orgs/edit.html", form, org=org)


@bp.route("/org/invitations", methods=["POST"])
@org_admin_required
@verified_org_required
def invite():
    """Invite someone to your organisation by e-mail."""
    org = current_user.organisation
    form = InviteForm(org)
    if form.validate_on_submit():
        try:
            invitation = orgs.invite(me(), form.email.data, Role(form.role.data))
        except ServiceError as error:
            form.email.errors.append(error.message)
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("orgs.mine"))
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.organisation_id == org.id,
                                 Invitation.status == InvitationStatus.PENDING)).all()
    return render_form("orgs/mine.html", form, org=org, invitations=invitations, invite_form=form,
                       document_form=DocumentForm(), DOCUMENT_LABELS=DOCUMENT_LABELS)


@bp.route("/org/documents", methods=["POST"])
@org_admin_required
def upload_document():
    """Add a verification document (business licence, letter of authorisation) to your claim."""
    org = current_user.organisation
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            orgs.add_document(me(), DocumentKind(form.kind.data), form.file.data)
        except orgs.DocumentRefused as error:
            form.file.errors.append(error.message)
        except ServiceError as error:
            flash_service_error(error)
            return redirect(url_for("orgs.mine"))
        else:
            flash(_("The document has been added; the operators will see it with your "
                    "organisation."), "success")
            return redirect(url_for("orgs.mine"))
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.organisation_id == org.id,
                                 Invitation.status == InvitationStatus.PENDING)).all()
    return render_form("orgs/mine.html", form, status=422, org=org, invitations=invitations,
                       invite_form=InviteForm(org), document_form=form,
                       DOCUMENT_LABELS=DOCUMENT_LABELS)


@bp.route("/org/documents/<int:document_id>")
@login_required
def document(document_id):
    """Download a verification document: platform admins and the organisation's members only."""
    item = load_or_404(OrganisationDocument, document_id)
    require("orgs.view_document", item, missing=404)
    return uploads.download(item)


@bp.route("/org/invitations/<int:invitation_id>/revoke", methods=["POST"])
@org_admin_required
def revoke(invitation_id):
    """Withdraw an open invitation."""
    invitation = load_or_404(Invitation, invitation_id)
    require("orgs.administer", invitation.organisation, missing=404)
    with flash_service_errors():
        orgs.revoke_invitation(me(), invitation)
        flash(_("The invitation has been withdrawn."), "info")
    return redirect(url_for("orgs.mine"))


@bp.route("/org/members/<int:user_id>/remove", methods=["POST"])
@org_admin_required
def remove_member(user_id):
    """Remove a member from your organisation."""
    member = load_or_404(User, user_id)
    require("orgs.administer", member.organisation, missing=404)
    with flash_service_errors():
        orgs.remove_member(me(), member)
        flash(_("%(name)s is no longer a member.", name=member.name), "info")
    return redirect(url_for("orgs.mine"))


@bp.route("/org/members/<int:user_id>/admin", methods=["POST"])
@org_admin_required
def toggle_admin(user_id):
    """Grant or withdraw a member's right to administer the organisation."""
    member = load_or_404(User, user_id)
    require("orgs.administer", member.organisation, missing=404)
    with flash_service_errors():
        orgs.set_org_admin(me(), member, request.form.get("value") == "1")
        flash(_("Administrator rights updated for %(name)s.", name=member.name), "success")
    return redirect(url_for("orgs.mine"))


@bp.route("/orgs/<int:org_id>")
def public(org_id):
    """An organisation's public profile (verified organisations only)."""
    org = load_or_404(Organisation, org_id)
    require("orgs.view", org, missing=404)
    listings, listing_count, lists = [], 0, []
    if org.kind is OrgKind.UNIVERSITY:
        published = (Listing.organisation_id == org.id, Listing.state == ListingState.PUBLISHED)
        listings = db.session.scalars(
            select(Listing).where(*published).order_by(Listing.published_at.desc(), Listing.id.desc())
            .limit(20).options(selectinload(Listing.modes), selectinload(Listing.organisation))).all()
        listing_count = db.session.scalar(select(func.count()).select_from(Listing).where(*published))
        lists = public_lists(organisation_id=org.id)
    return render_template("orgs/public.html", org=org, listings=listings,
                           listing_count=listing_count, lists=lists)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token):
    """Accept an invitation: join with your account, or create one."""
    invitation = orgs.invitation_for_token(token)
    if invitation is None:
        return render_template("orgs/invitation_invalid.html"), 400
    existing = find_user_by_email(invitation.email)
    form = JoinForm()
    form._known_email = invitation.email
    if current_user.is_authenticated:
        if request.method == "POST":
            try:
                orgs.accept_invitation(invitation, me())
            except ServiceError as error:
                flash_service_error(error)
                return render_template("orgs/accept.html", invitation=invitation, form=None,
                                       existing=existing), error.status_code
            flash(_("You have joined %(org)s.", org=invitation.organisation.name), "success")
            return redirect(url_for("orgs.mine"))
        return render_template("orgs/accept.html", invitation=invitation, form=None,
                               existing=existing)
    if existing is not None:
        return render_template("orgs/accept.html", invitation=invitation, form=None,
                               existing=existing)
    if form.validate_on_submit():
        try:
            user = orgs.accept_invitation(invitation, email=invitation.email,
                                          password=form.password.data, name=form.name.data)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("orgs/accept.html", form, status=error.status_code,
                               invitation=invitation, existing=None)
        start_session(user)
        flash(_("Welcome! You have joined %(org)s.", org=invitation.organisation.name), "success")
        return redirect(url_for("main.dashboard"))
    return render_form("orgs/accept.html", form, invitation=invitation, existing=None)
