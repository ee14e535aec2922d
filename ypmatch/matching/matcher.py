"""The bilingual TF-IDF matcher: needs against technologies, aggregated to companies.

How a score comes about (the curator's version is in ``docs/matching.md``):

1. every need and technology is analysed into concepts and terms (:mod:`.analysis`);
2. each token gets a TF-IDF weight over all needs and technologies together (scikit-learn,
   sublinear tf: the tenth mention counts far less than the first; rare tokens weigh more);
   glossary concepts are multiplied by ``concept_weight`` and title tokens count
   ``title_weight`` times; each document vector is scaled to length 1;
3. a need and a technology score the cosine of their vectors: 0 = nothing shared,
   1 = the same profile. Each shared token contributes ``need weight × technology weight``,
   which is what the explanation lists as its share;
4. a company scores its best technology plus a small bonus for further relevant ones:
   ``further_weight × (sum of its other technologies scoring ≥ further_floor)``, at most
   ``further_cap``. A company with one excellent technology beats one with many weak ones;
5. optional boosts (off unless asked for) add a fixed amount to companies already scoring
   above zero: ``sector_boost`` when need and company share a sector, ``overseas_boost`` when
   the company has worked in the need's country.

Ties are broken by id, so rankings are deterministic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfTransformer

from ypmatch.matching.analysis import CONCEPT, CONCEPT_PREFIX, SECTOR, SECTOR_PREFIX, Analyzer
from ypmatch.matching.documents import (
    NO_BOOSTS,
    Boosts,
    CompanyInfo,
    CompanyMatch,
    NeedDoc,
    NeedMatch,
    Reason,
    TechnologyDoc,
)
from ypmatch.matching.glossary import Glossary

# Scoring blocks of needs are kept around this size (bytes of dense scores), which bounds the
# peak memory of ``rank_all_needs`` whatever the corpus size.
_BLOCK_BYTES = 48_000_000
# Analysing in forked worker processes pays off from about this many uncached texts; a refit
# with a warm cache has few texts to analyse and stays in-process.
_PARALLEL_FROM = 4_000
# max_df only applies from this many documents (needs + technologies).
_MAX_DF_FROM = 1_000


class BilingualMatcher(BaseEstimator):
    """Rank companies for needs and needs for companies, with reasons.

    Follows scikit-learn conventions: ``__init__`` only stores parameters, :meth:`fit` learns
    attributes ending in ``_`` and returns ``self``. Refitting reuses the analysis cache of
    the previous fit when the analysis settings are unchanged, so only new or edited texts are
    analysed again (the cache never changes results).

    Parameters: ``glossary`` (``None``: the shipped one); ``use_glossary``; ``concept_weight``
    and ``sector_weight`` (how much a concept token and a concept's sector mark count against
    a plain word; 0 turns sector marks off); ``title_weight`` (title tokens count this many
    times); ``max_df`` (drop terms in more than this share of documents — from 1,000
    documents on; a whole number is a document count); ``further_weight``, ``further_floor``,
    ``further_cap`` (the company bonus for further technologies); ``sector_boost`` and
    ``overseas_boost`` (amounts of the optional boosts); ``n_reasons`` (reasons per match);
    ``block_size`` (needs per scoring block in :meth:`rank_all_needs`; ``None``: automatic);
    ``n_jobs`` (worker processes for analysing a large cold corpus; -1: one per CPU, 1: none).
    """

    def __init__(
        self,
        glossary: Glossary | None = None,
        *,
        use_glossary: bool = True,
        concept_weight: float = 2.0,
        sector_weight: float = 0.5,
        title_weight: float = 2.0,
        max_df: float = 0.5,
        further_weight: float = 0.1,
        further_floor: float = 0.1,
        further_cap: float = 0.05,
        sector_boost: float = 0.05,
        overseas_boost: float = 0.05,
        n_reasons: int = 5,
        block_size: int | None = None,
        n_jobs: int = -1,
    ):
        self.glossary = glossary
        self.use_glossary = use_glossary
        self.concept_weight = concept_weight
        self.sector_weight = sector_weight
        self.title_weight = title_weight
        self.max_df = max_df
        self.further_weight = further_weight
        self.further_floor = further_floor
        self.further_cap = further_cap
        self.sector_boost = sector_boost
        self.overseas_boost = overseas_boost
        self.n_reasons = n_reasons
        self.block_size = block_size
        self.n_jobs = n_jobs

    # fitting ------------------------------------------------------------------------------
    def fit(
        self,
        needs: Iterable[NeedDoc],
        technologies: Iterable[TechnologyDoc],
        companies: Iterable[CompanyInfo] | None = None,
    ) -> BilingualMatcher:
        needs = sorted(needs, key=lambda doc: doc.id)
        techs = sorted(technologies, key=lambda doc: (doc.company_id, doc.id))
        _require_unique("need", [doc.id for doc in needs])
        _require_unique("technology", [doc.id for doc in techs])
        infos = {info.id: info for info in companies or ()}

        self.analyzer_ = self._reusable_analyzer()
        counts = self._count_matrix([*needs, *techs])
        self._learn_vocabulary(counts)
        matrix = self._weigh(counts[:, self.kept_columns_])
        n_needs = len(needs)
        self.needs_matrix_ = matrix[:n_needs].tocsr()
        self.techs_matrix_ = matrix[n_needs:].tocsr()
        self.needs_matrix_.sort_indices()  # explanations binary-search need rows
        self.needs_T_ = self.needs_matrix_.T.tocsr()
        self.techs_T_ = self.techs_matrix_.T.tocsr()

        self.need_ids_ = [doc.id for doc in needs]
        self.need_index_ = {need_id: i for i, need_id in enumerate(self.need_ids_)}
        self.tech_ids_ = [doc.id for doc in techs]
        self.tech_index_ = {tech_id: i for i, tech_id in enumerate(self.tech_ids_)}
        tech_companies = [doc.company_id for doc in techs]
        self.company_ids_ = sorted(set(tech_companies))
        self.company_index_ = {cid: i for i, cid in enumerate(self.company_ids_)}
        self.known_companies_ = frozenset(self.company_ids_) | frozenset(infos)
        self.tech_company_ = np.fromiter(
            (self.company_index_[c] for c in tech_companies), dtype=np.int64, count=len(techs)
        )
        # Technologies are stored grouped by company: company c owns rows starts[c]:starts[c+1].
        self.company_starts_ = np.searchsorted(
            self.tech_company_, np.arange(len(self.company_ids_) + 1)
        )

        self._learn_boost_features(needs, techs, infos)
        return self

    def _reusable_analyzer(self) -> Analyzer:
        glossary = self.glossary if self.glossary is not None else Glossary.default()
        wanted = Analyzer(
            glossary, use_glossary=self.use_glossary, sector_tokens=self.sector_weight > 0
        )
        previous = getattr(self, "analyzer_", None)
        if previous is not None and previous.config == wanted.config:
            return previous
        return wanted

    def _count_matrix(self, docs: list) -> sp.csr_matrix:
        if self.n_jobs != 1 and 2 * len(docs) >= _PARALLEL_FROM:
            texts = [text for doc in docs for text in (doc.title, doc.description)]
            self.analyzer_.prepare(texts, self.n_jobs, min_texts=_PARALLEL_FROM)
        analyse = self.analyzer_.analyse_cached
        ids, counts, lengths, weights = [], [], [], []
        title_weight = float(self.title_weight)
        for doc in docs:
            for text, weight in ((doc.title, title_weight), (doc.description, 1.0)):
                analysed = analyse(text) if text else None
                if analysed is None or len(analysed.ids) == 0:
                    lengths.append(0)
                    weights.append(weight)
                    continue
                ids.append(analysed.ids)
                counts.append(analysed.counts)
                lengths.append(len(analysed.ids))
                weights.append(weight)
        n_tokens = len(self.analyzer_.tokens)
        if not ids:
            return sp.csr_matrix((len(docs), n_tokens))
        lengths = np.array(lengths)
        rows = np.repeat(np.arange(len(lengths)) // 2, lengths)  # two texts per document
        values = np.concatenate(counts) * np.repeat(np.array(weights), lengths)
        coo = sp.coo_matrix((values, (rows, np.concatenate(ids))), shape=(len(docs), n_tokens))
        return coo.tocsr()  # sums a token present in both title and description

    def _learn_vocabulary(self, counts: sp.csr_matrix) -> None:
        n_docs, n_tokens = counts.shape
        df = np.bincount(counts.indices, minlength=n_tokens)
        limit = self.max_df * n_docs if isinstance(self.max_df, float) else self.max_df
        if n_docs < _MAX_DF_FROM:
            limit = n_docs  # small corpora: nothing to save, and every shared term still counts
        # Terms in most documents say little and cost most: each pair of documents sharing a
        # term is one multiply-add when scoring. Dropping them speeds scoring several-fold.
        keep = (df >= 1) & (df <= limit)
        self.kept_columns_ = np.flatnonzero(keep)
        self.column_of_token_ = np.full(n_tokens, -1, dtype=np.int64)
        self.column_of_token_[self.kept_columns_] = np.arange(len(self.kept_columns_))
        tokens = self.analyzer_.tokens
        self.feature_names_ = [tokens[i] for i in self.kept_columns_]
        self.feature_kinds_ = self.analyzer_.token_kinds()[self.kept_columns_]
        self.is_concept_ = self.feature_kinds_ == CONCEPT
        if n_docs and len(self.kept_columns_):
            tfidf = TfidfTransformer(sublinear_tf=True, norm=None, smooth_idf=True)
            self.idf_ = tfidf.fit(counts[:, self.kept_columns_]).idf_
        else:  # nothing to learn from yet (an empty database)
            self.idf_ = np.ones(len(self.kept_columns_))
        self.feature_weights_ = np.select(
            [self.is_concept_, self.feature_kinds_ == SECTOR],
            [float(self.concept_weight), float(self.sector_weight)],
            1.0,
        )
        self.column_scale_ = self.idf_ * self.feature_weights_

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf × idf × feature weight, rows scaled to length 1 (as TfidfTransformer)."""
        matrix = counts.tocsr(copy=True)
        matrix.data = (np.log(matrix.data) + 1.0) * self.column_scale_[matrix.indices]
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        lengths = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
        matrix.data /= lengths[rows]  # a row with data has a positive length
        return matrix

    def _learn_boost_features(self, needs, techs, infos: dict[str, CompanyInfo]) -> None:
        tech_sectors = [doc.sectors for doc in techs]
        company_sectors: list[set[str]] = [set() for _ in self.company_ids_]
        for sectors, company in zip(tech_sectors, self.tech_company_.tolist(), strict=True):
            if sectors:
                company_sectors[company].update(sectors)
        company_countries: list[set[str]] = [set() for _ in self.company_ids_]
        for info in infos.values():
            index = self.company_index_.get(info.id)
            if index is not None:
                company_sectors[index].update(info.sectors)
                company_countries[index].update(c.upper() for c in info.countries)
        need_sectors = [doc.sectors for doc in needs]
        everything = chain.from_iterable([*company_sectors, *need_sectors])
        self.sectors_ = sorted(set(everything))
        self.sector_index_ = {s: i for i, s in enumerate(self.sectors_)}
        # Small dense yes/no tables (rows × sectors, companies × countries): cheap to combine.
        self.need_sectors_ = self._indicator(need_sectors, self.sector_index_)
        self.tech_sectors_ = self._indicator(tech_sectors, self.sector_index_)
        self.company_sectors_ = self._indicator(company_sectors, self.sector_index_)
        countries = sorted(set(chain.from_iterable(company_countries)))
        self.country_index_ = {c: i for i, c in enumerate(countries)}
        self.company_countries_ = self._indicator(company_countries, self.country_index_)
        self.need_countries_ = [(doc.country or "").upper() or None for doc in needs]

    @staticmethod
    def _indicator(sets: list, index: dict[str, int]) -> np.ndarray:
        table = np.zeros((len(sets), len(index)), dtype=bool)
        pairs = [(row, index[v]) for row, values in enumerate(sets) if values for v in values]
        if pairs:
            rows, columns = zip(*pairs, strict=True)
            table[list(rows), list(columns)] = True
        return table

    # transforming -------------------------------------------------------------------------
    def transform_texts(self, texts: Iterable[tuple[str, str]]) -> sp.csr_matrix:
        """Vectors for (title, description) pairs, in the fitted space (unseen tokens dropped)."""
        self._check_fitted()
        rows = [self._vector_parts(title, description) for title, description in texts]
        indptr = np.cumsum([0] + [len(indices) for indices, _ in rows])
        if not rows:
            return sp.csr_matrix((0, len(self.feature_names_)))
        return sp.csr_matrix(
            (
                np.concatenate([data for _, data in rows]),
                np.concatenate([indices for indices, _ in rows]),
                indptr,
            ),
            shape=(len(rows), len(self.feature_names_)),
        )

    def _vector_parts(self, title: str, description: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of one document's unit vector; the same arithmetic as fit."""
        columns, counts = [], []
        for text, weight in ((title, float(self.title_weight)), (description, 1.0)):
            if not text:
                continue
            analysed = self.analyzer_.analyse_cached(text)
            ids = analysed.ids
            inside = ids < len(self.column_of_token_)
            mapped = self.column_of_token_[ids[inside]]
            known = mapped >= 0
            columns.append(mapped[known])
            counts.append(analysed.counts[inside][known] * weight)
        if not columns:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        merged, position = np.unique(np.concatenate(columns), return_inverse=True)
        tf = np.bincount(position, weights=np.concatenate(counts))
        data = (np.log(tf) + 1.0) * self.column_scale_[merged]  # sublinear tf × idf × weight
        norm = np.sqrt(np.dot(data, data))
        if norm > 0:
            data /= norm
        return merged.astype(np.int32), data

    # ranking companies for a need ---------------------------------------------------------
    def rank_companies_for_need(
        self,
        need: str | NeedDoc,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_companies: Collection[str] = (),
        include_companies: Collection[str] | None = None,
        explain: bool = True,
    ) -> list[CompanyMatch]:
        """The ``k`` best companies for a fitted need (by id) or an ad-hoc :class:`NeedDoc`.

        ``exclude_companies`` (e.g. dismissed pairs) are never returned; when
        ``include_companies`` is given only those are (e.g. after a size or sector filter).
        """
        self._check_fitted()
        parts, sectors, country = self._need_features(need)
        tech_scores = (self._as_row(parts) @ self.techs_T_).toarray()
        allowed = self._company_mask(exclude_companies, include_companies)
        return self._company_matches(
            tech_scores, [parts], sectors, [country], k, boosts, allowed, explain
        )[0]

    def rank_all_needs(
        self,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        block_size: int | None = None,
        explain: bool = False,
    ) -> Iterator[tuple[str, list[CompanyMatch]]]:
        """``(need id, best companies)`` for every fitted need, scored a block at a time.

        Only one block of needs × technologies scores exists at once, so memory stays bounded
        (the full matrix at 100k technologies × 5k needs would take 4 GB).
        """
        self._check_fitted()
        n_needs, n_techs = len(self.need_ids_), len(self.tech_ids_)
        size = block_size or self.block_size or max(1, _BLOCK_BYTES // (8 * max(n_techs, 1)))
        allowed = self._company_mask((), None)
        for start in range(0, n_needs, size):
            stop = min(start + size, n_needs)
            vectors = self.needs_matrix_[start:stop]
            tech_scores = (vectors @ self.techs_T_).toarray()
            rows = [_row(self.needs_matrix_, i) if explain else None for i in range(start, stop)]
            matches = self._company_matches(
                tech_scores,
                rows,
                self.need_sectors_[start:stop],
                self.need_countries_[start:stop],
                k,
                boosts,
                allowed,
                explain,
            )
            yield from zip(self.need_ids_[start:stop], matches, strict=True)

    def _company_matches(
        self, tech_scores, need_vectors, need_sectors, countries, k, boosts, allowed, explain
    ) -> list[list[CompanyMatch]]:
        best, score, bonus = self._aggregate(tech_scores)
        sector_add, overseas_add = self._boost_amounts(best, need_sectors, countries, boosts)
        score = score + sector_add + overseas_add
        score[:, ~allowed] = 0.0
        results = []
        starts = self.company_starts_
        for row in range(score.shape[0]):
            matches = []
            for company in _top_k(score[row], k):
                first, last = starts[company], starts[company + 1]
                own = tech_scores[row, first:last]
                order = np.lexsort((np.arange(len(own)), -own))
                technology_scores = tuple(
                    (self.tech_ids_[first + i], float(own[i])) for i in order if own[i] > 0
                )
                best_tech = first + int(order[0])
                total = float(score[row, company])
                reasons = ()
                if explain:
                    reasons = self._reasons(
                        need_vectors[row],
                        _row(self.techs_matrix_, best_tech),
                        total,
                        {
                            "more_technologies": float(bonus[row, company]),
                            "sector_overlap": float(sector_add[row, company]),
                            "overseas_experience": float(overseas_add[row, company]),
                        },
                    )
                matches.append(
                    CompanyMatch(
                        company_id=self.company_ids_[company],
                        score=total,
                        technology_id=self.tech_ids_[best_tech],
                        technology_scores=technology_scores,
                        reasons=reasons,
                    )
                )
            results.append(matches)
        return results

    def _aggregate(self, tech_scores: np.ndarray):
        """Per company: best technology score, company score, and the further-technology bonus."""
        n_rows = tech_scores.shape[0]
        n_companies = len(self.company_ids_)
        if n_companies == 0:
            empty = np.zeros((n_rows, 0))
            return empty, empty.copy(), empty.copy()
        starts = self.company_starts_[:-1]
        best = np.maximum.reduceat(tech_scores, starts, axis=1)
        relevant = np.where(tech_scores >= self.further_floor, tech_scores, 0.0)
        further = np.add.reduceat(relevant, starts, axis=1)
        further -= np.where(best >= self.further_floor, best, 0.0)
        bonus = np.minimum(self.further_cap, self.further_weight * further)
        bonus[best <= 0] = 0.0
        return best, best + bonus, bonus

    def _boost_amounts(self, best, need_sectors, countries, boosts: Boosts):
        """Boost amounts (need rows × companies), only where the text score is above 0."""
        sector_add = overseas_add = np.zeros(best.shape)
        if boosts.sector_overlap and self.sector_boost:
            overlap = (need_sectors.astype(np.float32) @ self.company_sectors_.T) > 0
            sector_add = np.where(overlap & (best > 0), float(self.sector_boost), 0.0)
        if boosts.overseas_experience and self.overseas_boost:
            columns = [self.country_index_.get(country, -1) for country in countries]
            known = np.array(columns) >= 0
            worked = np.zeros(best.shape, dtype=bool)
            if known.any():
                worked[known] = self.company_countries_[:, np.array(columns)[known]].T
            overseas_add = np.where(worked & (best > 0), float(self.overseas_boost), 0.0)
        return sector_add, overseas_add

    # ranking needs for a company or technology -------------------------------------------
    def rank_needs_for_company(
        self,
        company_id: str,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_needs: Collection[str] = (),
        include_needs: Collection[str] | None = None,
        explain: bool = True,
    ) -> list[NeedMatch]:
        """The ``k`` fitted needs that fit a company best (same company score as above)."""
        self._check_fitted()
        index = self.company_index_.get(company_id)
        if index is None:
            if company_id in self.known_companies_:
                return []  # a company without technologies matches nothing
            raise KeyError(f"unknown company {company_id!r}")
        first, last = self.company_starts_[index], self.company_starts_[index + 1]
        scores = (self.techs_matrix_[first:last] @ self.needs_T_).toarray()  # techs × needs
        best = scores.max(axis=0)
        relevant = np.where(scores >= self.further_floor, scores, 0.0).sum(axis=0)
        relevant -= np.where(best >= self.further_floor, best, 0.0)
        bonus = np.minimum(self.further_cap, self.further_weight * relevant)
        bonus[best <= 0] = 0.0
        return self._need_matches(
            scores,
            first,
            best,
            bonus,
            self.company_sectors_[index],
            index,
            k,
            boosts,
            exclude_needs,
            include_needs,
            explain,
        )

    def rank_needs_for_technology(
        self,
        technology_id: str,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_needs: Collection[str] = (),
        include_needs: Collection[str] | None = None,
        explain: bool = True,
    ) -> list[NeedMatch]:
        """The ``k`` fitted needs closest to one technology."""
        self._check_fitted()
        tech = self.tech_index_.get(technology_id)
        if tech is None:
            raise KeyError(f"unknown technology {technology_id!r}")
        scores = (self.techs_matrix_[tech] @ self.needs_T_).toarray()
        best = scores[0]
        return self._need_matches(
            scores,
            tech,
            best,
            np.zeros_like(best),
            self.tech_sectors_[tech],
            int(self.tech_company_[tech]),
            k,
            boosts,
            exclude_needs,
            include_needs,
            explain,
        )

    def _need_matches(
        self,
        scores,
        first_tech,
        best,
        bonus,
        own_sectors,
        company,
        k,
        boosts,
        exclude_needs,
        include_needs,
        explain,
    ) -> list[NeedMatch]:
        total = best + bonus
        sector_add = overseas_add = np.zeros_like(best)
        if boosts.sector_overlap and self.sector_boost:
            overlap = (self.need_sectors_ & own_sectors).any(axis=1)
            sector_add = np.where(overlap & (best > 0), float(self.sector_boost), 0.0)
        if boosts.overseas_experience and self.overseas_boost:
            worked = {
                c for c, i in self.country_index_.items() if self.company_countries_[company, i]
            }
            has = np.fromiter(
                (c in worked for c in self.need_countries_), dtype=bool, count=len(best)
            )
            overseas_add = np.where(has & (best > 0), float(self.overseas_boost), 0.0)
        total = total + sector_add + overseas_add
        total[~self._id_mask(self.need_index_, exclude_needs, include_needs)] = 0.0
        matches = []
        for need in _top_k(total, k):
            own = scores[:, need]
            order = np.lexsort((np.arange(len(own)), -own))
            technology_scores = tuple(
                (self.tech_ids_[first_tech + i], float(own[i])) for i in order if own[i] > 0
            )
            best_tech = first_tech + int(order[0])
            reasons = ()
            if explain:
                reasons = self._reasons(
                    _row(self.needs_matrix_, need),
                    _row(self.techs_matrix_, best_tech),
                    float(total[need]),
                    {
                        "more_technologies": float(bonus[need]),
                        "sector_overlap": float(sector_add[need]),
                        "overseas_experience": float(overseas_add[need]),
                    },
                )
            matches.append(
                NeedMatch(
                    need_id=self.need_ids_[need],
                    score=float(total[need]),
                    technology_id=self.tech_ids_[best_tech],
                    technology_scores=technology_scores,
                    reasons=reasons,
                )
            )
        return matches

    # explanations -------------------------------------------------------------------------
    def explain_pair(self, need: str | NeedDoc, technology_id: str) -> tuple[Reason, ...]:
        """Why one need and one technology match (shares of their cosine; no boosts)."""
        self._check_fitted()
        parts, _sectors, _country = self._need_features(need)
        tech = _row(self.techs_matrix_, self.tech_index_[technology_id])
        score = float(_shared(parts, tech)[1].sum())
        return self._reasons(parts, tech, score, {})

    def _reasons(self, need_row, tech_row, total: float, boosts: dict[str, float]):
        """Reasons from two (columns, weights) rows; shares are of ``total``."""
        if total <= 0:
            return ()
        common, contributions = _shared(need_row, tech_row)
        order = np.lexsort((common, -contributions))[: self.n_reasons]
        reasons = []
        for i in order:
            name = self.feature_names_[common[i]]
            share = float(contributions[i]) / total
            if name.startswith(CONCEPT_PREFIX):
                reasons.append(Reason(name[len(CONCEPT_PREFIX) :], "concept", share))
            elif name.startswith(SECTOR_PREFIX):
                reasons.append(Reason(name[len(SECTOR_PREFIX) :], "sector", share))
            else:
                reasons.append(Reason(name, "term", share))
        for name, amount in boosts.items():
            if amount > 0:
                reasons.append(Reason(name, "boost", amount / total))
        return tuple(reasons)

    # profile suggestions ------------------------------------------------------------------
    def missing_concepts(self, company_id: str, need_ids: Iterable[str], n: int = 5) -> list[str]:
        """Glossary concepts frequent in these needs that none of the company's texts mention.

        Feeds "needs in this sector mention: septage, dewatering" on a company's page.
        """
        self._check_fitted()
        rows = [self.need_index_[need_id] for need_id in need_ids if need_id in self.need_index_]
        if not rows:
            return []
        weight = np.asarray(self.needs_matrix_[rows].sum(axis=0)).ravel()
        index = self.company_index_.get(company_id)
        if index is not None:
            first, last = self.company_starts_[index], self.company_starts_[index + 1]
            weight[self.techs_matrix_[first:last].indices] = 0.0
        weight[~self.is_concept_] = 0.0
        chosen = [i for i in np.lexsort((np.arange(len(weight)), -weight))[:n] if weight[i] > 0]
        return [self.feature_names_[i][len(CONCEPT_PREFIX) :] for i in chosen]

    # helpers ------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "techs_matrix_"):
            raise NotFittedError(
                "BilingualMatcher is not fitted yet: call fit(needs, technologies)"
            )

    def _need_features(self, need: str | NeedDoc):
        """((columns, weights), sectors 1×sectors, country) of a fitted or ad-hoc need."""
        if isinstance(need, str):
            index = self.need_index_.get(need)
            if index is None:
                raise KeyError(f"unknown need {need!r}")
            return (
                _row(self.needs_matrix_, index),
                self.need_sectors_[index : index + 1],
                self.need_countries_[index],
            )
        vector = self._vector_parts(need.title, need.description)
        known = [self.sector_index_[s] for s in need.sectors if s in self.sector_index_]
        indicator = np.zeros((1, len(self.sector_index_)), dtype=bool)
        indicator[0, known] = True
        return vector, indicator, (need.country or "").upper() or None

    def _as_row(self, parts: tuple[np.ndarray, np.ndarray]) -> sp.csr_matrix:
        indices, data = parts
        return sp.csr_matrix(
            (data, indices, np.array([0, len(indices)])), shape=(1, len(self.feature_names_))
        )

    def _company_mask(self, exclude: Collection[str], include: Collection[str] | None):
        return self._id_mask(self.company_index_, exclude, include)

    @staticmethod
    def _id_mask(index: dict[str, int], exclude, include) -> np.ndarray:
        if include is None:
            mask = np.ones(len(index), dtype=bool)
        else:
            mask = np.zeros(len(index), dtype=bool)
            mask[[index[i] for i in include if i in index]] = True
        mask[[index[i] for i in exclude if i in index]] = False
        return mask


def _row(matrix: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns, weights) of one CSR row without building a sparse matrix (much cheaper)."""
    start, stop = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:stop], matrix.data[start:stop]


def _shared(need_row, tech_row) -> tuple[np.ndarray, np.ndarray]:
    """Columns present in both rows and their weight products (need columns sorted)."""
    need_columns, need_weights = need_row
    tech_columns, tech_weights = tech_row
    if len(need_columns) == 0 or len(tech_columns) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    position = np.minimum(np.searchsorted(need_columns, tech_columns), len(need_columns) - 1)
    hit = need_columns[position] == tech_columns
    return tech_columns[hit], need_weights[position[hit]] * tech_weights[hit]


def _top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest positive scores, by score descending then index (= id order)."""
    positive = np.flatnonzero(scores > 0)
    if k <= 0 or len(positive) == 0:
        return []
    if len(positive) > k:
        threshold = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= threshold]
    order = np.lexsort((positive, -scores[positive]))
    return [int(i) for i in positive[order[:k]]]


def _require_unique(kind: str, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        duplicate = next(i for i in ids if i in seen or seen.add(i))
        raise ValueError(f"{kind} id {duplicate!r} appears more than once")
