"""Forms of the disclosure, its assessment, reviews, filing and outcome."""


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FileField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from marketplace.disclosures.labels import (
    OUTCOME_LABELS,
    PUBLICATION_LABELS,
    RECOMMENDATION_LABELS,
)
from marketplace.disclosures.models import FilingOutcome, PublicationKind, Recommendation
from marketplace.forms import (
    ChoiceField,
    check_share_rows,
    email_validator,
    percent_field,
    required,
)
from marketplace.listings import patentno
from marketplace.listings.forms import GRADE_LABELS, PATENT_NUMBER_MESSAGES
from marketplace.listings.models import FIELDS, Grade

SCORE = [DataRequired(message=_l("Give a score from 1 to 5.")),
         NumberRange(min=1, max=5, message=_l("Give a score from 1 to 5."))]
TRL = [DataRequired(message=_l("Give a whole number from 1 to 9.")),
       NumberRange(min=1, max=9, message=_l("Give a whole number from 1 to 9."))]


class InventorRow(FlaskForm):
    """One inventor (a sub-form: no CSRF of its own)."""

    class Meta:
        csrf = False

    name = StringField(_l("Inventor"), validators=[Optional(), Length(max=80)])
    email = EmailField(_l("E-mail of their account"), validators=[Optional(), email_validator(),
                                                                  Length(max=254)])
    share_pct = percent_field(_l("Share (%)"), validators=[
        Optional(), NumberRange(min=0.01, max=100, message=_l("From 0.01 to 100."))])


