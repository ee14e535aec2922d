"""The filters of list pages, read from the query string (GET forms: no CSRF, never an error).

A list's filters are a bookmarkable address, not a submission: a value that makes no sense
(a city id in Arabic-Indic digits, a status nobody has) is ignored rather than refused, so a
stale or hand-edited link still shows the list.
"""

from wtforms import Field, Form

from ypmatch.models import ApprovalStatus, CompanySize, NeedStatus
from ypmatch.models.base import MAX_ID
from ypmatch.services.matches import MATCHES_DEFAULT, MATCHES_MAX

MAX_QUERY = 200


def ascii_number(value: str | None) -> int | None:
    """A whole number written in ASCII digits (``str.isdigit`` is true for "²" and "٣", which
    ``int`` refuses or reads as another digit), at most ten of them."""
    if value and value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return None


def record_id(value: str) -> int:
    """For ``request.args.get(name, type=record_id)``: a record id, else ValueError (so Flask
    gives the default)."""
    number = ascii_number(value)
    if number is None or not 0 < number <= MAX_ID:
        raise ValueError(f"not a record id: {value!r}")
    return number


class IdFilter(Field):
    """A record id, or None."""

    def process_formdata(self, valuelist) -> None:
        number = ascii_number(valuelist[0]) if valuelist else None
        self.data = number if number is not None and 0 < number <= MAX_ID else None


class ChoiceFilter(Field):
    """One of ``choices``, or ""."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.allowed = frozenset(str(choice) for choice in choices)

    def process_formdata(self, valuelist) -> None:
        value = valuelist[0] if valuelist else ""
        self.data = value if value in self.allowed else ""


class FlagFilter(Field):
    """``1`` switches it on."""

    def process_formdata(self, valuelist) -> None:
        self.data = bool(valuelist) and valuelist[0] == "1"


class TextFilter(Field):
    def process_formdata(self, valuelist) -> None:
        self.data = (valuelist[0] if valuelist else "")[:MAX_QUERY]


class CountFilter(Field):
    """How many to list: the default when absent or nonsense, else kept within 1 … the most."""

    def __init__(self, default_count: int, most: int, **kwargs):
        super().__init__(**kwargs)
        self.default_count, self.most = default_count, most
        self.data = default_count

    def process_formdata(self, valuelist) -> None:
        number = ascii_number(valuelist[0]) if valuelist else None
        self.data = self.default_count if number is None else min(max(number, 1), self.most)


class NeedListFilters(Form):
    q = TextFilter()
    city = IdFilter()
    sector = IdFilter()
    status = ChoiceFilter(NeedStatus)
    lang = ChoiceFilter(("en", "ja"))
    archived = FlagFilter()
    stale = FlagFilter()
    sort = ChoiceFilter(("newest", "deadline", "fit"))


class CompanyListFilters(Form):
    q = TextFilter()
    sector = IdFilter()
    size = ChoiceFilter(CompanySize)
    approval = ChoiceFilter(ApprovalStatus)
    yport = ChoiceFilter(("1", "0"))
    archived = FlagFilter()
    stale = FlagFilter()


class MatchListFilters(Form):
    """The companies listed under a need: filters, boosts and how many."""

    sector = IdFilter()
    size = ChoiceFilter(CompanySize)
    yport = ChoiceFilter(("1", "0"))
    overseas = FlagFilter()
    boost_sector = FlagFilter()
    boost_overseas = FlagFilter()
    k = CountFilter(MATCHES_DEFAULT, MATCHES_MAX)
