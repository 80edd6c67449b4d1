"""Forms of the action: batches, categories, plans, key projects, reports, cases and units."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from marketplace.action.models import PLAN_SECTIONS, PLAN_TARGETS, PlanState, UniversityCategory
from marketplace.action.reports.models import ReportState
from marketplace.forms import ChoiceField, money_field
from marketplace.listings.forms import MultiCheckboxField

CATEGORY_LABELS = {
    UniversityCategory.DEMONSTRATION: _l("National IP and conversion demonstration university"),
    UniversityCategory.PILOT: _l("National IP pilot university"),
    UniversityCategory.OTHER: _l("Other university"),
}
#: Plans and reports go through the same review, with the same states (by member name).
_REVIEW_LABELS = {
    "DRAFT": _l("Draft"),
    "SUBMITTED": _l("Submitted, awaiting review"),
    "RETURNED": _l("Returned for revision"),
    "APPROVED": _l("Approved"),
}
PLAN_STATE_LABELS = {state: _REVIEW_LABELS[state.name] for state in PlanState}
REPORT_STATE_LABELS = {state: _REVIEW_LABELS[state.name] for state in ReportState}
#: The annex template's sections: (column, number and title, guidance).
SECTION_LABELS = {
    "basis": (_l("1. Current situation"),
              _l("The university's IP management and conversion so far: patents held, conversions, "
                 "the technology-transfer office and its people.")),
    "goals": (_l("2. Goals"),
              _l("What the university will achieve in the action period: high-value patents "
                 "cultivated and converted, mechanisms established.")),
    "organisation": (_l("3. Organisation"),
                     _l("Leading group, the technology-transfer office and research administration, "
                        "IP specialists (知识产权专员) and their duties.")),
    "mechanisms": (_l("4. Mechanisms"),
                   _l("Invention disclosure, pre-filing assessment, grading of patents, whole-process "
                      "IP management of major projects, revenue sharing.")),
    "measures": (_l("6. Support measures"),
                 _l("Funding, incentives, evaluation of the secondary units, cooperation with "
                    "companies and investors, roadshows.")),
    "expected_results": (_l("7. Expected results"),
                         _l("What will be different at the end; the numeric targets follow.")),
}
PROJECTS_LABEL = _l("5. Key projects and patent portfolios")
TARGET_LABELS = {
    "target_high_value_patents": _l("High-value patents cultivated"),
    "target_conversions": _l("Patents converted (licences, transfers, equity)"),
    "target_amount": _l("Contract amount (CNY)"),
    "target_open_licences": _l("Patents under open licence"),
    "target_roadshows": _l("Roadshows held"),
}


def _category_choices():
    return [SelectChoice(k.value, v) for k, v in CATEGORY_LABELS.items()]


class BatchForm(FlaskForm):
    name = StringField(_lp("batch", "Name"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("Start"), validators=[DataRequired()])
    plan_due_on = DateField(_l("Plan deadline (last day)"), validators=[DataRequired()])
    ends_on = DateField(_l("End of the implementation period"), validators=[DataRequired()])
    timezone = StringField(_l("Time zone of the dates"), validators=[DataRequired(), Length(max=40)])
    eligible_categories = MultiCheckboxField(_l("Universities that may enrol"),
                                             choices=_category_choices())
    enrolment_open = BooleanField(_l("Taking enrolments"))

    def validate_timezone(self, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Unknown time zone; use a name such as Asia/Shanghai."))

    def validate_plan_due_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The deadline must not be before the start."))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end must not be before the start."))

    def cleaned(self) -> dict:
        return {"name": self.name.data.strip(), "description": (self.description.data or "").strip() or None,
                "starts_on": self.starts_on.data, "plan_due_on": self.plan_due_on.data,
                "ends_on": self.ends_on.data, "timezone": self.timezone.data.strip(),
                "eligible_categories": sorted(self.eligible_categories.data or []),
                "enrolment_open": bool(self.enrolment_open.data)}


class CategoryForm(FlaskForm):
    category = ChoiceField(_l("Category"), choices=_category_choices(), validators=[DataRequired()])


class PlanForm(FlaskForm):
    """The narrative sections and the numeric targets of a plan."""

    basis = TextAreaField(validators=[Optional(), Length(max=20000)])
    goals = TextAreaField(validators=[Optional(), Length(max=20000)])
    organisation = TextAreaField(validators=[Optional(), Length(max=20000)])
    mechanisms = TextAreaField(validators=[Optional(), Length(max=20000)])
    measures = TextAreaField(validators=[Optional(), Length(max=20000)])
    expected_results = TextAreaField(validators=[Optional(), Length(max=20000)])
    target_high_value_patents = IntegerField(validators=[Optional(), NumberRange(min=0, max=100000)])
    target_conversions = IntegerField(validators=[Optional(), NumberRange(min=0, max=100000)])
    target_amount = money_field(validators=[Optional(), NumberRange(min=0, max=10**11)])
    target_open_licences = IntegerField(validators=[Optional(), NumberRange(min=0, max=100000)])
    target_roadshows = IntegerField(validators=[Optional(), NumberRange(min=0, max=10000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PLAN_SECTIONS:
            label, hint = SECTION_LABELS[name]
            getattr(self, name).label.text, getattr(self, name).description = label, hint
        for name in PLAN_TARGETS:
            getattr(self, name).label.text = TARGET_LABELS[name]

    def cleaned(self) -> dict:
        data = {name: (getattr(self, name).data or "").strip() or None for name in PLAN_SECTIONS}
        data.update({name: getattr(self, name).data for name in PLAN_TARGETS})
        return data


class ProjectForm(FlaskForm):
    title = StringField(_l("Project"), validators=[DataRequired(), Length(max=200)])
    platform = StringField(_l("Platform or programme"), validators=[Optional(), Length(max=200)],
                           description=_l("e.g. 全国重点实验室, 国家重点研发计划项目"))
    description = TextAreaField(_l("Portfolio plan"), validators=[DataRequired(), Length(max=10000)],
                                description=_l("The technology, the patent layout and how it will be "
                                               "converted."))
    listing_ids = MultiCheckboxField(_l("Patents and achievements in the portfolio"), coerce=int,
                                     validate_choice=False)

    def cleaned(self) -> dict:
        return {"title": self.title.data.strip(), "platform": (self.platform.data or "").strip() or None,
                "description": self.description.data.strip(), "listing_ids": self.listing_ids.data or []}


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")),
                                                   SelectChoice("return", _l("Return for revision"))],
                          validators=[DataRequired(message=_l("Choose a decision."))])
    comment = TextAreaField(_l("Comment to the university"), validators=[Optional(), Length(max=5000)],
                            description=_l("Required when returning: say what must be revised."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "return" and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors, _l("Say what must be revised.")]
            return False
        return valid


class ReportForm(FlaskForm):
    """The narrative; the figures are read from the request (one per registered metric)."""

    narrative = TextAreaField(_l("Narrative of the year’s results"),
                              validators=[Optional(), Length(max=30000)])


class CaseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    narrative = TextAreaField(_l("The case"), validators=[DataRequired(), Length(max=10000)],
                              description=_l("Background, how the conversion came about, the result."))
    deal_key = SelectField(_l("Recorded deal"), validate_choice=False)
    listing_id = SelectField(_l("Or: the listing it concerns"), validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.deal_key.data and not self.listing_id.data:
            self.listing_id.errors = [*self.listing_id.errors,
                                      _l("Choose the deal or the listing the case is about.")]
            return False
        return valid


class UnitForm(FlaskForm):
    name = StringField(_l("Name of the school or institute"), validators=[DataRequired(), Length(max=100)])


class AssignForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), validate_choice=False)
    listing_ids = MultiCheckboxField(_l("Listings"), coerce=int, validate_choice=False)


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""
