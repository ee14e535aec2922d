"""Keyword search across languages: a query finds records in either language through the
glossary, and results are ordered by how well they answer it."""

from collections.abc import Iterable

import sqlalchemy as sa

from ypmatch.services.matching import matching_index

# Only the best-scoring records get a rank of their own; the rest follow in the usual order.
RANKED_RESULTS = 500


def search_terms(text: str) -> list[str]:
    """The query itself and the surface forms, in both languages, of the concepts it names:
    漏水 also looks for "leak detection", "reverse osmosis" also for 逆浸透. A form that
    contains another (漏水探知 contains 漏水) is left out: the shorter one finds it anyway."""
    query = text.strip()
    terms = sorted({query, *matching_index().glossary.equivalents(query)}, key=len)
    kept: list[str] = []
    for term in terms:
        folded = term.casefold()
        if not any(shorter in folded for shorter in kept):
            kept.append(folded)
    return kept


def text_condition(columns: Iterable[sa.ColumnElement], text: str) -> sa.ColumnElement[bool]:
    terms = search_terms(text)
    return sa.or_(
        *(column.icontains(term, autoescape=True) for column in columns for term in terms)
    )


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
