"""Every state change of an organisation, its verification and its members goes through here."""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace import mail, uploads
from marketplace.accounts import confirmation
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User, new_session_nonce
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.orgs import creditcode
from marketplace.orgs.claims import (  # noqa: F401  (DocumentRefused: for the views)
    DocumentRefused,
    credit_code_taken,
    store_documents,
    verified_holder,
)
from marketplace.orgs.models import (
    ROLES_BY_KIND,
    DocumentKind,
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationDocument,
    OrgKind,
    OrgStatus,
)
from marketplace.permissions import check

_INVITE_SALT = "org-invitation"

#: Allowed verification transitions: (from state, action) -> to state.
_TRANSITIONS = {
    (OrgStatus.PENDING, "verify"): OrgStatus.VERIFIED,
    (OrgStatus.PENDING, "reject"): OrgStatus.REJECTED,
    (OrgStatus.REJECTED, "resubmit"): OrgStatus.PENDING,
}


def _transition(org: Organisation, action: str) -> None:
    try:
        org.status = _TRANSITIONS[(org.status, action)]
    except KeyError:
        raise InvalidTransition(
            _("This organisation cannot be changed that way in its current state.")
        ) from None


def register_with_organisation(*, email: str, password: str, name: str, org_kind: OrgKind,
                               org_name: str, credit_code: str, province: str | None = None,
                               city: str | None = None, documents=(),
                               email_confirmed: bool = False) -> User:
    """Create an account and its new organisation (a claim pending verification), with the
    claim's documents (``(DocumentKind, upload)`` pairs), in one transaction; then mail the link
    that confirms the address (``email_confirmed``: made by the operators, as the demo's are).

    Another pending or rejected claim of the same credit code does not block this one: only a
    verified organisation owns a code.
    """
    code = creditcode.normalise(credit_code)
    if creditcode.problem(code):
        raise ServiceError(_("This unified social credit code is not valid."))
    if credit_code_taken(code):
        raise ServiceError(_("An organisation with this credit code is already registered."))
    org = Organisation(name=org_name.strip(), kind=org_kind, credit_code=code,
                       province=province or None, city=city or None)
    db.session.add(org)
    user = accounts.new_user(email, password, name, ROLES_BY_KIND[org_kind][0],
                             organisation=org, is_org_admin=True)
    if email_confirmed:
        confirmation.mark_confirmed(user)
    stored = []
    try:
        stored = store_documents(org, user, documents)
        db.session.flush()
        audit.record("accounts.register", actor=user)
        audit.record("org.created", actor=user, target=org, name=org.name, kind=org_kind.value,
                     documents=len(stored) or None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for stored_name in stored:
            uploads.discard(stored_name)
        raise
    confirmation.send_link(user)
    return user


def add_document(actor: User, kind: DocumentKind, upload) -> OrganisationDocument:
    """An organisation admin adds a document to the claim before it is verified; a rejected
    claim goes back to the queue with it."""
    org = actor.organisation
    check("orgs.administer", org, actor=actor)
    if org.status.is_verified:
        raise InvalidTransition(_("Your organisation is verified: its documents are kept as they "
                                  "were checked."))
    (stored_name,) = store_documents(org, actor, [(kind, upload)])
    try:
        db.session.flush()
        audit.record("org.document_added", actor=actor, target=org, kind=kind.value)
        if org.status is OrgStatus.REJECTED:
            _transition(org, "resubmit")
            org.submitted_at = utcnow()
            audit.record("org.resubmitted", actor=actor, target=org)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored_name)
        raise
    return org.documents[0]


def update_organisation(actor: User, org: Organisation, **fields) -> None:
    """An organisation admin edits the profile; a rejected organisation goes back to the queue."""
    check("orgs.edit", org, actor=actor)
    code = creditcode.normalise(fields.pop("credit_code", org.credit_code))
    if code != org.credit_code:
        if org.status.is_verified:
            raise ServiceError(_("A verified organisation's credit code cannot be changed."))
        if creditcode.problem(code):
            raise ServiceError(_("This unified social credit code is not valid."))
        if credit_code_taken(code, exclude_id=org.id):
            raise ServiceError(_("An organisation with this credit code is already registered."))
        org.credit_code = code
    if "name" in fields and fields["name"].strip() != org.name and org.status.is_verified:
        raise ServiceError(_("A verified organisation's name can only be changed by the platform."))
    for key in ("name", "province", "city", "website", "description"):
        if key in fields:
            value = (fields[key] or "").strip()
            setattr(org, key, value or (org.name if key == "name" else None))
    if org.status is OrgStatus.REJECTED:
        _transition(org, "resubmit")
        org.submitted_at = utcnow()
        audit.record("org.resubmitted", actor=actor, target=org)
    db.session.commit()


def verify(admin: User, org: Organisation) -> None:
    """An admin approves an organisation, which then owns its credit code; its members can then
    publish and sign. Refused while another verified organisation owns the code."""
    check("orgs.decide", org, actor=admin)
    holder = verified_holder(org.credit_code, exclude_id=org.id)
    if holder is not None:
        raise _code_owned(org.credit_code, holder.name)
    _transition(org, "verify")
    org.rejection_reason = None
    org.decided_at, org.decided_by = utcnow(), admin
    audit.record("org.verified", actor=admin, target=org, name=org.name)
    try:
        db.session.commit()
    except IntegrityError:  # another admin verified a competing claim at the same moment
        db.session.rollback()
        holder = verified_holder(org.credit_code, exclude_id=org.id)
        if holder is None:
            raise
        raise _code_owned(org.credit_code, holder.name) from None
    _notify_members(org, _("Your organisation has been verified"), "org_verified")


