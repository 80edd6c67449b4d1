"""Forms of technology needs, proposals, invitations and preference profiles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from marketplace import timezones
from marketplace.forms import ChoiceField, money_field, required
from marketplace.listings.forms import MODE_LABELS, MultiCheckboxField
from marketplace.listings.models import FIELDS, ConversionMode

MAX_AMOUNT = 9999999999


def _amount(label, description=None):
    return money_field(label, description=description, validators=[
        Optional(), NumberRange(min=0, max=MAX_AMOUNT, message=_l("Give an amount in yuan."))])


def _trl(label, default):
    return IntegerField(label, default=default, validators=[
        DataRequired(message=_l("Give a whole number from 1 to 9.")),
        NumberRange(min=1, max=9, message=_l("Give a whole number from 1 to 9."))])


def _keywords(field):
    parts = [part.strip() for part in (field.data or "").replace("，", ",").replace("、", ",").split(",")]
    field.data = ", ".join(part for part in parts if part) or None


class NeedForm(FlaskForm):
    """A technology need; ``publish`` (a second submit button) opens it at once."""

    title = StringField(_l("Title"), validators=[required(), Length(max=200)],
                        description=_l("What you are looking for, e.g. 动力电池热失控早期预警技术"))
    description = TextAreaField(_l("Description"), validators=[required(), Length(min=20, max=5000)],
                                description=_l("The problem, the product it is for, what a solution "
                                               "must achieve, and what you have already tried."))
    field = ChoiceField(_l("Field"), choices=[SelectChoice(k, v) for k, v in FIELDS.items()],
                        validators=[required()])
    keywords = StringField(_l("Keywords"), validators=[Optional(), Length(max=300)],
                           description=_l("Separated by commas; they help us find matching listings."))
    budget_min = _amount(_l("Budget from (CNY)"))
    budget_max = _amount(_l("Budget up to (CNY)"), _l("Leave empty if open."))
    mode = SelectField(_l("Preferred conversion mode"),
                       choices=[SelectChoice("", _l("Any"))]
                       + [SelectChoice(k.value, v) for k, v in MODE_LABELS.items()])
    trl_min = _trl(_l("Readiness from (TRL)"), 1)
    trl_max = _trl(_l("Readiness up to (TRL)"), 9)
    deadline = DateField(_l("Deadline for proposals"), validators=[Optional()],
                         description=_l("Leave empty for no deadline."))
    visibility = RadioField(_l("Who can see it"), default="public", choices=[
        SelectChoice("public", _l("Public: everyone can see it and every university can propose")),
        SelectChoice("private",
                     _l("Private: only universities whose listings match it or that you invite"))])

    def validate_keywords(self, field):
        _keywords(field)

    def validate_deadline(self, field):
        if field.data and field.data < timezones.today():
            raise ValidationError(_l("The deadline has passed; choose a later day."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        low, high = self.budget_min.data, self.budget_max.data
        if low is not None and high is not None and low > high:
            self.budget_max.errors.append(_l("The budget's upper end is below its lower end."))
            valid = False
        if self.trl_min.data and self.trl_max.data and self.trl_min.data > self.trl_max.data:
            self.trl_max.errors.append(_l("The highest readiness level is below the lowest."))
            valid = False
        return valid

    def fill(self, need) -> None:
        self.field.data, self.mode.data = need.field, need.mode.value if need.mode else ""
        self.visibility.data = "public" if need.is_public else "private"

    def cleaned(self) -> dict:
        return {"title": self.title.data.strip(), "description": self.description.data.strip(),
                "field": self.field.data, "keywords": self.keywords.data,
                "budget_min": self.budget_min.data, "budget_max": self.budget_max.data,
                "mode": ConversionMode(self.mode.data) if self.mode.data else None,
                "trl_min": self.trl_min.data, "trl_max": self.trl_max.data,
                "deadline": self.deadline.data, "is_public": self.visibility.data == "public"}


class ProposalForm(FlaskForm):
    listing_id = ChoiceField(_l("Your listing"), coerce=int, validators=[required()])
    note = TextAreaField(_l("Note for the company"), validators=[required(), Length(max=2000)],
                         description=_l("Why this listing fits the need, and what you can offer."))

    def __init__(self, *args, listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_id.choices = [SelectChoice(listing.id, listing.title) for listing in listings]


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class InviteForm(FlaskForm):
    organisation_id = ChoiceField(_l("University"), coerce=int, validators=[required()])

    def __init__(self, *args, universities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [SelectChoice(org.id, org.name) for org in universities]


class StateForm(FlaskForm):
    """The CSRF-protected form behind publish / close / reopen buttons."""


class PreferenceForm(FlaskForm):
    fields = MultiCheckboxField(_l("Fields"), choices=[SelectChoice(k, v) for k, v in FIELDS.items()])
    keywords = StringField(_l("Keywords"), validators=[Optional(), Length(max=300)],
                           description=_l("Technologies you look for, separated by commas."))
    modes = MultiCheckboxField(_l("Conversion modes"),
                               choices=[SelectChoice(k.value, v) for k, v in MODE_LABELS.items()])
    trl_min = _trl(_l("Readiness from (TRL)"), 1)
    trl_max = _trl(_l("Readiness up to (TRL)"), 9)
    budget_max = _amount(_l("Budget per project up to (CNY)"), _l("Leave empty if open."))

    def validate_keywords(self, field):
        _keywords(field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.trl_min.data and self.trl_max.data and self.trl_min.data > self.trl_max.data:
            self.trl_max.errors.append(_l("The highest readiness level is below the lowest."))
            valid = False
        if valid and not (self.fields.data or self.keywords.data):
            self.keywords.errors.append(_l("Choose at least one field or give a keyword."))
            valid = False
        return valid

    def cleaned(self) -> dict:
        return {"fields": list(self.fields.data or []), "keywords": self.keywords.data,
                "modes": list(self.modes.data or []), "trl_min": self.trl_min.data,
                "trl_max": self.trl_max.data, "budget_max": self.budget_max.data}
