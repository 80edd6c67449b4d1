"""The workbench's disclosure sections: for the tto, disclosures to assess and the filing
deadlines they carry (planned publication, the end of a grace period); for inventors, their own
disclosures and their state. Counts come from the list page's queries (``disclosures/queries``)."""

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.disclosures import queries
from marketplace.disclosures.labels import STATE_LABELS, STATE_TONES
from marketplace.main.workbench import inventor, tto
from marketplace.main.workbench.core import Item, Section, contributes, section


def _link(disclosure) -> str:
    return url_for("disclosures.detail", disclosure_id=disclosure.id)


def _deadline_meta(disclosure) -> str:
    if disclosure.deadline_on is None:
        return _("No planned publication")
    return _("File by %(day)s", day=format_date(disclosure.deadline_on))


@contributes(tto.AUDIENCE, 35)
def to_assess(user) -> Section:
    def item(disclosure) -> Item:
        return Item(disclosure.title, _link(disclosure), meta=_deadline_meta(disclosure),
                    badge=str(STATE_LABELS[disclosure.state]), tone=STATE_TONES[disclosure.state],
                    when=disclosure.submitted_at, when_label=_("Submitted"))
    return section(
        "disclosures", _l("Invention disclosures to assess"),
        queries.to_assess(user.organisation_id), item,
        _l("No invention disclosure waits for its assessment."),
        url_for("disclosures.index", view="open"), _l("All disclosures to assess"))


@contributes(tto.AUDIENCE, 36)
def deadlines(user) -> Section:
    def item(disclosure) -> Item:
        badge, tone = tto.due_badge(disclosure.deadline_on)
        return Item(disclosure.title, _link(disclosure), meta=_deadline_meta(disclosure),
                    badge=badge, tone=tone)
    return section(
        "disclosure_deadlines", _l("Filing deadlines of disclosures"),
        queries.deadlines_due(user.organisation_id), item,
        _l("No disclosure has to be filed within 60 days."),
        url_for("disclosures.index", view="due"), _l("All filing deadlines"),
        note=_l("File before a planned publication, or within six months of a disclosure that "
                "keeps novelty (Patent Law art. 24)."))


@contributes(inventor.AUDIENCE, 15)
def mine(user) -> Section:
    def item(disclosure) -> Item:
        waiting = any(i.user_id == user.id and i.confirmed_at is None for i in disclosure.inventors)
        return Item(disclosure.title, _link(disclosure),
                    meta=_("Confirm your share") if waiting else _deadline_meta(disclosure),
                    badge=str(STATE_LABELS[disclosure.state]), tone=STATE_TONES[disclosure.state],
                    when=disclosure.updated_at, when_label=_("Last change"))
    return section(
        "disclosures", _l("Your invention disclosures"), queries.of_inventor(user.id), item,
        _l("You have not disclosed an invention yet."),
        url_for("disclosures.index"), _l("All your disclosures"))
