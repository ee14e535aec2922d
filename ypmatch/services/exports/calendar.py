"""A mission's dates as an iCalendar file (RFC 5545), written by the icalendar package."""

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from ypmatch.models import Mission

CALENDAR_MIMETYPE = "text/calendar; charset=utf-8"

# icalendar escapes CR, LF and CRLF. Text may break a line in other ways that some readers
# honour (vertical tab, form feed, NEL, the Unicode separators …): those become LF first,
# so they are escaped too, and the remaining control characters, which iCalendar text may
# not hold, are dropped.
OTHER_LINE_BREAKS = re.compile("[\v\f\x1c-\x1e\x85\u2028\u2029]")
OTHER_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")


def calendar_text(text: str) -> str:
    return OTHER_CONTROLS.sub("", OTHER_LINE_BREAKS.sub("\n", text))


def mission_calendar(mission: Mission, host: str) -> bytes:
    if mission.start_date is None:
        raise ValueError("the mission has no dates yet")
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//ypmatch//Y-PORT missions//EN")
    calendar.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", f"mission-{mission.id}@{host}")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", mission.start_date)
    # DTEND is exclusive: the day after the last day.
    event.add("dtend", (mission.end_date or mission.start_date) + timedelta(days=1))
    event.add("summary", calendar_text(mission.title))
    event.add("location", calendar_text(mission.city.name_en))
    event.add("description", calendar_text(mission.notes or ""))
    calendar.add_component(event)
    return calendar.to_ical()
