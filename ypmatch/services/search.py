"""Keyword search across languages: a query finds the records that contain it and those that
carry the glossary concepts it names, in either language (漏水 finds English needs on leak
detection), and results are ordered by how well they answer it. The concepts come from the
matcher's index, in memory, so a query costs one LIKE per column, not one per surface form."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ypmatch.extensions import db
from ypmatch.services.matching import matching_index

# The best-scoring records (five pages) get a rank of their own; the rest follow in the usual
# order. Each ranked record is one CASE branch that every matching row is compared against.
RANKED_RESULTS = 100


def text_condition(columns: Iterable[sa.ColumnElement], text: str) -> sa.ColumnElement[bool]:
    query = text.strip()
    return sa.or_(*(column.icontains(query, autoescape=True) for column in columns))


def id_among(column: sa.ColumnElement[int], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """``column IN ids`` for a set of any size: one array parameter on PostgreSQL (thousands
    of bound values cost more to send and plan than the search itself)."""
    ids = sorted(ids)
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer)))
    return column.in_(ids)


def needs_sharing_concepts(text: str) -> list[int]:
    """Needs whose texts carry a glossary concept that ``text`` names, in either language."""
    need_ids, _company_ids = matching_index().matcher.concept_matches(text.strip())
    return [int(need_id) for need_id in need_ids]


def companies_sharing_concepts(text: str) -> list[int]:
    """Companies with a technology that carries a glossary concept ``text`` names."""
    _need_ids, company_ids = matching_index().matcher.concept_matches(text.strip())
    return [int(company_id) for company_id in company_ids]


def relevance_order(id_column: sa.ColumnElement, scores: dict[str, float]) -> sa.ColumnElement:
    """An ORDER BY term: records by descending score, unscored ones after."""
    best = sorted(
        ((record_id, score) for record_id, score in scores.items() if score > 0),
        key=lambda item: (-item[1], item[0]),
    )[:RANKED_RESULTS]
    if not best:
        return sa.literal(0)
    ranks = {int(record_id): rank for rank, (record_id, _score) in enumerate(best)}
    return sa.case(ranks, value=id_column, else_=len(ranks))


def need_relevance(text: str) -> dict[str, float]:
    return matching_index().matcher.needs_relevance(text.strip())


def company_relevance(text: str) -> dict[str, float]:
    return matching_index().matcher.companies_relevance(text.strip())
