"""A stored match's reasons as readable sentences in the reader's language.

Each part is one translatable sentence with placeholders (the zh_Hans_CN catalogue has the
Chinese); the parts are rendered when shown, so the same stored match reads in Chinese or
English.
"""

from flask_babel import gettext as _
from flask_babel import pgettext

from marketplace import amounts
from marketplace.listings.forms import MODE_LABELS
from marketplace.listings.models import FIELDS, ConversionMode


def _join(items) -> str:
    return pgettext("list separator", ", ").join(items)


def _quoted(terms) -> str:
    return _join(_("“%(term)s”", term=term) for term in terms)


def _modes(values) -> str:
    return _join(str(MODE_LABELS[ConversionMode(value)]) for value in values)


def _field(key: str) -> str:
    return str(FIELDS.get(key, key))


def sentences(reasons: dict, *, profile: bool = False) -> list[str]:
    """The explanation of one match, one sentence per part that applied."""
    out = []
    terms = reasons.get("terms")
    if terms:
        out.append(_("Shares the key terms %(terms)s.", terms=_quoted(terms)))
    field = reasons.get("field")
    if field:
        name = _field(field["value"])
        if field["fit"] == "same":
            out.append(_("In one of your fields: %(field)s.", field=name) if profile
                       else _("In the same field: %(field)s.", field=name))
        elif field["fit"] == "related":
            out.append(_("In a related field: %(field)s.", field=name))
        else:
            out.append(_("In another field: %(field)s.", field=name))
    trl = reasons.get("trl")
    if trl:
        values = {"trl": trl["value"], "low": trl["min"], "high": trl["max"]}
        out.append({
            "inside": _("Readiness TRL %(trl)d is within the wanted range %(low)d–%(high)d.", **values),
            "below": _("Readiness TRL %(trl)d is below the wanted range %(low)d–%(high)d.", **values),
            "above": _("Readiness TRL %(trl)d is above the wanted range %(low)d–%(high)d.", **values),
        }[trl["fit"]])
    mode = reasons.get("mode")
    if mode:
        wanted = _modes(mode["wanted"])
        if mode["fit"] == "offered":
            out.append(_("Offers the preferred mode: %(mode)s.", mode=_modes(mode["modes"])))
        elif mode["fit"] == "similar":
            out.append(_("Does not offer %(wanted)s, but offers the close %(mode)s.", wanted=wanted,
                         mode=_modes(mode["modes"])))
        else:
            out.append(_("Does not offer %(wanted)s.", wanted=wanted))
    budget = reasons.get("budget")
    if budget:
        if budget["fit"] == "negotiable":
            out.append(_("The price is negotiable."))
        elif budget["fit"] == "within":
            out.append(_("The asking price of %(price)s is within the budget.",
                         price=amounts.display(budget["price"])))
        else:
            out.append(_("The asking price of %(price)s is above the budget of %(budget)s.",
                         price=amounts.display(budget["price"]), budget=amounts.display(budget["max"])))
    return out


def text(reasons: dict, *, profile: bool = False) -> str:
    """The sentences as one paragraph."""
    return " ".join(sentences(reasons, profile=profile))
