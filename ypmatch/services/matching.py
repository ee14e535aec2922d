"""The matcher inside the app: a fitted index per process, refitted when data changes.

The fitted index lives in each worker process. A content version stamped in the database
(bumped with every change to needs, technologies, companies, sectors or the glossary) is
read once per matching request; a worker whose index is older refits, and the analyser's
cache makes a refit after one edit cheap.
"""

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ypmatch.extensions import db
from ypmatch.matching import (
    BilingualMatcher,
    Boosts,
    CompanyInfo,
    Glossary,
    NeedDoc,
    Reason,
    TechnologyDoc,
)
from ypmatch.matching.semantic import texts_to_keep
from ypmatch.models import (
    Company,
    MatchDecision,
    MatchDecisionStatus,
    MatchingState,
    Need,
    PartnerCity,
    Sector,
    Technology,
    User,
    need_sectors_table,
    technology_sectors_table,
)
from ypmatch.permissions import LISTED_NEED_STATUSES, visible_needs_condition
from ypmatch.services.embeddings import DatabaseAnalyses, app_encoder, missing_texts
from ypmatch.services.glossary import current_glossary
from ypmatch.services.records import archive_record, create_record, update_record
from ypmatch.services.text_finder import TextFinder, company_finder

CACHE_KEY = "ypmatch.matching_index"


@dataclass
class MatchingIndex:
    version: int
    matcher: BilingualMatcher
    glossary: Glossary
    semantic_pending: bool = False  # texts are being encoded: lexical matching meanwhile
    company_finder: TextFinder | None = None  # keyword search over companies, from memory


class MatchingIndexCache:
    """The fitted index of one process; thread-safe for threaded workers.

    A small index is refitted before the request that finds it stale. A large one (over
    ``MATCHING_SYNC_REFIT_MAX_DOCS`` documents) keeps serving while a background thread
    builds its successor, so an edit never makes every worker's next page wait for a refit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: MatchingIndex | None = None
        self._refitting = False
        self._last_refit_started = float("-inf")

    def get(self) -> MatchingIndex:
        version = content_version()
        index = self._index
        if index is not None and index.version == version:
            return index
        if index is not None and _document_count(index) > current_app.config.get(
            "MATCHING_SYNC_REFIT_MAX_DOCS", 3000
        ):
            self._refit_in_background(current_app._get_current_object())
            return index
        with self._lock:
            if self._index is None or self._index.version != version:
                previous = self._index.matcher if self._index is not None else None
                self._index = build_index(version, previous)
            return self._index

    def _refit_in_background(self, app) -> None:
        # Edits in a burst share one refit: each costs a full fit of CPU that the pages
        # being served would otherwise wait for.
        interval = app.config.get("MATCHING_REFIT_INTERVAL_SECONDS", 15)
        with self._lock:
            if self._refitting or time.monotonic() - self._last_refit_started < interval:
                return
            self._refitting = True
            self._last_refit_started = time.monotonic()
        threading.Thread(target=self._refit, args=(app,), daemon=True).start()

    def _refit(self, app) -> None:
        try:
            with app.app_context():
                while True:
                    version = content_version()
                    if self._index is not None and self._index.version == version:
                        break
                    previous = self._index.matcher if self._index is not None else None
                    fresh = build_index(version, previous)
                    with self._lock:
                        self._index = fresh
                db.session.remove()
        except Exception:  # the old index keeps serving; the next request tries again
            app.logger.exception("refitting the matching index failed")
        finally:
            with self._lock:
                self._refitting = False

    def clear(self) -> None:
        with self._lock:
            self._index = None


def _document_count(index: MatchingIndex) -> int:
    return len(index.matcher.need_ids_) + len(index.matcher.tech_ids_)


def content_version() -> int:
    return (
        db.session.scalar(sa.select(MatchingState.content_version).where(MatchingState.id == 1))
        or 0
    )


def need_document(need: Need) -> NeedDoc:
    return NeedDoc(
        id=str(need.id),
        title=" ".join(part for part in (need.title_en, need.title_ja) if part),
        description="\n".join(part for part in (need.description_en, need.description_ja) if part),
        country=need.city.country_code if need.city else None,
        sectors=tuple(sector.slug for sector in need.sectors),
    )


def technology_document(technology: Technology) -> TechnologyDoc:
    return TechnologyDoc(
        id=str(technology.id),
        company_id=str(technology.company_id),
        title=" ".join(part for part in (technology.title_ja, technology.title_en) if part),
        description="\n".join(
            part for part in (technology.description_ja, technology.description_en) if part
        ),
        sectors=tuple(sector.slug for sector in technology.sectors),
    )


def matchable_companies_query() -> sa.Select:
    return sa.select(Company).where(
        Company.is_listed
    )


def _sector_slugs(table: sa.Table, key: str) -> dict[int, list[str]]:
    """Record id → its sectors' slugs, ordered by sector id like the relationships."""
    slugs: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(table.c[key], Sector.slug)
        .join(Sector, Sector.id == table.c.sector_id)
        .order_by(table.c[key], Sector.id)
    )
    for record_id, slug in rows:
        slugs[record_id].append(slug)
    return slugs


