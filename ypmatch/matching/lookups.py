"""What callers ask a fitted matcher besides rankings: search relevance, concept lookups,
pair scores, explanations and profile suggestions. Mixed into :class:`~.matcher.BilingualMatcher`
(it reads the fitted attributes ``fit`` sets there)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from ypmatch.matching.documents import NeedDoc, Reason
from ypmatch.matching.ranking import aggregate, top_k

# Reasons accounting for less of a score than this are not worth a reader's attention.
MIN_REASON_SHARE = 0.03


class MatcherLookups:
    # search and scores --------------------------------------------------------------------
    def pair_scores(self, need: str | NeedDoc) -> dict[str, float]:
        """Every technology's hybrid score for one need (for tests, benches and debugging)."""
        self._check_fitted()
        scores = self._signal_scores("score_need", self._need_ref(need))[0]
        return dict(zip(self.tech_ids_, scores.tolist(), strict=True))

    def needs_relevance(self, text: str) -> dict[str, float]:
        """How well each fitted need answers a search ``text`` (the hybrid of both signals,
        each standardised over the needs), for ordering keyword-search results."""
        self._check_fitted()
        query = NeedDoc("query", title=text)
        lexical = semantic = None
        if self.lexical_ is not None:
            lexical = self.lexical_.score_text_against_needs(query)
        if self.semantic_ is not None:
            semantic = self.semantic_.score_text_against_needs(query)
        return dict(zip(self.need_ids_, self._fuse(lexical, semantic).tolist(), strict=True))

    def concept_matches(self, text: str) -> tuple[list[str], list[str]]:
        """(need ids, company ids) whose texts carry a glossary concept found in ``text``:
        how a search in one language finds records written in the other."""
        self._check_fitted()
        if self.lexical_ is None:
            return [], []
        needs, techs = self.lexical_.rows_sharing_concepts(text)
        companies = np.unique(self.tech_company_[techs])
        return [self.need_ids_[i] for i in needs], [self.company_ids_[i] for i in companies]

    def companies_relevance(self, text: str, limit: int = 100) -> dict[str, float]:
        """The ``limit`` best companies' scores for a search ``text`` read as an ad-hoc need
        (best technology plus bonus; no floor, no explanations: only the order matters)."""
        self._check_fitted()
        scores = self._signal_scores("score_need", NeedDoc("query", title=text))
        best, bonus = aggregate(scores, self.company_starts_[:-1], self.rules_)
        total = (best + bonus)[0]
        return {self.company_ids_[i]: float(total[i]) for i in top_k(total, limit)}

    # explanations -------------------------------------------------------------------------
    def explain_pair(self, need: str | NeedDoc, technology_id: str) -> tuple[Reason, ...]:
        """Why one need and one technology match (shares of their hybrid score; no boosts)."""
        self._check_fitted()
        ref = self._need_ref(need)
        tech = self.tech_index_[technology_id]
        score = float(self._signal_scores("score_need", ref)[0, tech])
        return self._reasons(ref, tech, score, {})

    def _reasons(self, need_ref, tech: int, total: float, parts: dict[str, float]):
        """Concepts, sectors and the closest sentences, each with its share of ``total``."""
        if total <= 0:
            return ()
        found: list[Reason] = []
        lexical_share = 1.0 if self.semantic_ is None else 1.0 - float(self.semantic_weight)
        if self.lexical_ is not None:
            for reason, amount in self.lexical_.contributions(need_ref, tech):
                share = lexical_share * float(amount) / total
                found.append(Reason(reason.token, reason.kind, share))
        if self.semantic_ is not None:
            share = (1.0 - lexical_share) * self.semantic_.score_pair(need_ref, tech) / total
            if share >= MIN_REASON_SHARE:
                reason = self.semantic_.reason(need_ref, tech)
                if reason is not None:
                    found.append(Reason(reason.token, "passage", share, detail=reason.detail))
        found = [r for r in found if r.share >= MIN_REASON_SHARE]
        found.sort(key=lambda r: (-r.share, r.kind, r.token))
        reasons = found[: self.n_reasons]
        for name, amount in parts.items():
            if amount / total >= MIN_REASON_SHARE:
                reasons.append(Reason(name, "boost", amount / total))
        return tuple(reasons)

    # profile suggestions ------------------------------------------------------------------
    def missing_concepts(self, company_id: str, need_ids: Iterable[str], n: int = 5) -> list[str]:
        """Glossary concepts frequent in these needs that none of the company's texts mention.

        Feeds "needs in this sector mention: septage, dewatering" on a company's page.
        """
        self._check_fitted()
        rows = [self.need_index_[need_id] for need_id in need_ids if need_id in self.need_index_]
        if not rows or self.lexical_ is None:
            return []
        index = self.company_index_.get(company_id)
        first = last = None
        if index is not None:
            first, last = self.company_starts_[index], self.company_starts_[index + 1]
        return self.lexical_.missing_concepts(rows, first, last, n)

    def transform_texts(self, texts: Iterable[tuple[str, str]]) -> sp.csr_matrix:
        """Lexical vectors for (title, description) pairs, in the fitted space."""
        self._check_fitted()
        return self.lexical_.transform_texts(texts)

    # helpers ------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "rules_"):
            raise NotFittedError(
                "BilingualMatcher is not fitted yet: call fit(needs, technologies)"
            )

    def _need_ref(self, need: str | NeedDoc) -> int | NeedDoc:
        """A fitted need's row, or the ad-hoc document itself."""
        if isinstance(need, NeedDoc):
            return need
        index = self.need_index_.get(need)
        if index is None:
            raise KeyError(f"unknown need {need!r}")
        return index

    def _need_facts(self, need: str | NeedDoc):
        """(sectors 1×sectors, country) of a fitted or ad-hoc need, for the boosts."""
        if isinstance(need, str):
            index = self.need_index_[need]
            return self.need_sectors_[index : index + 1], self.need_countries_[index]
        known = [self.sector_index_[s] for s in need.sectors if s in self.sector_index_]
        indicator = np.zeros((1, len(self.sector_index_)), dtype=bool)
        indicator[0, known] = True
        return indicator, (need.country or "").upper() or None
