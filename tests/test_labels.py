"""Every stored code of every enum has a label people read, in English and in Japanese."""

import pytest
from flask_babel import force_locale

from ypmatch import labels
from ypmatch.models import (
    AlertFrequency,
    ApprovalStatus,
    CompanySize,
    HistoryAction,
    MissionStatus,
    NeedStatus,
    OutcomeKind,
    ParticipantState,
    Region,
    Relationship,
    Role,
    Visibility,
)

LABELLED = {
    "NEED_STATUS": NeedStatus,
    "VISIBILITY": Visibility,
    "REGION": Region,
    "RELATIONSHIP": Relationship,
    "COMPANY_SIZE": CompanySize,
    "APPROVAL": ApprovalStatus,
    "ROLE": Role,
    "MISSION_STATUS": MissionStatus,
    "PARTICIPANT_STATE": ParticipantState,
    "OUTCOME_KIND": OutcomeKind,
    "ALERT_FREQUENCY": AlertFrequency,
    "HISTORY_ACTION": HistoryAction,
}


@pytest.mark.parametrize("table", LABELLED)
def test_every_member_has_a_label_in_english_and_japanese(app, table):
    enum, mapping = LABELLED[table], getattr(labels, table)
    assert set(mapping) == set(enum)
    assert all(type(key) is enum for key in mapping)
    for member in enum:
        with app.test_request_context(), force_locale("en"):
            english = str(mapping[member])
        with app.test_request_context(), force_locale("ja"):
            japanese = str(mapping[member])
        assert english.strip(), member
        assert japanese.strip() and japanese != english, (member, english)