def _joined(separator: str, *parts: str) -> str:
    return separator.join(part for part in parts if part)


def matcher_documents() -> tuple[list[NeedDoc], list[TechnologyDoc], list[CompanyInfo]]:
    """What the matcher reads, as plain rows: the same documents as ``need_document`` and
    ``technology_document`` make, without building ORM objects (with 10,000 companies and
    20,000 technologies, loading them as ORM objects took most of a refit)."""
    need_sectors = _sector_slugs(need_sectors_table, "need_id")
    technology_sectors = _sector_slugs(technology_sectors_table, "technology_id")
    needs = [
        NeedDoc(
            id=str(need_id),
            title=_joined(" ", title_en, title_ja),
            description=_joined("\n", description_en, description_ja),
            country=country,
            sectors=tuple(need_sectors.get(need_id, ())),
        )
        for need_id, title_en, title_ja, description_en, description_ja, country in (
            db.session.execute(
                sa.select(
                    Need.id,
                    Need.title_en,
                    Need.title_ja,
                    Need.description_en,
                    Need.description_ja,
                    PartnerCity.country_code,
                )
                .outerjoin(PartnerCity, PartnerCity.id == Need.city_id)
                .where(Need.is_current)
            )
        )
    ]
    technologies = [
        TechnologyDoc(
            id=str(technology_id),
            company_id=str(company_id),
            title=_joined(" ", title_ja, title_en),
            description=_joined("\n", description_ja, description_en),
            sectors=tuple(technology_sectors.get(technology_id, ())),
        )
        for technology_id, company_id, title_ja, title_en, description_ja, description_en in (
            db.session.execute(
                sa.select(
                    Technology.id,
                    Technology.company_id,
                    Technology.title_ja,
                    Technology.title_en,
                    Technology.description_ja,
                    Technology.description_en,
                )
                .join(Company, Company.id == Technology.company_id)
                .where(
                    Technology.is_current,
                    Company.is_listed,
                )
            )
        )
    ]
    company_sectors: dict[str, set[str]] = defaultdict(set)
    for technology in technologies:
        company_sectors[technology.company_id].update(technology.sectors)
    companies = [
        CompanyInfo(
            id=str(company_id),
            countries=tuple(countries or ()),
            sectors=tuple(sorted(company_sectors.get(str(company_id), ()))),
            name="\n".join(name for name in (name_ja, name_en) if name),
        )
        for company_id, countries, name_ja, name_en in db.session.execute(
            sa.select(
                Company.id, Company.overseas_countries, Company.name_ja, Company.name_en
            ).where(
                Company.is_listed,
            )
        )
    ]
    return needs, technologies, companies


def build_index(version: int, previous: BilingualMatcher | None = None) -> MatchingIndex:
    glossary = current_glossary()
    needs, technologies, companies = matcher_documents()
    encoder = app_encoder()
    signals = current_app.config.get("MATCHING_SIGNALS", "hybrid")
    pending = False
    if signals != "lexical":
        texts = (text for doc in [*needs, *technologies] for text in texts_to_keep(doc))
        missing = missing_texts(texts, encoder)
        if len(missing) > current_app.config.get("MATCHING_SYNC_ENCODE_MAX_TEXTS", 300):
            # An encoder upgrade or a bulk import: encode in the background and match on
            # words meanwhile, rather than make this request wait minutes.
            _encode_in_background(current_app._get_current_object(), missing)
            signals, pending = "lexical", True
        else:
            encoder.encode(missing)  # an edit: its text and sentences, a few at most
    # A fresh matcher (requests may still be reading the old one), sharing the old one's
    # analysis cache so that only new or edited texts are analysed again. No forked analysis
    # workers inside a web process.
    matcher = BilingualMatcher(
        glossary=glossary,
        signals=signals,
        encoder=encoder,
        analysis_store=DatabaseAnalyses(),
        analyzer=previous.analyzer_ if previous is not None else None,
        n_jobs=1,
    )
    matcher.fit(needs, technologies, companies)
    return MatchingIndex(
        version, matcher, glossary, semantic_pending=pending, company_finder=company_finder()
    )


