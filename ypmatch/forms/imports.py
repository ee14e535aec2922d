"""Uploading a file to import, and confirming its preview."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired, Length, Regexp

from ypmatch.forms.common import as_choices

IMPORT_KINDS = {
    "companies": _l("Companies and their technologies"),
    "needs": _l("City needs"),
}


class ImportUploadForm(FlaskForm):
    kind = RadioField(
        _l("The file holds"),
        choices=as_choices(list(IMPORT_KINDS.items())),
        validators=[InputRequired()],
    )
    file = FileField(
        _l("File (XLSX or CSV)"),
        validators=[FileRequired(_l("Choose a file to import."))],
        description=_l("Row 1 holds the column headers, in Japanese or English."),
    )


class ImportConfirmForm(FlaskForm):
    # The preview's digest: the import applies only what the curator saw.
    digest = HiddenField(validators=[InputRequired(), Length(max=64), Regexp(r"^[0-9a-f]+$")])
