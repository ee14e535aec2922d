"""Fields and base forms shared by the areas."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ypmatch.text_rules import one_line_problem


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(_form, field) -> None:
    if isinstance(field.data, str) and any(
        ord(char) < 32 and char not in "\n\r\t" for char in field.data
    ):
        raise ValidationError(_l("Remove the control characters from this field."))


def one_line(_form, field) -> None:
    problem = isinstance(field.data, str) and one_line_problem(field.data)
    if problem == "line break":
        raise ValidationError(_l("Write this on one line."))
    if problem:
        raise ValidationError(_l("Remove the text-direction control characters."))


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]


def text_field(label, max_length: int, required: bool = False, **kwargs) -> StringField:
    validators = [
        InputRequired() if required else Optional(),
        Length(max=max_length),
        no_control_characters,
        one_line,
    ]
    return StringField(label, validators=validators, filters=[strip_text], **kwargs)


def long_text_field(label, max_length: int = 10000, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=max_length), no_control_characters],
        filters=[strip_text],
        **kwargs,
    )


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class VersionedForm(FlaskForm):
    """A form editing an existing record carries the version the editor saw; a form
    creating one carries a random key, so sending it twice creates one record."""

    version = HiddenField()
    submission_key = HiddenField(default=new_submission_key)

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ConfirmForm(FlaskForm):
    """Archive, restore, publish: a CSRF-protected button with an optional note."""

    note = text_field(_l("Note"), 500)


def require_one_of(first, second, message) -> bool:
    """Cross-field check run from ``validate``: inline validators are skipped for empty
    optional fields, which is exactly the case to catch here."""
    if first.data or second.data:
        return True
    first.errors = [*first.errors, message]
    return False