_encoding = threading.Lock()


def _encode_in_background(app, texts: list[str]) -> None:
    if not _encoding.acquire(blocking=False):
        return  # one encoding thread per process is enough

    def encode() -> None:
        try:
            with app.app_context():
                app_encoder().encode(texts)
                cache = app.extensions.get(CACHE_KEY)
                if cache is not None:
                    cache.clear()  # the next request fits the hybrid index
                db.session.remove()
        except Exception:
            app.logger.exception("encoding texts for the semantic signal failed")
        finally:
            _encoding.release()

    threading.Thread(target=encode, daemon=True).start()


def matching_index() -> MatchingIndex:
    cache = current_app.extensions.setdefault(CACHE_KEY, MatchingIndexCache())
    return cache.get()


# -- presenting matches --------------------------------------------------------------------


@dataclass
class ReasonView:
    label: str
    kind: str
    share: float
    detail: str = ""  # for a "passage": the technology's sentence that meets the need's


@dataclass
class CompanyMatchView:
    company: Company
    score: float
    technology: Technology
    reasons: list[ReasonView]
    decision: MatchDecision | None = None
    other_technologies: list[tuple[Technology, float]] = field(default_factory=list)
    band: str = "possible"


@dataclass
class NeedMatchView:
    need: Need
    score: float
    technology: Technology
    reasons: list[ReasonView]
    band: str = "possible"


BOOST_LABELS = {
    "sector_overlap": ("shared sector", "分野が一致"),
    "overseas_experience": ("experience in the need's country", "対象国での実績"),
    "more_technologies": ("further relevant technologies", "他の関連技術"),
}


def reason_label(token: str, kind: str, locale: str, glossary: Glossary | None = None) -> str:
    """A matcher reason in words the viewer reads: concept and sector labels localised."""
    if kind == "concept":
        return (glossary or matching_index().glossary).label(token, locale)
    if kind == "sector":
        sector = db.session.scalar(sa.select(Sector).where(Sector.slug == token))
        return sector.name(locale) if sector else token
    if kind == "boost":
        english, japanese = BOOST_LABELS.get(token, (token, token))
        return japanese if locale == "ja" else english
    return token


def reason_views(reasons: tuple[Reason, ...], glossary: Glossary, locale: str) -> list[ReasonView]:
    return [
        ReasonView(
            label=reason_label(reason.token, reason.kind, locale, glossary),
            kind=reason.kind,
            share=reason.share,
            detail=reason.detail,
        )
        for reason in reasons  # the matcher leaves out shares too small to matter
    ]


@dataclass(frozen=True)
class CompanyMatchFilters:
    sector_id: int | None = None
    size: str = ""
    yport_member: bool | None = None
    overseas_in_country: bool = False


def _filtered_company_ids(filters: CompanyMatchFilters, country: str | None) -> set[str] | None:
    if not (
        filters.sector_id
        or filters.size
        or filters.yport_member is not None
        or filters.overseas_in_country
    ):
        return None
    query = sa.select(Company).where(
        Company.is_listed
    )
    if filters.size:
        query = query.where(Company.size == filters.size)
    if filters.yport_member is not None:
        query = query.where(Company.yport_member.is_(filters.yport_member))
    if filters.sector_id:
        query = query.where(
            Company.id.in_(
                sa.select(Technology.company_id)
                .join(
                    technology_sectors_table,
                    technology_sectors_table.c.technology_id == Technology.id,
                )
                .where(technology_sectors_table.c.sector_id == filters.sector_id)
            )
        )
    companies = db.session.scalars(query).all()
    if filters.overseas_in_country:
        companies = [c for c in companies if country and country in (c.overseas_countries or [])]
    return {str(company.id) for company in companies}


