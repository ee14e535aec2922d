"""Personal API tokens on the account page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ypmatch.forms.common import text_field


class TokenForm(FlaskForm):
    name = text_field(
        _l("Token name"),
        120,
        required=True,
        description=_l("What will use it, for example 'city reporting script'."),
    )


class RevokeTokenForm(FlaskForm):
    """A CSRF-protected button."""
