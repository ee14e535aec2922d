"""Company profiles, technologies and the bureau's review."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, URLField
from wtforms.validators import URL, InputRequired, Length, Optional, ValidationError

from ypmatch import labels
from ypmatch.forms.common import (
    CheckboxListField,
    VersionedForm,
    as_choices,
    long_text_field,
    text_field,
)
from ypmatch.models.companies import YOKOHAMA_WARDS


class CompanyProfileFields(FlaskForm):
    name_ja = text_field(_l("Company name (Japanese)"), 200)
    name_en = text_field(_l("Company name (English)"), 200)
    ward = SelectField(
        _l("Ward"),
        choices=as_choices([("", "—")] + [(ward, labels.WARD[ward]) for ward in YOKOHAMA_WARDS]),
        validators=[Optional()],
    )
    size = SelectField(_l("Size"), choices=as_choices(list(labels.COMPANY_SIZE.items())))
    website = URLField(
        _l("Website"), validators=[Optional(), URL(require_tld=True), Length(max=300)]
    )
    overseas_countries = CheckboxListField(
        _l("Overseas experience"),
        choices=as_choices(list(labels.COUNTRIES.items())),
        validators=[Optional()],
    )
    description_ja = long_text_field(_l("About the company (Japanese)"), 5000)
    description_en = long_text_field(_l("About the company (English)"), 5000)

    def validate_website(self, field) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("The website must start with http:// or https://."))

    def profile_data(self) -> dict:
        return {
            "name_ja": self.name_ja.data or "",
            "name_en": self.name_en.data or "",
            "ward": self.ward.data or "",
            "size": self.size.data,
            "website": self.website.data or "",
            "overseas_countries": sorted(self.overseas_countries.data or []),
            "description_ja": self.description_ja.data or "",
            "description_en": self.description_en.data or "",
        }


class CompanyForm(CompanyProfileFields, VersionedForm):
    # The bureau confirms membership of the Y-PORT Center; the view removes the field for
    # anyone else.
    yport_member = BooleanField(_l("Member of the Y-PORT Center public-private platform"))

    def profile_data(self) -> dict:
        data = super().profile_data()
        if self.yport_member is not None:
            data["yport_member"] = bool(self.yport_member.data)
        return data


class TechnologyForm(VersionedForm):
    title_ja = text_field(_l("Title (Japanese)"), 200)
    title_en = text_field(_l("Title (English)"), 200)
    description_ja = long_text_field(_l("Description (Japanese)"))
    description_en = long_text_field(_l("Description (English)"))
    sectors = CheckboxListField(_l("Sectors"), coerce=int, validators=[Optional()])
    track_record = long_text_field(_l("Track record"), 5000)


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=as_choices([("approve", _l("Approve")), ("reject", _l("Reject"))]),
        validators=[InputRequired()],
    )
    reason = long_text_field(_l("Reason (sent to the company)"), 2000)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "reject" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, _l("Say why the sign-up is rejected.")]
            return False
        return valid