def decisions_for_need(need: Need) -> dict[int, MatchDecision]:
    return {
        decision.company_id: decision
        for decision in db.session.scalars(
            sa.select(MatchDecision).where(
                MatchDecision.need_id == need.id, MatchDecision.is_current
            )
        )
    }


def companies_for_need(
    need: Need,
    locale: str,
    k: int = 10,
    filters: CompanyMatchFilters | None = None,
    boosts: Boosts | None = None,
) -> list[CompanyMatchView]:
    filters = filters or CompanyMatchFilters()
    boosts = boosts or Boosts()
    index = matching_index()
    decisions = decisions_for_need(need)
    dismissed = {
        str(company_id)
        for company_id, decision in decisions.items()
        if decision.status == MatchDecisionStatus.DISMISSED
    }
    country = need.city.country_code if need.city else None
    target = str(need.id) if str(need.id) in index.matcher.need_index_ else need_document(need)
    matches = index.matcher.rank_companies_for_need(
        target,
        k=k,
        boosts=boosts,
        exclude_companies=dismissed,
        include_companies=_filtered_company_ids(filters, country),
    )
    companies = _by_id(Company, [int(m.company_id) for m in matches])
    technology_ids = {int(t) for m in matches for t, _score in m.technology_scores}
    technologies = _by_id(Technology, list(technology_ids))
    return [
        CompanyMatchView(
            company=companies[int(match.company_id)],
            score=match.score,
            technology=technologies[int(match.technology_id)],
            reasons=reason_views(match.reasons, index.glossary, locale),
            decision=decisions.get(int(match.company_id)),
            other_technologies=[
                (technologies[int(tech_id)], score)
                for tech_id, score in match.technology_scores[1:]
                if int(tech_id) in technologies
            ],
            band=match.band,
        )
        for match in matches
    ]


