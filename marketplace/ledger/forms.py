"""Forms for the revenue split, the bank account and inventors' contribution shares."""


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from marketplace.forms import check_share_rows, percent_field, required
from marketplace.ledger import services as ledger

PERCENT = [required(),
           NumberRange(min=0, max=100, message=_l("A percentage from 0 to 100."))]


class FinanceForm(FlaskForm):
    """A university's split (percent of each payment) and its account for transfers."""

    inventors_pct = percent_field(_l("Inventors (%)"), validators=PERCENT,
                                 description=_l("Shared among the inventors by contribution share. "
                                                "At least 50 unless the university has its own rule."))
    tto_pct = percent_field(_l("Technology-transfer office (%)"), validators=PERCENT)
    university_pct = percent_field(_l("University (%)"), validators=PERCENT)
    own_rule_text = TextAreaField(_l("The university's own rule"), validators=[
        Optional(), Length(max=4000)],
        description=_l("Only needed when inventors get less than 50%: the rule's text."))
    own_rule_reference = StringField(_l("Document reference of the rule"), validators=[
        Optional(), Length(max=200)], description=_l("e.g. 校发〔2024〕12号"))
    account_name = StringField(_l("Account name"), validators=[Optional(), Length(max=120)])
    bank_name = StringField(_l("Bank and branch"), validators=[Optional(), Length(max=120)])
    account_number = StringField(_l("Account number"), validators=[Optional(), Length(max=40)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        errors = ledger.check_split(self.inventors_pct.data, self.tto_pct.data,
                                    self.university_pct.data, (self.own_rule_text.data or "").strip(),
                                    (self.own_rule_reference.data or "").strip())
        for name, message in errors.items():
            getattr(self, name).errors.append(message)
        return not errors

    def cleaned(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "inventors_pct", "tto_pct", "university_pct", "own_rule_text", "own_rule_reference",
            "account_name", "bank_name", "account_number")}


class ShareRow(FlaskForm):
    """One inventor's row (a sub-form: no CSRF of its own)."""

    class Meta:
        csrf = False

    name = StringField(_l("Inventor"), validators=[Optional(), Length(max=80)])
    user_id = SelectField(_l("Account"), coerce=int, default=0, validate_choice=True)
    share_pct = percent_field(_l("Share (%)"), validators=[
        Optional(), NumberRange(min=0.01, max=100, message=_l("From 0.01 to 100."))])


class SharesForm(FlaskForm):
    """Contribution shares of a listing's inventors (empty rows are ignored)."""

    rows = FieldList(FormField(ShareRow), min_entries=8, max_entries=20)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        #: An error about all rows together (their total).
        self.total_error = None
        choices = [(0, "—")] + [(user.id, f"{user.name} <{user.email}>") for user in accounts]
        for row in self.rows:
            row.form.user_id.choices = choices

    def validate(self, extra_validators=None) -> bool:
        ok, self.total_error = check_share_rows(
            self.rows, super().validate(extra_validators),
            lambda data: data.share_pct.data is not None)
        return ok

    def cleaned(self) -> list[dict]:
        return [{"name": row.form.name.data.strip(), "user_id": row.form.user_id.data or None,
                 "share_pct": row.form.share_pct.data}
                for row in self.rows if (row.form.name.data or "").strip()]


class PeriodForm(FlaskForm):
    """The period a statement covers (both ends optional, inclusive)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
