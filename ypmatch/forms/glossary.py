"""Glossary concepts, edited by curators."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from ypmatch.forms.common import (
    CheckboxListField,
    VersionedForm,
    long_text_field,
    strip_text,
    text_field,
)

MAX_FORM_LENGTH = 120


def surface_forms(text: str | None) -> list[str]:
    """One surface form per line (commas also separate)."""
    forms = []
    for line in (text or "").replace("、", ",").splitlines():
        forms.extend(part.strip() for part in line.split(",") if part.strip())
    return forms


class GlossaryConceptForm(VersionedForm):
    key = StringField(
        _l("Key"),
        validators=[
            InputRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits and underscores.")),
        ],
        filters=[strip_text],
    )
    label_en = text_field(_l("Label (English)"), 200, required=True)
    label_ja = text_field(_l("Label (Japanese)"), 200, required=True)
    forms_en = long_text_field(
        _l("English surface forms and abbreviations"),
        5000,
        description=_l("One per line, e.g. non-revenue water, NRW, water losses."),
    )
    forms_ja = long_text_field(
        _l("Japanese surface forms"),
        5000,
        description=_l("One per line, e.g. 無収水, 漏水率."),
    )
    sectors = CheckboxListField(_l("Sectors"), coerce=int)
    outside_scope = BooleanField(
        _l("A trade outside the programme"),
        description=_l(
            "Technologies whose title or company name names it are never proposed for needs "
            "(restaurants, games, realty …)."
        ),
    )

    related = long_text_field(
        _l("Related concepts"),
        5000,
        description=_l(
            "Keys of the concepts a city or a firm reaches for with this one, one per line: "
            "a problem's remedies (non_revenue_water: leak_detection, water_meter), a "
            "remedy's problem. A text naming this concept then also matches those."
        ),
    )

    def validate_forms_en(self, field) -> None:
        self._check_forms(field)

    def validate_forms_ja(self, field) -> None:
        self._check_forms(field)

    @staticmethod
    def _check_forms(field) -> None:
        for form in surface_forms(field.data):
            if len(form) > MAX_FORM_LENGTH:
                raise ValidationError(_l("A surface form may have at most 120 characters."))
            if len(form) < 2:
                raise ValidationError(
                    _l("Single characters match too much text; use at least two.")
                )


class MergeConceptForm(FlaskForm):
    duplicate_key = text_field(
        _l("Key of the duplicate concept to merge into this one"), 80, required=True
    )
