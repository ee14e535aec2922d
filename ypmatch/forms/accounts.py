"""Password reset, member invitation, saved searches, account deletion."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from ypmatch.forms.auth import PASSWORD_MIN
from ypmatch.forms.common import as_choices, text_field


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=PASSWORD_MIN, max=200)],
        description=_l("At least 10 characters."),
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class InviteMemberForm(FlaskForm):
    email = EmailField(
        _l("Email of your colleague"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = text_field(_l("Name"), 120)


class SavedSearchForm(FlaskForm):
    name = text_field(_l("Name of the search"), 120, required=True)
    target = SelectField(
        _l("Look for"),
        choices=as_choices([("needs", _l("New needs")), ("technologies", _l("New technologies"))]),
    )
    text = text_field(_l("Words"), 200)
    city_id = SelectField(_l("City"), coerce=int, validators=[Optional()])
    sector_id = SelectField(_l("Sector"), coerce=int, validators=[Optional()])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[InputRequired()])
