"""Missions, their shortlists and invitations, companies' interest, outcomes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from ypmatch import labels
from ypmatch.forms.common import (
    CheckboxListField,
    VersionedForm,
    as_choices,
    long_text_field,
    text_field,
)


class MissionForm(VersionedForm):
    city_id = SelectField(_l("Partner city"), coerce=int, validators=[InputRequired()])
    title = text_field(_l("Title"), 200, required=True)
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])
    slots = IntegerField(
        _l("Company slots"), default=8, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    per_need_cap = IntegerField(
        _l("At most this many companies per need"),
        validators=[Optional(), NumberRange(min=1, max=20)],
        description=_l("Leave empty for no cap."),
    )
    needs = CheckboxListField(_l("Needs in scope"), coerce=int)
    notes = long_text_field(_l("Notes"), 5000)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.city_id.data:
            self.city_id.errors = [*self.city_id.errors, _l("Choose the mission's city.")]
            valid = False
        return valid

    def mission_data(self) -> dict:
        return {
            "city_id": self.city_id.data,
            "title": self.title.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "slots": self.slots.data,
            "per_need_cap": self.per_need_cap.data,
            "notes": self.notes.data or "",
        }


class MissionStatusForm(FlaskForm):
    """The statuses a mission may move to now (the service's ``next_statuses``)."""

    status = SelectField(_l("Status"), validators=[InputRequired()])

    def offer(self, statuses) -> "MissionStatusForm":
        self.status.choices = [(status.value, labels.MISSION_STATUS[status]) for status in statuses]
        return self


class AddCompanyForm(FlaskForm):
    """A company picked from the hand candidates (the service checks it may be added)."""

    company_id = IntegerField(_l("Company"), validators=[InputRequired()])


class InvitationResponseForm(FlaskForm):
    decision = RadioField(
        _l("Your answer"),
        choices=as_choices([("accept", _l("We will join")), ("decline", _l("We decline"))]),
        validators=[InputRequired()],
    )
    note = long_text_field(_l("Note to the bureau"), 2000)


class InterestForm(FlaskForm):
    note = long_text_field(_l("What could you offer? (optional)"), 2000)


class OutcomeForm(VersionedForm):
    company_id = SelectField(_l("Company"), coerce=int, validators=[InputRequired()])
    need_id = SelectField(_l("Need"), coerce=int, validators=[InputRequired()])
    mission_id = SelectField(_l("Mission"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("Outcome"), choices=as_choices(list(labels.OUTCOME_KIND.items())))
    occurred_on = DateField(_l("Date"), validators=[InputRequired()])
    funding_source = SelectField(
        _l("Funding source"),
        choices=as_choices([("", _l("Unknown"))] + list(labels.FUNDING.items())),
        validators=[Optional()],
    )
    amount_jpy = DecimalField(
        _l("Contract amount (JPY)"),
        places=0,
        validators=[Optional(), NumberRange(min=0, max=10**15)],
    )
    reason = long_text_field(_l("Reason (required when dropped)"), 2000)
    notes = long_text_field(_l("Notes"), 5000)

    def outcome_data(self) -> dict:
        return {
            "company_id": self.company_id.data,
            "need_id": self.need_id.data,
            "mission_id": self.mission_id.data or None,
            "kind": self.kind.data,
            "occurred_on": self.occurred_on.data,
            "funding_source": self.funding_source.data or "",
            "amount_jpy": self.amount_jpy.data,
            "reason": self.reason.data or "",
            "notes": self.notes.data or "",
        }
