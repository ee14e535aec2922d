"""Accounts and roles, for admins."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import Email, InputRequired, Length, Optional

from ypmatch import labels
from ypmatch.forms.common import as_choices, text_field


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = text_field(_l("Name"), 120)
    role = SelectField(_l("Role"), choices=as_choices(list(labels.ROLE.items())))
    company_id = SelectField(
        _l("Company (for company members)"), coerce=int, validators=[Optional()]
    )
    city_id = SelectField(_l("City (for city focal points)"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Initial password"), validators=[Optional(), Length(min=10, max=200)]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.role.data == "company" and not self.company_id.data:
            self.company_id.errors = [*self.company_id.errors, _l("Choose the member's company.")]
            valid = False
        if self.role.data == "city" and not self.city_id.data:
            self.city_id.errors = [*self.city_id.errors, _l("Choose the focal point's city.")]
            valid = False
        return valid
