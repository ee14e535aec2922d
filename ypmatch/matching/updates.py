"""New texts for documents a fitted matcher already knows, without refitting it.

An edit changes one need's or one technology's text. Refitting the whole matcher for it costs
seconds at 10,000 companies (every document read, every token counted, every embedding's
moments taken again), and every worker of the app pays that on the next request.
:func:`with_replaced_documents` gives a new matcher in which the edited documents carry their
new texts and sectors, weighed with the vocabulary and idf of the last full fit: a word that no
document had then does not count until the next full fit, which the app runs every few minutes.
The old matcher is left untouched, so requests still reading it see one consistent index.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ypmatch.matching.documents import NeedDoc, TechnologyDoc
from ypmatch.matching.ranking import indicator

if TYPE_CHECKING:
    from ypmatch.matching.matcher import BilingualMatcher


def with_replaced_documents(
    matcher: BilingualMatcher, needs: Sequence[NeedDoc], techs: Sequence[TechnologyDoc]
) -> BilingualMatcher | None:
    """A copy of a fitted ``matcher`` in which these needs and technologies have the given
    texts, sectors and countries; ``None`` when that is not a mere replacement (an id the fit
    never saw, a technology that moved to another company, a sector the fit never saw): the
    caller then fits afresh."""
    matcher._check_fitted()
    needs = list({doc.id: doc for doc in needs}.values())  # an id given twice: the last wins
    techs = list({doc.id: doc for doc in techs}.values())
    need_rows = [matcher.need_index_.get(doc.id) for doc in needs]
    tech_rows = [matcher.tech_index_.get(doc.id) for doc in techs]
    if None in need_rows or None in tech_rows:
        return None
    if any(
        matcher.company_ids_[matcher.tech_company_[row]] != doc.company_id
        for row, doc in zip(tech_rows, techs, strict=True)
    ):
        return None
    sectors = {sector for doc in [*needs, *techs] for sector in doc.sectors}
    if not sectors <= matcher.sector_index_.keys():
        return None

    updated = copy.copy(matcher)
    if matcher.lexical_ is not None:
        updated.lexical_ = matcher.lexical_.replaced(need_rows, needs, tech_rows, techs)
    if matcher.semantic_ is not None:
        updated.semantic_ = matcher.semantic_.replaced(need_rows, needs, tech_rows, techs)
    if need_rows:
        updated.need_sectors_ = matcher.need_sectors_.copy()
        updated.need_sectors_[need_rows] = indicator(
            [doc.sectors for doc in needs], matcher.sector_index_
        )
        updated.need_countries_ = list(matcher.need_countries_)
        for row, doc in zip(need_rows, needs, strict=True):
            updated.need_countries_[row] = (doc.country or "").upper() or None
    if tech_rows:
        _replace_technology_facts(updated, matcher, tech_rows, techs)
    return updated


def _replace_technology_facts(updated, matcher, tech_rows: list[int], techs) -> None:
    """Sectors (the technology's and its company's) and the trades-outside-scope mark."""
    updated.tech_sectors_ = matcher.tech_sectors_.copy()
    updated.tech_sectors_[tech_rows] = indicator(
        [doc.sectors for doc in techs], matcher.sector_index_
    )
    updated.company_sectors_ = matcher._company_sectors(updated.tech_sectors_)
    updated.trades_outside_scope_ = dict(matcher.trades_outside_scope_)
    updated.outside_scope_ = matcher.outside_scope_.copy()
    for row, doc in zip(tech_rows, techs, strict=True):
        if trades := matcher._trades_outside_scope_of(doc):
            updated.trades_outside_scope_[doc.id] = trades
        else:
            updated.trades_outside_scope_.pop(doc.id, None)
        updated.outside_scope_[row] = bool(trades)
