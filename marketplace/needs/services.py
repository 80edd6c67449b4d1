"""Every state change of needs, invitations, proposals and preference profiles goes through here.

Who may see, write and answer needs is decided in ``marketplace/permissions/needs.py``; a need
takes proposals while it is open and not past its deadline.
"""

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace import timezones
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.listings.models import Listing, ListingState
from marketplace.needs import jobs as needs_jobs
from marketplace.needs.models import (
    Need,
    NeedInvitation,
    NeedState,
    PreferenceProfile,
    Proposal,
    ProposalStatus,
)
from marketplace.notifications import Kind, members_of, notify, register_kind
from marketplace.orgs.models import Organisation, OrgKind
from marketplace.permissions import can, check

#: Fields a need form carries.
FIELDS = ("title", "description", "field", "keywords", "budget_min", "budget_max", "mode",
          "trl_min", "trl_max", "deadline", "is_public")
PROFILE_FIELDS = ("fields", "keywords", "modes", "trl_min", "trl_max", "budget_max")
#: (state, action) -> (new state, audit event).
TRANSITIONS = {
    (NeedState.DRAFT, "publish"): (NeedState.OPEN, "need.published"),
    (NeedState.DRAFT, "close"): (NeedState.CLOSED, "need.closed"),
    (NeedState.OPEN, "close"): (NeedState.CLOSED, "need.closed"),
    (NeedState.CLOSED, "reopen"): (NeedState.OPEN, "need.reopened"),
}
DECISIONS = {"accept": (ProposalStatus.ACCEPTED, "need.proposal_accepted"),
             "decline": (ProposalStatus.DECLINED, "need.proposal_declined")}

register_kind(Kind("needs.proposed", title=_l("New proposal for your need “%(need)s”"),
                   text=_l("%(org)s proposed “%(listing)s” for your need “%(need)s”: %(note)s")))
register_kind(Kind("needs.proposal_accepted", title=_l("Your proposal was accepted for discussion"),
                   text=_l("%(org)s accepted “%(listing)s” for discussion on its need “%(need)s”.")))
register_kind(Kind("needs.proposal_declined", title=_l("Your proposal was declined"),
                   text=_l("%(org)s declined “%(listing)s” for its need “%(need)s”.")))
register_kind(Kind("needs.invited", title=_l("You are invited to a technology need"),
                   text=_l("%(org)s invites your university to propose listings for “%(need)s”.")))


def _link(need: Need) -> str:
    """The need's path, also outside a request (the demo loader, jobs)."""
    if has_request_context():
        return url_for("needs.detail", need_id=need.id)
    with current_app.test_request_context():
        return url_for("needs.detail", need_id=need.id)


# -- needs ----------------------------------------------------------------------------------------

def _check(data: dict) -> None:
    low, high = data.get("budget_min"), data.get("budget_max")
    if low is not None and high is not None and low > high:
        raise ServiceError(_("The budget's lower end is above its upper end."))
    if data.get("trl_min", 1) > data.get("trl_max", 9):
        raise ServiceError(_("The lowest readiness level is above the highest."))


def _match_later(need: Need) -> None:
    jobs.submit(needs_jobs.MATCH_NEED, {"need_id": need.id})


def create_need(actor: User, data: dict, *, publish: bool = False, is_demo: bool = False) -> Need:
    """A company user writes a need, kept as a draft or published at once."""
    check("needs.create", actor=actor)
    _check(data)
    if publish and data.get("deadline") and data["deadline"] < timezones.today():
        raise ServiceError(_("The deadline has passed; choose a later day."))
    need = Need(organisation_id=actor.organisation_id, created_by_id=actor.id, is_demo=is_demo,
                state=NeedState.DRAFT)
    for name in FIELDS:
        if name in data:
            setattr(need, name, data[name])
    db.session.add(need)
    db.session.flush()
    audit.record("need.created", actor=actor, target=need, title=need.title)
    if publish:
        need.state, need.opened_at = NeedState.OPEN, utcnow()
        audit.record("need.published", actor=actor, target=need)
    db.session.commit()
    _match_later(need)
    return need


def update_need(actor: User, need: Need, data: dict) -> list[str]:
    """Edit a draft or open need; its matches are recomputed."""
    check("needs.manage", need, actor=actor)
    if need.state is NeedState.CLOSED:
        raise InvalidTransition(_("A closed need can no longer be edited; reopen it first."))
    _check(data)
    changed = [name for name in FIELDS if name in data and getattr(need, name) != data[name]]
    if not changed:
        return []
    for name in changed:
        setattr(need, name, data[name])
    if "deadline" in changed:
        need.expiry_notified_at = None  # a new deadline: tell the company again when it passes
    need.updated_at = utcnow()
    audit.record("need.updated", actor=actor, target=need, fields=",".join(changed))
    db.session.commit()
    _match_later(need)
    return changed


def transition(actor: User, need: Need, action: str) -> None:
    """Publish, close or reopen a need."""
    check("needs.manage", need, actor=actor)
    try:
        new_state, event = TRANSITIONS[(need.state, action)]
    except KeyError:
        raise InvalidTransition(_("This need cannot be changed that way in its current state.")) \
            from None
    if new_state is NeedState.OPEN and need.is_expired:
        raise InvalidTransition(_("The deadline has passed; set a later deadline first."))
    need.state = new_state
    if new_state is NeedState.OPEN:
        need.opened_at, need.closed_at = need.opened_at or utcnow(), None
    else:
        need.closed_at = utcnow()
    audit.record(event, actor=actor, target=need)
    db.session.commit()
    _match_later(need)


