"""Forms for assembling and publishing lists."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from marketplace.forms import ChoiceField, required
from marketplace.lists.models import ListKind

LIST_KIND_LABELS = {
    ListKind.HIGH_VALUE_PATENTS: _l("High-value patent list"),
    ListKind.KEY_ACHIEVEMENTS: _l("Key achievement list"),
}


class ListForm(FlaskForm):
    """The working title, kind and description of a list."""

    kind = ChoiceField(_l("Kind of list"),
                       choices=[SelectChoice(k.value, v) for k, v in LIST_KIND_LABELS.items()],
                       validators=[required()])
    title = StringField(_l("Title"), validators=[
        required(), Length(max=200)],
        description=_l("e.g. 2026 high-value patent list of the School of Materials"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)],
                                description=_l("What the list selects and why; shown on its page."))

    def cleaned(self) -> dict:
        """The values for ``lists.services``."""
        return {"kind": ListKind(self.kind.data), "title": self.title.data.strip(),
                "description": (self.description.data or "").strip() or None}


class AddListingForm(FlaskForm):
    """Add one listing, chosen from the candidates shown on the page."""

    listing_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class PublishForm(FlaskForm):
    note = TextAreaField(_l("Note on this version"), validators=[Optional(), Length(max=2000)],
                         description=_l("Optional: what changed since the previous version."))


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""

