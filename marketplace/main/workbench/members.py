"""The workbench of companies and investors: replies waiting, new recommendations, changes to
what they follow, and (companies) licences to pay, trials ending and royalties due. Their
roadshows come from ``events``."""

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import amounts
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.interests import queries as interests
from marketplace.licences import queries as licences
from marketplace.licences.models import LicenceState
from marketplace.main.workbench.core import Item, Section, contributes, section
from marketplace.main.workbench.tto import due_badge
from marketplace.needs import queries as needs
from marketplace.notifications.models import Notification

AUDIENCE = "member"
#: The notification kinds that tell a user about what they follow (listings, saved searches).
FOLLOW_KINDS = ("alerts.listing_state", "alerts.listing_terms", "alerts.digest")


@contributes(AUDIENCE, 10)
def replies(user) -> Section:
    return section(
        "replies", _l("Replies waiting for you"), interests.unread_replies(user),
        lambda i: Item(i.listing.title, url_for("interests.thread", interest_id=i.id),
                       meta=i.listing.organisation.name, when=i.updated_at,
                       when_label=_("Last change")),
        _l("No unread reply from a university."),
        url_for("interests.index", waiting="1"), _l("All threads with unread replies"))


@contributes(AUDIENCE, 20)
def recommendations(user) -> Section:
    rows = needs.new_recommendations(user)
    items = [Item(item.listing.title, url_for("listings.detail", listing_id=item.listing.id),
                  meta=item.listing.organisation.name,
                  badge=_("Score %(score)d", score=item.score), tone="info") for item in rows[:5]]
    return Section("recommendations", str(_l("New recommendations since your last visit")),
                   items, len(rows), str(_l("No new recommendation since your last visit.")),
                   url_for("needs.recommendations"), str(_l("All recommendations")))


def follow_changes(user):
    """Unread notifications about followed listings and saved searches, newest first."""
    return (select(Notification).where(Notification.user_id == user.id,
                                       Notification.kind.in_(FOLLOW_KINDS),
                                       Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


@contributes(AUDIENCE, 30)
def follows(user) -> Section:
    return section(
        "follows", _l("Changes to what you follow"), follow_changes(user),
        lambda n: Item(n.title, url_for("notifications.open_", notification_id=n.id),
                       meta=n.text, when=n.created_at, when_label=_("Changed"), post=True),
        _l("Nothing you follow has changed since you last looked."),
        url_for("alerts.index"), _l("What you follow"))


def _licence_items(org_id: int) -> list[Item]:
    items = []
    for licence in db.session.scalars(licences.to_pay(org_id)):
        overdue = licence.state is LicenceState.PAYMENT_OVERDUE
        items.append(Item(licence.listing.title, url_for("licences.licence", licence_id=licence.id),
                          meta=_("Fee %(amount)s to pay", amount=amounts.display(licence.fee_amount)),
                          badge=_("Overdue") if overdue else _("To pay"),
                          tone="bad" if overdue else "wait"))
    for licence in db.session.scalars(licences.trials_ending(org_id)):
        badge, tone = due_badge(licence.trial_ends_on)
        items.append(Item(licence.listing.title, url_for("licences.licence", licence_id=licence.id),
                          meta=_("Trial ends on %(day)s: pay to convert it, or exit",
                                 day=format_date(licence.trial_ends_on)),
                          badge=badge, tone=tone))
    for report in db.session.scalars(licences.royalties_due(org_id)):
        items.append(Item(report.licence.listing.title,
                          url_for("licences.licence", licence_id=report.licence_id),
                          meta=_("Royalty %(amount)s for %(start)s – %(end)s",
                                 amount=amounts.display(report.royalty),
                                 start=format_date(report.period_start),
                                 end=format_date(report.period_end)),
                          badge=_("Royalty due"), tone="wait"))
    return items


@contributes(AUDIENCE, 50)
def licences_due(user) -> Section | None:
    if user.role is not Role.COMPANY:
        return None
    items = _licence_items(user.organisation_id)
    return Section("licences", str(_l("Licences to pay, trials ending, royalties due")), items[:8],
                   len(items), str(_l("No licence fee, trial end or royalty waits for you.")),
                   url_for("licences.mine"), str(_l("All licences")))