def invite(actor: User, need: Need, organisation: Organisation) -> NeedInvitation:
    """The company invites a verified university to see the need and propose listings."""
    check("needs.manage", need, actor=actor)
    if organisation.kind is not OrgKind.UNIVERSITY or not organisation.status.is_verified:
        raise ServiceError(_("Only verified universities can be invited."))
    if need.state is NeedState.CLOSED:
        raise InvalidTransition(_("This need is closed."))
    existing = db.session.scalar(sa.select(NeedInvitation).where(
        NeedInvitation.need_id == need.id, NeedInvitation.organisation_id == organisation.id))
    if existing is not None:
        raise ServiceError(_("This university is already invited."))
    invitation = NeedInvitation(need=need, organisation=organisation, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    audit.record("need.invited", actor=actor, target=need, university=organisation.name)
    db.session.commit()
    if need.state is NeedState.OPEN:
        ttos = [user for user in members_of(organisation) if user.role is Role.TTO]
        notify(ttos, "needs.invited", _link(need),
               org=need.organisation.name, need=need.title)
    return invitation


# -- proposals ------------------------------------------------------------------------------------

def propose(actor: User, need: Need, listing: Listing, note: str) -> Proposal:
    """A tto proposes one of its university's published listings to a need."""
    check("needs.propose", listing, actor=actor)
    if not can("needs.view", need, user=actor):
        raise NotAllowed(_("This need is not shared with your university."))
    if not need.takes_proposals:
        raise InvalidTransition(_("This need no longer takes proposals."))
    if listing.state is not ListingState.PUBLISHED:
        raise ServiceError(_("Only a published listing can be proposed."))
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Add a note for the company: why this listing fits."))
    taken = db.session.scalar(sa.select(Proposal.id).where(
        Proposal.need_id == need.id, Proposal.listing_id == listing.id))
    if taken is not None:
        raise ServiceError(_("This listing has already been proposed to this need."))
    proposal = Proposal(need=need, listing=listing, organisation_id=actor.organisation_id,
                        proposed_by_id=actor.id, note=note)
    db.session.add(proposal)
    db.session.flush()
    audit.record("need.proposal_made", actor=actor, target=need, listing_id=listing.id)
    db.session.commit()
    notify(members_of(need.organisation), "needs.proposed", _link(need),
           need=need.title, org=actor.organisation.name, listing=listing.title, note=note)
    return proposal


def decide(actor: User, proposal: Proposal, action: str, note: str | None = None) -> None:
    """The company accepts a proposal for discussion or declines it."""
    need = proposal.need
    check("needs.manage", need, actor=actor)
    if proposal.status is not ProposalStatus.PROPOSED:
        raise InvalidTransition(_("This proposal has already been answered."))
    status, event = DECISIONS[action]
    proposal.status, proposal.decided_at, proposal.decided_by_id = status, utcnow(), actor.id
    proposal.decision_note = (note or "").strip() or None
    audit.record(event, actor=actor, target=need, listing_id=proposal.listing_id)
    db.session.commit()
    recipients = [proposal.proposed_by] if proposal.proposed_by else members_of(proposal.organisation)
    kind = "needs.proposal_accepted" if status is ProposalStatus.ACCEPTED else "needs.proposal_declined"
    notify(recipients, kind, _link(need),
           org=need.organisation.name, listing=proposal.listing.title, need=need.title)


def withdraw_proposal(actor: User, proposal: Proposal) -> None:
    """The proposing university takes back an unanswered proposal."""
    check("needs.withdraw_proposal", proposal, actor=actor)
    if proposal.status is not ProposalStatus.PROPOSED:
        raise InvalidTransition(_("This proposal has already been answered."))
    proposal.status, proposal.decided_at = ProposalStatus.WITHDRAWN, utcnow()
    audit.record("need.proposal_withdrawn", actor=actor, target=proposal.need,
                 listing_id=proposal.listing_id)
    db.session.commit()


# -- preference profiles --------------------------------------------------------------------------

def mark_recommendations_seen(user: User) -> None:
    """The user has looked at their recommendations: later ones count as new on the workbench."""
    user.recommendations_seen_at = utcnow()
    db.session.commit()


def profile_of(user: User) -> PreferenceProfile | None:
    return db.session.scalar(sa.select(PreferenceProfile).where(PreferenceProfile.user_id == user.id))


def save_profile(actor: User, data: dict) -> PreferenceProfile:
    """An investor or company user states their interests; recommendations are recomputed."""
    check("needs.recommendations", actor=actor)
    if data.get("trl_min", 1) > data.get("trl_max", 9):
        raise ServiceError(_("The lowest readiness level is above the highest."))
    profile = profile_of(actor)
    if profile is None:
        profile = PreferenceProfile(user_id=actor.id)
        db.session.add(profile)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    profile.updated_at = utcnow()
    db.session.flush()
    audit.record("preferences.updated", actor=actor, target=profile)
    db.session.commit()
    jobs.submit(needs_jobs.MATCH_PROFILE, {"profile_id": profile.id})
    return profile
