"""Who may see technology needs, write and manage them, and propose listings to them.

- a draft: only the members of the company that wrote it (and platform admins);
- a public need, once published: everyone, logged in or not;
- a private need, once published: the company's members, platform admins, and the tto users of
  a university that the company invited, that has a published listing among the need's stored
  matches, or that has already proposed a listing to it (not its inventors).
Only a verified company's ``company`` users write needs; only a verified university's tto users
propose their own published listings, to needs they can see.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState
from marketplace.needs.models import Match, Need, NeedInvitation, NeedState, Proposal, ProposalStatus
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import can_see_contacts, rule, verified_member


def university_has_access(organisation_id: int, need) -> bool:
    """The private-need rule for a university: invited, matched, or already proposed."""
    invited = sa.exists().where(NeedInvitation.need_id == need.id,
                                NeedInvitation.organisation_id == organisation_id)
    matched = sa.exists().where(Match.need_id == need.id, Match.listing_id == Listing.id,
                                Listing.organisation_id == organisation_id,
                                Listing.state == ListingState.PUBLISHED)
    proposed = sa.exists().where(Proposal.need_id == need.id,
                                 Proposal.organisation_id == organisation_id)
    return bool(db.session.scalar(sa.select(sa.or_(invited, matched, proposed))))


def visible_private_needs(organisation_id: int) -> sa.Select:
    """Published private needs a university may see (the rule of ``needs.view``, in SQL)."""
    invited = sa.select(NeedInvitation.need_id).where(
        NeedInvitation.organisation_id == organisation_id)
    matched = sa.select(Match.need_id).join(Listing, Listing.id == Match.listing_id).where(
        Match.need_id.isnot(None), Listing.organisation_id == organisation_id,
        Listing.state == ListingState.PUBLISHED)
    proposed = sa.select(Proposal.need_id).where(Proposal.organisation_id == organisation_id)
    return sa.select(Need).where(Need.is_public.is_(False), Need.state != NeedState.DRAFT,
                                 Need.id.in_(sa.union(invited, matched, proposed)))


def _author_org(user, need) -> bool:
    return bool(user.is_authenticated and user.organisation_id == need.organisation_id)


def _company(user):
    return verified_member(
        user, OrgKind.COMPANY, Role.COMPANY,
        refused=_("Only a company's users post technology needs."),
        unverified=_("Your organisation must be verified before it can post needs."))


def _proposer(user):
    return verified_member(
        user, OrgKind.UNIVERSITY, Role.TTO,
        refused=_("Only a university's technology-transfer officers propose listings."),
        unverified=_("Your organisation must be verified before it can propose listings."))


@rule("needs.view")
def view(user, need) -> bool:
    """Who sees a need: the rule in this module's docstring."""
    if _author_org(user, need) or (user.is_authenticated and user.is_admin):
        return True
    if need.state is NeedState.DRAFT:
        return False
    if need.is_public:
        return True
    if not user.is_authenticated or user.organisation_id is None or user.role is not Role.TTO:
        return False
    return university_has_access(user.organisation_id, need)


@rule("needs.see_proposals")
def see_proposals(user, need) -> bool:
    """A need's matches and every proposal made to it: the company's members and admins."""
    return _author_org(user, need) or (user.is_authenticated and user.is_admin)


@rule("needs.create")
def create(user, _obj) -> bool:
    """Write a need: a company user of a verified company."""
    _company(user)
    return True


@rule("needs.manage")
def manage(user, need) -> bool:
    """Edit, publish, close, invite to and answer proposals of a need: a company user of the
    verified company that wrote it."""
    if _company(user).id != need.organisation_id:
        raise NotAllowed(_("This need belongs to another company."))
    return True


@rule("needs.propose")
def propose(user, listing) -> bool:
    """Propose listings (``listing``: this one) to needs: a tto of a verified university, its
    own university's listings only."""
    org = _proposer(user)
    if listing is not None and listing.organisation_id != org.id:
        raise NotAllowed(_("You can only propose your own university's listings."))
    return True


@rule("needs.view_proposal")
def view_proposal(user, proposal) -> bool:
    """A proposal's actions: the company that was proposed to and the proposing university."""
    return user.is_authenticated and user.organisation_id in (proposal.need.organisation_id,
                                                              proposal.organisation_id)


@rule("needs.withdraw_proposal")
def withdraw_proposal(user, proposal) -> bool:
    """Withdraw a proposal: a tto of the verified university that made it."""
    if _proposer(user).id != proposal.organisation_id:
        raise NotAllowed(_("This proposal belongs to another university."))
    return True


@rule("needs.see_proposal_contacts")
def see_proposal_contacts(user, proposal) -> bool:
    """Contact details of an accepted proposal: its two organisations (and admins), when they
    may see contacts at all."""
    return (proposal.status is ProposalStatus.ACCEPTED and can_see_contacts(user)
            and (see_proposals(user, proposal.need)
                 or user.organisation_id == proposal.organisation_id))


@rule("needs.recommendations", message=_l("Recommendations are for investors and companies."))
def recommendations(user, _obj) -> bool:
    """A preference profile and "为您推荐": investors and company users."""
    return user.is_authenticated and user.role in (Role.INVESTOR, Role.COMPANY)
