"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from marketplace.accounts.models import Role
from marketplace.orgs.forms import ROLE_LABELS


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the organisation"), validators=[
        DataRequired(message=_l("Give the organisation a reason it can act on.")),
        Length(min=4, max=2000, message=_l("Write between 4 and 2,000 characters."))])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
                       validate_choice=True)