class DateRow(FlaskForm):
    """One planned public disclosure (a sub-form)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[SelectChoice("", "—")] + [
        SelectChoice(k.value, v) for k, v in PUBLICATION_LABELS.items()], default="")
    planned_on = DateField(_l("Date"), validators=[Optional()])
    venue = StringField(_l("Conference, journal or thesis"), validators=[Optional(), Length(max=200)])
    qualifying = BooleanField(_l("Keeps novelty for 6 months (Patent Law art. 24)"))


class DisclosureForm(FlaskForm):
    """Everything an inventor discloses; empty inventor and date rows are ignored."""

    title = StringField(_l("Title"), validators=[required(), Length(max=200)])
    field = ChoiceField(_l("Field"), choices=[SelectChoice(k, v) for k, v in FIELDS.items()],
                        validators=[required()])
    problem = TextAreaField(_l("Problem solved"), validators=[required(), Length(max=5000)])
    solution = TextAreaField(_l("Solution"), validators=[required(), Length(max=10000)],
                             description=_l("How it works: enough for a specialist to repeat it."))
    novelty = TextAreaField(_l("What is new over known art"), validators=[required(),
                                                                          Length(max=5000)],
                            description=_l("The closest papers, patents or products you know, "
                                           "and how this differs."))
    funding = TextAreaField(_l("Funding"), validators=[Optional(), Length(max=2000)],
                            description=_l("National and other project numbers, one a line, "
                                           "e.g. 国家自然科学基金 52172345."))
    publications = TextAreaField(_l("Related publications"), validators=[Optional(),
                                                                         Length(max=4000)],
                                 description=_l("Papers and theses already published, one a line."))
    inventors = FieldList(FormField(InventorRow), min_entries=5, max_entries=20)
    public_dates = FieldList(FormField(DateRow), min_entries=3, max_entries=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: An error about all inventor rows together (their total).
        self.total_error = None

    def validate(self, extra_validators=None) -> bool:
        ok, self.total_error = check_share_rows(
            self.inventors, super().validate(extra_validators),
            lambda data: data.share_pct.data is not None or bool(data.email.data))
        for row in self.public_dates:
            data = row.form
            filled = [bool(data.kind.data), data.planned_on.data is not None,
                      bool((data.venue.data or "").strip())]
            if any(filled) and not all(filled):
                data.venue.errors.append(_l("Give the kind, the date and the venue."))
                ok = False
        return ok

    def cleaned(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "title", "field", "problem", "solution", "novelty", "funding", "publications")}
        data["inventors"] = [{"name": r.form.name.data.strip(), "email": r.form.email.data or None,
                              "share_pct": r.form.share_pct.data}
                             for r in self.inventors if (r.form.name.data or "").strip()]
        data["public_dates"] = [{"kind": PublicationKind(r.form.kind.data),
                                 "planned_on": r.form.planned_on.data,
                                 "venue": r.form.venue.data.strip(),
                                 "qualifying": bool(r.form.qualifying.data)}
                                for r in self.public_dates if r.form.kind.data]
        return data


class ScoresMixin:
    novelty_score = IntegerField(_l("Novelty (1–5)"), validators=SCORE)
    inventiveness_score = IntegerField(_l("Inventiveness (1–5)"), validators=SCORE)
    practicality_score = IntegerField(_l("Practical use (1–5)"), validators=SCORE)


class AssessmentForm(ScoresMixin, FlaskForm):
    """The structured pre-filing assessment."""

    prior_art = TextAreaField(_l("Prior art found"), validators=[Optional(), Length(max=4000)],
                              description=_l("Patent or publication numbers and links, one a line."))
    market_field = ChoiceField(_l("Market field"), choices=[SelectChoice(k, v)
                                                            for k, v in FIELDS.items()],
                               validators=[required()])
    likely_licensees = TextAreaField(_l("Likely licensees"), validators=[Optional(),
                                                                         Length(max=2000)])
    trl = IntegerField(_l("Technology readiness level (1–9)"), validators=TRL)
    market_size = StringField(_l("Market size"), validators=[Optional(), Length(max=300)],
                              description=_l("e.g. 国内年市场规模约 30 亿元"))
    recommendation = ChoiceField(_l("Recommendation"), choices=[
        SelectChoice(k.value, v) for k, v in RECOMMENDATION_LABELS.items()], validators=[required()])
    grade = ChoiceField(_l("Proposed grade"), choices=[SelectChoice(k.value, v)
                                                       for k, v in GRADE_LABELS.items()],
                        validators=[required()])
    conclusion = TextAreaField(_l("Conclusion of the pre-filing assessment"),
                               validators=[required(), Length(max=5000)])
    decision_note = TextAreaField(_l("Explanation for the inventors"),
                                  validators=[Optional(), Length(max=3000)],
                                  description=_l("Needed to record the decision: sent to the "
                                                 "inventors with it."))

    def cleaned(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "novelty_score", "inventiveness_score", "practicality_score", "prior_art",
            "market_field", "likely_licensees", "trl", "market_size", "conclusion")}
        data["recommendation"] = Recommendation(self.recommendation.data)
        data["grade"] = Grade(self.grade.data)
        return data


class ReviewForm(ScoresMixin, FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=3000)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Reviewer's e-mail"), validators=[required(), email_validator()],
                       description=_l("A confirmed account of a verified organisation."))


class FilingForm(FlaskForm):
    application_number = StringField(_l("Application number"), validators=[required()],
                                     description=_l("e.g. 202410601862.3"))
    filed_on = DateField(_l("Filing date"), validators=[required()])

    def validate_application_number(self, field):
        reason = patentno.problem(field.data or "")
        if reason:
            raise ValidationError(str(PATENT_NUMBER_MESSAGES[reason]))


class OutcomeForm(FlaskForm):
    outcome = RadioField(_l("Result"), choices=[
        SelectChoice(k.value, OUTCOME_LABELS[k]) for k in (FilingOutcome.GRANTED,
                                                           FilingOutcome.REFUSED)],
        validators=[required()])
    on = DateField(_l("Date of the decision"), validators=[required()])
    reason = TextAreaField(_l("Reason for the refusal"), validators=[Optional(), Length(max=3000)])


class FileForm(FlaskForm):
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[required()])
