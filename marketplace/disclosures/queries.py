"""The disclosures each user sees, and the tto's work lists: the same queries feed the list page
and the workbench's counts."""

from datetime import timedelta

from sqlalchemy import Select, exists, or_, select

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.disclosures.models import (
    Disclosure,
    DisclosureInventor,
    DisclosureState,
    Recommendation,
    Reviewer,
)

#: Deadlines this close (days) are on the tto's workbench.
DEADLINES_WITHIN = 60
OPEN = (DisclosureState.SUBMITTED, DisclosureState.UNDER_ASSESSMENT)


def _newest(query: Select) -> Select:
    return query.order_by(Disclosure.updated_at.desc(), Disclosure.id.desc())


def of_inventor(user_id: int) -> Select:
    """Disclosures the user filed or is named on, newest first."""
    named = exists().where(DisclosureInventor.disclosure_id == Disclosure.id,
                           DisclosureInventor.user_id == user_id)
    return _newest(select(Disclosure).where(or_(Disclosure.created_by_id == user_id, named)))


def of_university(org_id: int) -> Select:
    """A university's submitted disclosures (drafts are their inventors' own), newest first."""
    return _newest(select(Disclosure).where(Disclosure.organisation_id == org_id,
                                            Disclosure.state != DisclosureState.DRAFT))


def to_assess(org_id: int) -> Select:
    """Submitted or under assessment: the tto's to-do, the nearest deadline first."""
    return (select(Disclosure).where(Disclosure.organisation_id == org_id,
                                     Disclosure.state.in_(OPEN))
            .order_by(Disclosure.deadline_on.is_(None), Disclosure.deadline_on,
                      Disclosure.submitted_at, Disclosure.id))


def deadlines_due(org_id: int) -> Select:
    """Not filed yet, not decided against filing, and a filing deadline (planned publication or
    the end of a grace period) within ``DEADLINES_WITHIN`` days, or past: the nearest first."""
    limit = timezones.today() + timedelta(days=DEADLINES_WITHIN)
    filing = Disclosure.decision.in_((Recommendation.FILE_INVENTION,
                                      Recommendation.FILE_UTILITY_MODEL))
    return (select(Disclosure).where(
        Disclosure.organisation_id == org_id, Disclosure.state != DisclosureState.DRAFT,
        Disclosure.application_number.is_(None), Disclosure.deadline_on <= limit,
        or_(Disclosure.state.in_(OPEN), filing))
        .order_by(Disclosure.deadline_on, Disclosure.id))


def reviewing(user_id: int) -> Select:
    """Disclosures the user was invited to review."""
    return _newest(select(Disclosure).join(Reviewer).where(Reviewer.user_id == user_id))


def for_user(user, view: str | None) -> Select:
    """The list page's rows for ``user`` and the chosen view (``open``, ``due``, ``reviews``)."""
    if view == "reviews":
        return reviewing(user.id)
    if user.role is Role.TTO:
        if view == "open":
            return to_assess(user.organisation_id)
        if view == "due":
            return deadlines_due(user.organisation_id)
        return of_university(user.organisation_id)
    if user.role is Role.INVENTOR:
        return of_inventor(user.id)
    return reviewing(user.id)
