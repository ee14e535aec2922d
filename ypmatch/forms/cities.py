"""Partner cities and sectors."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ypmatch import labels
from ypmatch.forms.common import VersionedForm, as_choices, long_text_field, strip_text, text_field


class CityForm(VersionedForm):
    name_en = text_field(_l("Name (English)"), 120, required=True)
    name_ja = text_field(_l("Name (Japanese)"), 120)
    country_code = SelectField(
        _l("Country"),
        choices=as_choices(sorted(labels.COUNTRIES.items(), key=lambda item: str(item[1]))),
        validators=[InputRequired()],
    )
    region = SelectField(_l("Region"), choices=as_choices(list(labels.REGION.items())))
    relationship = SelectField(
        _l("Relationship"), choices=as_choices(list(labels.RELATIONSHIP.items()))
    )
    relationship_date = DateField(
        _l("Date of the memorandum or relationship"), validators=[Optional()]
    )
    population = IntegerField(
        _l("Population"), validators=[Optional(), NumberRange(min=0, max=100_000_000)]
    )
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    notes = long_text_field(_l("Notes"), 5000)

    def city_data(self) -> dict:
        return {
            "name_en": self.name_en.data,
            "name_ja": self.name_ja.data or "",
            "country_code": self.country_code.data,
            "region": self.region.data,
            "relationship": self.relationship.data,
            "relationship_date": self.relationship_date.data,
            "population": self.population.data,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "notes": self.notes.data or "",
        }


class SectorForm(VersionedForm):
    name_en = text_field(_l("Name (English)"), 120, required=True)
    name_ja = text_field(_l("Name (Japanese)"), 120, required=True)
    slug = StringField(
        _l("Code"),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(r"^[a-z0-9_]*$", message=_l("Use lower-case letters, digits and underscores.")),
        ],
        filters=[strip_text],
        description=_l("Lower-case letters, digits and underscores; left empty, one is made."),
    )
