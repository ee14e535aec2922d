"""Sign-in, company sign-up and account settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from ypmatch import labels
from ypmatch.forms.common import as_choices, text_field
from ypmatch.forms.companies import CompanyProfileFields

PASSWORD_MIN = 10


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class SignUpForm(CompanyProfileFields):
    person_name = text_field(_l("Your name"), 120, required=True)
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=PASSWORD_MIN, max=200)],
        description=_l("At least 10 characters."),
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AccountForm(FlaskForm):
    name = text_field(_l("Your name"), 120, required=True)
    alert_frequency = SelectField(
        _l("Emails about needs that fit your technologies"),
        choices=as_choices(list(labels.ALERT_FREQUENCY.items())),
    )
    locale = SelectField(
        _l("Language"),
        choices=as_choices([("", _l("As my browser")), ("en", "English"), ("ja", "日本語")]),
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=PASSWORD_MIN, max=200)]
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