def reject(admin: User, org: Organisation, reason: str) -> None:
    """An admin rejects an organisation, with a reason its members will read."""
    check("orgs.decide", org, actor=admin)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ServiceError(_("Give the organisation a reason it can act on."))
    _transition(org, "reject")
    org.rejection_reason = reason
    org.decided_at, org.decided_by = utcnow(), admin
    audit.record("org.rejected", actor=admin, target=org, name=org.name, reason=reason)
    db.session.commit()
    _notify_members(org, _("Your organisation's verification needs changes"), "org_rejected")


def _code_owned(code: str, name: str) -> InvalidTransition:
    return InvalidTransition(_(
        "The credit code %(code)s already belongs to the verified organisation %(name)s. Reject "
        "this claim with a reason its applicant can act on.", code=code, name=name))


def _notify_members(org: Organisation, subject, template: str) -> None:
    for member in org.members:
        if member.is_org_admin and member.active:
            mail.send(member.email, subject, template, locale=member.locale, org=org, user=member)


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_INVITE_SALT)


def invite(actor: User, email: str, role: Role) -> Invitation:
    """An organisation admin of a verified organisation invites someone by e-mail."""
    check("orgs.invite", actor=actor)
    org = actor.organisation
    if role not in org.allowed_roles:
        raise ServiceError(_("This role does not fit your organisation."))
    email = accounts.normalise_email(email)
    existing = accounts.find_user_by_email(email)
    if existing is not None and existing.is_admin:
        raise ServiceError(_("This address belongs to a platform administrator, who cannot join "
                             "an organisation."))
    if existing is not None and existing.organisation_id is not None:
        raise ServiceError(_("This person already belongs to an organisation."))
    duplicate = db.session.scalar(select(Invitation).where(
        Invitation.organisation_id == org.id, Invitation.email == email,
        Invitation.status == InvitationStatus.PENDING, Invitation.expires_at > utcnow()))
    if duplicate is not None:
        raise ServiceError(_("An open invitation for this address already exists."))
    invitation = Invitation(
        organisation=org, email=email, role=role, invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record("org.invitation_sent", actor=actor, target=org, email=email, role=role.value)
    db.session.commit()
    mail.send(email, _("You are invited to join %(org)s", org=org.name), "invitation",
              locale=existing.locale if existing else None, invitation=invitation,
              token=invitation_token(invitation))
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return _invite_serializer().dumps(invitation.id)


def invitation_for_token(token: str) -> Invitation | None:
    """Return the open invitation a token names, or None if it is invalid, used or expired."""
    try:
        invitation_id = _invite_serializer().loads(
            token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.is_open else None


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    """An organisation admin withdraws an invitation that has not been used."""
    check("orgs.administer", invitation.organisation, actor=actor)
    if invitation.status is not InvitationStatus.PENDING:
        raise InvalidTransition(_("This invitation is no longer open."))
    invitation.status = InvitationStatus.REVOKED
    audit.record("org.invitation_revoked", actor=actor, target=invitation.organisation,
                 email=invitation.email)
    db.session.commit()


def accept_invitation(invitation: Invitation, user: User | None = None, *, email: str | None = None,
                      password: str | None = None, name: str | None = None) -> User:
    """Join the inviting organisation: an existing user without one, or a new account."""
    if not invitation.is_open:
        raise InvalidTransition(_("This invitation is no longer open."))
    if user is None:
        user = accounts.new_user(invitation.email, password, name, invitation.role)
        db.session.flush()
        audit.record("accounts.register", actor=user)
    elif user.email != invitation.email:
        raise NotAllowed(_("This invitation was sent to another e-mail address."))
    elif user.is_admin:
        # An administrator has no organisation; joining one would end their admin access.
        raise NotAllowed(_("Platform administrators cannot join an organisation. To work as a "
                           "member of an organisation, use an account with another e-mail "
                           "address."))
    elif user.organisation_id is not None:
        raise ServiceError(_("You already belong to an organisation."))
    # The invitation's link was mailed to this address: opening it proves the address.
    confirmation.mark_confirmed(user)
    user.organisation_id = invitation.organisation_id
    user.role = invitation.role
    user.is_org_admin = False
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    audit.record("org.member_joined", actor=user, target=invitation.organisation,
                 role=invitation.role.value)
    db.session.commit()
    return user


def remove_member(actor: User, member: User) -> None:
    """An organisation admin removes a member, who is signed out and left without one."""
    check("orgs.administer", member.organisation, actor=actor)
    if member.id == actor.id:
        raise ServiceError(_("You cannot remove yourself."))
    org = member.organisation
    member.organisation_id = None
    member.is_org_admin = False
    member.session_nonce = new_session_nonce()
    audit.record("org.member_removed", actor=actor, target=org, email=member.email)
    db.session.commit()


def set_org_admin(actor: User, member: User, value: bool) -> None:
    """An organisation admin grants or withdraws another member's admin right."""
    check("orgs.administer", member.organisation, actor=actor)
    if member.id == actor.id:
        raise ServiceError(_("You cannot change your own administrator right."))
    member.is_org_admin = value
    audit.record("user.role_changed", actor=actor, target=member, email=member.email,
                 org_admin=value)
    db.session.commit()
