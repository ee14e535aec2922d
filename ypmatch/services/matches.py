"""Matches as pages, emails and the API show them: companies for a need, needs for a company,
with readable reasons, bands and the bureau's decisions."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.matching import (
    Boosts,
    Glossary,
    Reason,
)
from ypmatch.models import (
    Company,
    MatchDecision,
    MatchDecisionStatus,
    Need,
    Sector,
    Technology,
    User,
)
from ypmatch.permissions import LISTED_NEED_STATUSES, visible_needs_condition
from ypmatch.services.companies import companies_in_sector
from ypmatch.services.matching import matching_index, need_document
from ypmatch.services.records import archive_record, create_record, update_record

# How many companies a need's list shows by default, and at most (pages and API alike).
MATCHES_DEFAULT, MATCHES_MAX = 10, 100


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
    query = sa.select(Company).where(Company.is_listed)
    if filters.size:
        query = query.where(Company.size == filters.size)
    if filters.yport_member is not None:
        query = query.where(Company.yport_member.is_(filters.yport_member))
    if filters.sector_id:
        query = query.where(Company.id.in_(companies_in_sector(filters.sector_id)))
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
        for match in index.matcher.rank_needs_for_technology(
            str(technology.id), k=200, explain=False
        ):
            scores[match.need_id] = max(scores.get(match.need_id, 0.0), match.score)
    return scores


def fitting_company_counts(needs: list[Need]) -> dict[int, int]:
    """For each need, how many companies fit it above the floor (at most 50 counted)."""
    counts = matching_index().count_fitting_companies([str(need.id) for need in needs])
    return {need.id: counts[str(need.id)] for need in needs}


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
