"""Forms of the payment pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ReasonForm(FlaskForm):
    """A refund or cancellation, with the reason that is stored and audited."""

    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give a reason.")), Length(max=2000)],
        description=_l("Stored with the payment and shown to the payer."))


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""
