"""The pre-filing assessment (专利申请前评估) of a disclosure by its university's tto, the outside
reviewers the tto invites, and the decision, explained to the inventors in their language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.disclosures.labels import RECOMMENDATION_LABELS
from marketplace.disclosures.models import (
    Assessment,
    Disclosure,
    DisclosureState,
    Reviewer,
)
from marketplace.disclosures.services import path
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.notifications import Kind, notify, register_kind
from marketplace.permissions import check
from marketplace.permissions.disclosures import is_inventor

#: Fields of the assessment form.
FIELDS = ("novelty_score", "inventiveness_score", "practicality_score", "prior_art",
          "market_field", "likely_licensees", "trl", "market_size", "recommendation", "grade",
          "conclusion")
OPEN = (DisclosureState.SUBMITTED, DisclosureState.UNDER_ASSESSMENT)

register_kind(Kind("disclosures.decided", title=_l("Decision on your disclosure “%(title)s”"),
                   text=_l("The technology-transfer office decided: %(decision)s. %(note)s"),
                   labels={"decision": {key.value: label
                                        for key, label in RECOMMENDATION_LABELS.items()}}))
register_kind(Kind("disclosures.review_invited", title=_l("Invitation to review “%(title)s”"),
                   text=_l("%(org)s invites you to score the invention disclosure “%(title)s”. "
                           "It is confidential: do not pass it on.")))


def _start(actor: User, disclosure: Disclosure) -> None:
    """submitted -> under_assessment, the first time the tto works on it."""
    if disclosure.state is DisclosureState.SUBMITTED:
        disclosure.state = DisclosureState.UNDER_ASSESSMENT
        disclosure.assessment_started_at = utcnow()
        audit.record("disclosure.assessment_started", actor=actor, target=disclosure)


def _inventor_users(disclosure: Disclosure) -> list[User]:
    users = [i.user for i in disclosure.inventors if i.user is not None]
    if disclosure.created_by is not None:
        users.append(disclosure.created_by)
    return users


def save(actor: User, disclosure: Disclosure, data: dict, *, decide: bool = False,
         note: str | None = None) -> Assessment:
    """Save the assessment; with ``decide``, record its recommendation as the decision and tell
    the inventors why (``note``)."""
    check("disclosures.assess", disclosure, actor=actor)
    if disclosure.state not in OPEN:
        raise InvalidTransition(_("Only a submitted disclosure is assessed."))
    note = (note or "").strip() or None
    if decide and not note:
        raise ServiceError(_("Explain the decision to the inventors: the note is sent to them."))
    _start(actor, disclosure)
    assessment = disclosure.assessment or Assessment(disclosure=disclosure)
    for name in FIELDS:
        value = data[name]
        setattr(assessment, name, value.strip() or None if isinstance(value, str) else value)
    if not assessment.conclusion:
        raise ServiceError(_("Write the conclusion of the pre-filing assessment."))
    assessment.assessed_by_id = actor.id
    db.session.add(assessment)
    audit.record("disclosure.assessed", actor=actor, target=disclosure,
                 recommendation=assessment.recommendation.value, grade=assessment.grade.value)
    if decide:
        disclosure.state, disclosure.decided_at = DisclosureState.DECIDED, utcnow()
        disclosure.decision, disclosure.decision_note = assessment.recommendation, note
        audit.record("disclosure.decided", actor=actor, target=disclosure,
                     decision=assessment.recommendation.value, reason=note)
    db.session.commit()
    if decide:
        notify(_inventor_users(disclosure), "disclosures.decided",
               path("disclosures.detail", disclosure_id=disclosure.id),
               title=disclosure.title, decision=disclosure.decision.value, note=note)
    return assessment


def invite_reviewer(actor: User, disclosure: Disclosure, email: str) -> Reviewer:
    """The tto invites another verified user to score the disclosure (that one only)."""
    check("disclosures.assess", disclosure, actor=actor)
    if disclosure.state not in OPEN:
        raise InvalidTransition(_("Reviewers are invited while the disclosure is assessed."))
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or not user.active or not user.email_confirmed or not user.org_verified:
        raise ServiceError(_("No confirmed account of a verified organisation has this e-mail "
                             "address."))
    if user.id == actor.id or is_inventor(user, disclosure):
        raise ServiceError(_("An outside reviewer is neither an inventor nor yourself."))
    if any(r.user_id == user.id for r in disclosure.reviewers):
        raise ServiceError(_("This reviewer is already invited."))
    _start(actor, disclosure)
    reviewer = Reviewer(disclosure=disclosure, user=user, invited_by_id=actor.id)
    db.session.add(reviewer)
    audit.record("disclosure.reviewer_invited", actor=actor, target=disclosure, email=user.email)
    db.session.commit()
    notify([user], "disclosures.review_invited",
           path("disclosures.review", disclosure_id=disclosure.id),
           title=disclosure.title, org=disclosure.organisation.name)
    return reviewer


def record_review(actor: User, disclosure: Disclosure, scores: dict, comment: str | None) -> None:
    """An invited reviewer records their scores (again, until the decision)."""
    check("disclosures.review", disclosure, actor=actor)
    if disclosure.state not in OPEN:
        raise InvalidTransition(_("The disclosure is decided; reviews are closed."))
    reviewer = next(r for r in disclosure.reviewers if r.user_id == actor.id)
    for name in ("novelty_score", "inventiveness_score", "practicality_score"):
        setattr(reviewer, name, scores[name])
    reviewer.comment = (comment or "").strip() or None
    reviewer.submitted_at = utcnow()
    audit.record("disclosure.reviewed", actor=actor, target=disclosure,
                 scores="/".join(str(scores[n]) for n in ("novelty_score", "inventiveness_score",
                                                          "practicality_score")))
    db.session.commit()
