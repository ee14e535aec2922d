"""Curators' decisions on suggested pairs, and applying suggested sectors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from ypmatch.forms.common import CheckboxListField, as_choices, text_field
from ypmatch.models import MatchDecisionStatus


class MatchDecisionForm(FlaskForm):
    status = SelectField(
        _l("Decision"),
        choices=as_choices(
            [
                (MatchDecisionStatus.CONFIRMED, _l("Confirm")),
                (MatchDecisionStatus.DISMISSED, _l("Dismiss")),
            ]
        ),
        validators=[InputRequired()],
    )
    note = text_field(_l("Note"), 500)


class ApplySectorsForm(FlaskForm):
    sectors = CheckboxListField(_l("Suggested sectors"), coerce=int)
