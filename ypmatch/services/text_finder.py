"""Which companies contain a piece of text, answered from memory instead of by ``ILIKE`` scans.

A substring query ("漏水", "Cebu") over every company's names, descriptions and technologies
cannot use an index on PostgreSQL when it is shorter than three characters (trigrams), and
the planner often prefers a sequential scan of four text columns of two tables even when it
could: 100–200 ms at 10,000 companies. The finder keeps one lower-cased string of all those
texts per process, built with the matching index, and searches it with ``str.find`` (a few
milliseconds). Records changed after it was built are checked in SQL instead (see
:func:`ypmatch.services.companies.companies_query`), so results stay exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Company, Technology
from ypmatch.models.base import utcnow

_RECORD_END = "\x00"
_FIELD_END = "\x01"  # a query never spans two fields, as with one ILIKE per column
# Rows written this long before the finder's snapshot are still checked in SQL: clocks of
# several hosts and a transaction open across the snapshot are then covered.
_MARGIN = timedelta(seconds=30)

COMPANY_TEXT_COLUMNS = (
    Company.name_ja,
    Company.name_en,
    Company.description_ja,
    Company.description_en,
)
TECHNOLOGY_TEXT_COLUMNS = (
    Technology.title_ja,
    Technology.title_en,
    Technology.description_ja,
    Technology.description_en,
)


class TextFinder:
    """Record ids whose texts contain a query, case-insensitively, as ``ILIKE '%q%'`` does."""

    def __init__(self, records: Iterable[tuple[int, Iterable[str]]], as_of: datetime):
        self.as_of = as_of
        parts: list[str] = []
        self._starts: list[int] = []
        self._ids: list[int] = []
        position = 0
        for record_id, texts in records:
            chunk = _FIELD_END.join(text.lower() for text in texts if text) + _RECORD_END
            self._starts.append(position)
            self._ids.append(record_id)
            parts.append(chunk)
            position += len(chunk)
        self._corpus = "".join(parts)

    def find(self, query: str) -> set[int]:
        needle = query.strip().lower()
        if not needle or _RECORD_END in needle or _FIELD_END in needle:
            return set()
        corpus, starts, found = self._corpus, self._starts, set()
        position = corpus.find(needle)
        while position != -1:
            slot = bisect_right(starts, position) - 1
            found.add(self._ids[slot])
            following = starts[slot + 1] if slot + 1 < len(starts) else len(corpus)
            position = corpus.find(needle, following)
        return found

    def changed_since_built(self) -> set[int]:
        """Companies whose profile or a technology was written after (or just before) the
        snapshot: their texts must be checked in SQL."""
        since = self.as_of - _MARGIN
        companies = sa.select(Company.id).where(Company.updated_at >= since)
        technologies = sa.select(Technology.company_id).where(Technology.updated_at >= since)
        return set(db.session.scalars(companies.union(technologies)))


def company_finder() -> TextFinder:
    """Every company (any status, archived too) with the texts of its current technologies."""
    as_of = utcnow()
    texts: dict[int, list[str]] = defaultdict(list)
    for company_id, *columns in db.session.execute(
        sa.select(Technology.company_id, *TECHNOLOGY_TEXT_COLUMNS).where(Technology.is_current)
    ):
        texts[company_id].extend(column or "" for column in columns)
    records = (
        (company_id, [*(column or "" for column in columns), *texts.get(company_id, ())])
        for company_id, *columns in db.session.execute(sa.select(Company.id, *COMPANY_TEXT_COLUMNS))
    )
    return TextFinder(records, as_of)
