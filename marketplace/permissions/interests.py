"""Who may express interest, see and act on an interest and its thread, and open a listing's
NDA and confidential files.

An interest has two sides: the listing's university (its tto users, ``OWNER``) and the interested
organisation (its company or investor users, ``PARTY``); nobody else sees it, not even admins.
Confidential files: the university's tto always; an interested organisation only while its
interest is accepted (in discussion, negotiating or a deal) AND one of its members accepted the
listing's current NDA version online. A new NDA version needs a new acceptance.
"""

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.interests import nda
from marketplace.interests.models import INTERESTED_KINDS, INTERESTED_ROLES
from marketplace.permissions.core import can, rule

OWNER, PARTY = "university", "party"
NDA_NOT_YET = _l("The NDA can be accepted once the university has accepted your organisation's "
                 "interest.")


def side(user, interest) -> str | None:
    """Which side of the interest ``user`` is on: the university's tto, the party, or neither."""
    if not user.is_authenticated or user.organisation_id is None or not user.active:
        return None
    if user.role is Role.TTO and user.organisation_id == interest.listing.organisation_id:
        return OWNER
    if user.role in INTERESTED_ROLES and user.organisation_id == interest.organisation_id:
        return PARTY
    return None


@rule("interests.view")
def view(user, interest) -> bool:
    """An interest and its thread: its two sides only (for anyone else it does not exist)."""
    return side(user, interest) is not None


@rule("interests.express", message=_l("Only members of a verified company or investment firm can "
                                      "express interest."))
def express(user, _obj) -> bool:
    """A company or investor user of a verified company or investment firm."""
    org = user.organisation if user.is_authenticated else None
    return (org is not None and user.role in INTERESTED_ROLES and org.kind in INTERESTED_KINDS
            and org.status.is_verified)


@rule("interests.act", message=_l("You are not a party to this interest."))
def act(user, interest) -> bool:
    """Write to the thread and move the interest (each side its own moves, see ``services``):
    either side, once its organisation is verified."""
    return side(user, interest) is not None and user.org_verified


@rule("interests.share_contacts", message=_l("Only the interested organisation gives this consent."))
def share_contacts(user, interest) -> bool:
    return side(user, interest) == PARTY


@rule("interests.open_confidential")
def open_confidential(user, listing) -> bool:
    """See the list of a listing's confidential files and download them (module docstring)."""
    if can("listings.edit", listing, user=user):
        return True
    if not user.is_authenticated or not user.org_verified:
        return False
    current = nda.current_nda(listing)
    return (current is not None and nda.accepted_interest(user, listing) is not None
            and nda.acceptance(user, current) is not None)


@rule("interests.read_nda", message=NDA_NOT_YET)
def read_nda(user, listing) -> bool:
    """Read a listing's NDA: its university's tto, and organisations whose interest it accepted."""
    return nda.accepted_interest(user, listing) is not None or can("listings.edit", listing, user=user)


@rule("interests.accept_nda", message=NDA_NOT_YET)
def accept_nda(user, listing) -> bool:
    """Accept a listing's NDA: a member of a verified organisation whose interest it accepted."""
    return nda.accepted_interest(user, listing) is not None and user.org_verified
