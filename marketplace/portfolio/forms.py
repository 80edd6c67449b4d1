"""Forms of the portfolio: regrade, a maintenance decision, the fee due date."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from marketplace.forms import ChoiceField, required
from marketplace.listings.forms import GRADE_LABELS
from marketplace.portfolio.models import MaintenanceChoice

CHOICE_LABELS = {
    MaintenanceChoice.KEEP: _l("Keep paying the annual fees"),
    MaintenanceChoice.OPEN_LICENSE: _l("Keep it and offer an open licence"),
    MaintenanceChoice.ABANDON: _l("Abandon: stop paying the annual fees"),
}
REASON = [required(), Length(max=2000)]


class RegradeForm(FlaskForm):
    """A new grade with the reason for it."""

    grade = ChoiceField(_l("New grade"), validators=[required()],
                        choices=[SelectChoice(g.value, label) for g, label in GRADE_LABELS.items()])
    reason = TextAreaField(_l("Reason for the new grade"), validators=REASON,
                           description=_l("Kept in the patent's grade history."))


class MaintenanceForm(FlaskForm):
    """Keep paying, open-license or abandon, with the reason and the fee due date."""

    choice = RadioField(_l("What to do with the patent"), choices=[SelectChoice(c.value, label)
                                                   for c, label in CHOICE_LABELS.items()],
                        validators=[required()])
    reason = TextAreaField(_l("Reason for the decision"), validators=REASON)
    fee_due_on = DateField(_l("Annual fee due date this decision is for"), validators=[Optional()],
                           description=_l("Leave empty for the next due date shown above."))


class FeeDueForm(FlaskForm):
    """An explicit due date of the next annual fee, or empty for the filing anniversary."""

    fee_due_on = DateField(_l("Next annual fee due on"), validators=[Optional()],
                           description=_l("Leave empty to use the anniversary of the filing date."))
