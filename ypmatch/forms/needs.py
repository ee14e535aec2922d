"""City needs."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from ypmatch import labels
from ypmatch.forms.common import (
    CheckboxListField,
    VersionedForm,
    as_choices,
    long_text_field,
    text_field,
)
from ypmatch.models.needs import FUNDING_SOURCES


class NeedForm(VersionedForm):
    city_id = SelectField(_l("City"), coerce=int, validators=[InputRequired()])
    title_en = text_field(_l("Title (English)"), 200)
    title_ja = text_field(_l("Title (Japanese)"), 200)
    description_en = long_text_field(_l("Description (English)"))
    description_ja = long_text_field(_l("Description (Japanese)"))
    sectors = CheckboxListField(_l("Sectors"), coerce=int)
    status = SelectField(_l("Status"), choices=as_choices(list(labels.NEED_STATUS.items())))
    visibility = SelectField(_l("Visible to"), choices=as_choices(list(labels.VISIBILITY.items())))
    funding = CheckboxListField(
        _l("Funding hints"),
        choices=as_choices([(source, labels.FUNDING[source]) for source in FUNDING_SOURCES]),
    )
    timeline = text_field(
        _l("Expected timeline"),
        120,
        description=_l("For example: 2027–2029, or 'before the 2028 rainy season'."),
    )

    def need_data(self, sectors: list) -> dict:
        """The need's fields; status and visibility only when the form offers them."""
        data = {
            "city_id": self.city_id.data,
            "title_en": self.title_en.data or "",
            "title_ja": self.title_ja.data or "",
            "description_en": self.description_en.data or "",
            "description_ja": self.description_ja.data or "",
            "sectors": sectors,
            "funding": sorted(self.funding.data or []),
            "timeline": self.timeline.data or "",
        }
        for name in ("status", "visibility"):
            if name in self:
                data[name] = self[name].data
        return data


class NeedStatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=as_choices(list(labels.NEED_STATUS.items())))


class PublishReviewForm(FlaskForm):
    """Whom to tell about a need being published: the companies the matcher proposes."""

    notify = CheckboxListField(_l("Tell these companies"), coerce=int, validate_choice=True)