def _by_id(model, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def visible_listed_need_ids(viewer: User | None) -> set[str]:
    return {
        str(need_id)
        for need_id in db.session.scalars(
            sa.select(Need.id).where(
                visible_needs_condition(viewer),
                Need.is_current,
                Need.status.in_(LISTED_NEED_STATUSES),
            )
        )
    }


def trades_outside_scope(company: Company, locale: str) -> dict[int, list[str]]:
    """Technologies of the company that are never proposed, with the trades that say why."""
    index = matching_index()
    return {
        technology.id: [index.glossary.label(key, locale) for key in trades]
        for technology in company.active_technologies
        if (trades := index.matcher.trades_outside_scope_.get(str(technology.id)))
    }


def needs_for_technologies(
    company: Company, viewer: User | None, locale: str, k: int = 5
) -> dict[int, list[NeedMatchView]]:
    """For each active technology of the company, the visible published needs it fits."""
    index = matching_index()
    visible = visible_listed_need_ids(viewer)
    found: dict[int, list] = {}
    for technology in company.active_technologies:
        if str(technology.id) not in index.matcher.tech_index_:
            found[technology.id] = []
            continue
        found[technology.id] = index.matcher.rank_needs_for_technology(
            str(technology.id), k=k, include_needs=visible
        )
    need_ids = {int(m.need_id) for matches in found.values() for m in matches}
    needs = _by_id(Need, list(need_ids))
    technologies = {technology.id: technology for technology in company.technologies}
    return {
        technology_id: [
            NeedMatchView(
                need=needs[int(m.need_id)],
                score=m.score,
                technology=technologies[technology_id],
                reasons=reason_views(m.reasons, index.glossary, locale),
                band=m.band,
            )
            for m in matches
            if m.score > 0
        ]
        for technology_id, matches in found.items()
    }


def needs_for_company(
    company: Company, viewer: User | None, locale: str, k: int = 6
) -> list[NeedMatchView]:
    """The published needs that fit any of the company's technologies, best first, each
    once (with the technology that fits it best)."""
    best: dict[int, NeedMatchView] = {}
    for views in needs_for_technologies(company, viewer, locale, k=k).values():
        for view in views:
            if view.need.id not in best or view.score > best[view.need.id].score:
                best[view.need.id] = view
    return sorted(best.values(), key=lambda view: -view.score)[:k]


def company_need_scores(company: Company) -> dict[str, float]:
    """Need id → how well the company's best technology fits it (above the floor only)."""
    index = matching_index()
    scores: dict[str, float] = {}
    for technology in company.active_technologies:
        if str(technology.id) not in index.matcher.tech_index_:
            continue
        for match in index.matcher.rank_needs_for_technology(str(technology.id), k=200):
            scores[match.need_id] = max(scores.get(match.need_id, 0.0), match.score)
    return scores


def fitting_company_counts(needs: list[Need]) -> dict[int, int]:
    """For each need, how many companies fit it above the floor (at most 50 counted)."""
    index = matching_index()
    return {
        need.id: len(index.matcher.rank_companies_for_need(str(need.id), k=50))
        if str(need.id) in index.matcher.need_index_
        else 0
        for need in needs
    }


def company_fit(need: Need, company: Company, locale: str) -> CompanyMatchView | None:
    """How well ``company`` fits ``need`` (None below the floor): a member's own view."""
    index = matching_index()
    target = str(need.id) if str(need.id) in index.matcher.need_index_ else need_document(need)
    matches = index.matcher.rank_companies_for_need(
        target, k=1, include_companies={str(company.id)}
    )
    if not matches:
        return None
    match = matches[0]
    technology = db.session.get(Technology, int(match.technology_id))
    return CompanyMatchView(
        company=company,
        score=match.score,
        technology=technology,
        reasons=reason_views(match.reasons, index.glossary, locale),
        band=match.band,
    )


def profile_suggestions(company: Company, viewer: User | None, locale: str) -> list[dict]:
    """Per sector of the company: concepts its sector's needs use that it never mentions."""
    index = matching_index()
    if str(company.id) not in index.matcher.company_index_:
        return []
    visible = visible_listed_need_ids(viewer)
    suggestions = []
    sectors = sorted(
        {s for t in company.active_technologies for s in t.sectors}, key=lambda s: s.id
    )
    for sector in sectors:
        need_ids = [
            str(need.id)
            for need in db.session.scalars(sa.select(Need).where(Need.sectors.contains(sector)))
            if str(need.id) in visible
        ]
        if not need_ids:
            continue
        keys = index.matcher.missing_concepts(str(company.id), need_ids, n=4)
        if keys:
            suggestions.append(
                {"sector": sector, "terms": [index.glossary.label(key, locale) for key in keys]}
            )
    return suggestions


def suggest_sectors(text: str, locale: str, limit: int = 3) -> list[tuple[Sector, list[str]]]:
    """Sectors that the glossary concepts found in ``text`` belong to, most frequent first,
    each with the concepts (labelled in ``locale``) that suggest it."""
    glossary = matching_index().glossary
    keys = glossary.concepts_in(text)
    slugs = [slug for slug, _count in glossary.sectors_for(keys)[:limit]]
    sectors = {
        sector.slug: sector
        for sector in db.session.scalars(
            sa.select(Sector).where(Sector.slug.in_(slugs), Sector.is_current)
        )
    }
    return [
        (
            sectors[slug],
            [glossary.label(key, locale) for key in keys if slug in glossary.concept(key).sectors],
        )
        for slug in slugs
        if slug in sectors
    ]


def dismissed_for_need(need: Need) -> list[tuple[Company, MatchDecision]]:
    """The companies the bureau dismissed for ``need``, with the decision (note, who)."""
    decisions = [
        decision
        for decision in decisions_for_need(need).values()
        if decision.status == MatchDecisionStatus.DISMISSED
    ]
    companies = _by_id(Company, [decision.company_id for decision in decisions])
    return sorted(
        ((companies[d.company_id], d) for d in decisions if d.company_id in companies),
        key=lambda row: row[0].name("en"),
    )


def undo_decision(need: Need, company: Company, actor: User) -> bool:
    """Take back a confirmation or dismissal: the company is proposed as before."""
    decision = decisions_for_need(need).get(company.id)
    if decision is None:
        return False
    archive_record(decision, actor, note="decision undone")
    return True


def decide_match(
    need: Need, company: Company, status: str, note: str, actor: User
) -> MatchDecision:
    decision = db.session.scalar(
        sa.select(MatchDecision).where(
            MatchDecision.need_id == need.id, MatchDecision.company_id == company.id
        )
    )
    if decision is None:
        decision = MatchDecision(
            need_id=need.id,
            company_id=company.id,
            status=status,
            note=note,
            decided_by_id=actor.id,
        )
        return create_record(decision, actor, note=note)
    update_record(
        decision,
        {"status": status, "note": note, "decided_by_id": actor.id, "archived_at": None},
        actor,
        note=note,
    )
    return decision
