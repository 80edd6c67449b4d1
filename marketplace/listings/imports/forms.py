"""Forms of the bulk import pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (XLSX or CSV)"), validators=[
        FileRequired(message=_l("Choose a file to upload.")),
        FileAllowed(["xlsx", "csv"], message=_l("Choose an XLSX or CSV file."))],
        description=_l("Fill in the template, save it and upload it here. Nothing is imported "
                       "before you have seen the report."))


class ImportRunForm(FlaskForm):
    publish = BooleanField(_l("Publish the imported listings at once (otherwise they are drafts)"))
