"""Every state change of needs, invitations, proposals and preference profiles goes through here.

Who sees a need (``can_view``):
- a draft: only the members of the company that wrote it (and platform admins);
- a public need, once published: everyone, logged in or not;
- a private need, once published: the company's members, platform admins, and the tto users of
  a university that the company invited, that has a published listing among the need's stored
  matches, or that has already proposed a listing to it (not its inventors).
Only a verified company's ``company`` users write needs; only a verified university's tto users
propose their own published listings, to needs they can see that take proposals (open and not
past the deadline).
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
    Match,
    Need,
    NeedInvitation,
    NeedState,
    PreferenceProfile,
    Proposal,
    ProposalStatus,
)
from marketplace.notifications import Kind, members_of, notify, register_kind
from marketplace.orgs.models import Organisation, OrgKind

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


# -- who may do what -------------------------------------------------------------------------------

def is_author_org(user: User, need: Need) -> bool:
    return bool(user.is_authenticated and user.organisation_id == need.organisation_id)


def can_manage(user: User, need: Need) -> bool:
    """A company user of the verified organisation that wrote the need."""
    return bool(is_author_org(user, need) and user.role is Role.COMPANY and user.org_verified)


def university_has_access(organisation_id: int, need: Need) -> bool:
    """The private-need rule for a university: invited, matched, or already proposed."""
    invited = sa.exists().where(NeedInvitation.need_id == need.id,
                                NeedInvitation.organisation_id == organisation_id)
    matched = sa.exists().where(Match.need_id == need.id, Match.listing_id == Listing.id,
                                Listing.organisation_id == organisation_id,
                                Listing.state == ListingState.PUBLISHED)
    proposed = sa.exists().where(Proposal.need_id == need.id,
                                 Proposal.organisation_id == organisation_id)
    return bool(db.session.scalar(sa.select(sa.or_(invited, matched, proposed))))


def can_view(user: User, need: Need) -> bool:
    if is_author_org(user, need) or (user.is_authenticated and user.is_admin):
        return True
    if need.state is NeedState.DRAFT:
        return False
    if need.is_public:
        return True
    if not user.is_authenticated or user.organisation_id is None:
        return False
    if user.role is not Role.TTO:
        return False
    return university_has_access(user.organisation_id, need)


def visible_private_needs(organisation_id: int) -> sa.Select:
    """Published private needs a university may see (the rule of ``can_view``)."""
    invited = sa.select(NeedInvitation.need_id).where(
        NeedInvitation.organisation_id == organisation_id)
    matched = sa.select(Match.need_id).join(Listing, Listing.id == Match.listing_id).where(
        Match.need_id.isnot(None), Listing.organisation_id == organisation_id,
        Listing.state == ListingState.PUBLISHED)
    proposed = sa.select(Proposal.need_id).where(Proposal.organisation_id == organisation_id)
    return sa.select(Need).where(Need.is_public.is_(False), Need.state != NeedState.DRAFT,
                                 Need.id.in_(sa.union(invited, matched, proposed)))


def require_company(actor: User) -> None:
    org = actor.organisation
    if actor.role is not Role.COMPANY or org is None or org.kind is not OrgKind.COMPANY:
        raise NotAllowed(_("Only a company's users post technology needs."))
    if not org.is_verified:
        raise NotAllowed(_("Your organisation must be verified before it can post needs."))


def _require_manager(actor: User, need: Need) -> None:
    require_company(actor)
    if actor.organisation_id != need.organisation_id:
        raise NotAllowed(_("This need belongs to another company."))


def require_proposer(actor: User) -> None:
    org = actor.organisation
    if actor.role is not Role.TTO or org is None or org.kind is not OrgKind.UNIVERSITY:
        raise NotAllowed(_("Only a university's technology-transfer officers propose listings."))
    if not org.is_verified:
        raise NotAllowed(_("Your organisation must be verified before it can propose listings."))


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
    require_company(actor)
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
    _require_manager(actor, need)
    if need.state is NeedState.CLOSED:
        raise InvalidTransition(_("A closed need can no longer be edited; reopen it first."))
    _check(data)
    changed = [name for name in FIELDS if name in data and getattr(need, name) != data[name]]
    if not changed:
        return []
    for name in changed:
        setattr(need, name, data[name])
    need.updated_at = utcnow()
    audit.record("need.updated", actor=actor, target=need, fields=",".join(changed))
    db.session.commit()
    _match_later(need)
    return changed


def transition(actor: User, need: Need, action: str) -> None:
    """Publish, close or reopen a need."""
    _require_manager(actor, need)
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
    _require_manager(actor, need)
    if organisation.kind is not OrgKind.UNIVERSITY or not organisation.is_verified:
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
    require_proposer(actor)
    if listing.organisation_id != actor.organisation_id:
        raise NotAllowed(_("You can only propose your own university's listings."))
    if not can_view(actor, need):
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
    _require_manager(actor, need)
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
    require_proposer(actor)
    if proposal.organisation_id != actor.organisation_id:
        raise NotAllowed(_("This proposal belongs to another university."))
    if proposal.status is not ProposalStatus.PROPOSED:
        raise InvalidTransition(_("This proposal has already been answered."))
    proposal.status, proposal.decided_at = ProposalStatus.WITHDRAWN, utcnow()
    audit.record("need.proposal_withdrawn", actor=actor, target=proposal.need,
                 listing_id=proposal.listing_id)
    db.session.commit()


# -- preference profiles --------------------------------------------------------------------------

def profile_of(user: User) -> PreferenceProfile | None:
    return db.session.scalar(sa.select(PreferenceProfile).where(PreferenceProfile.user_id == user.id))


def save_profile(actor: User, data: dict) -> PreferenceProfile:
    """An investor or company user states their interests; recommendations are recomputed."""
    if actor.role not in (Role.INVESTOR, Role.COMPANY):
        raise NotAllowed(_("Recommendations are for investors and companies."))
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
