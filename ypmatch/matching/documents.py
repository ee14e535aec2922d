"""What the matcher reads (needs, technologies, companies) and what it returns (matches)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NeedDoc:
    """A city need. ``country`` is an ISO 3166-1 alpha-2 code (used by the overseas boost)."""

    id: str
    title: str = ""
    description: str = ""
    country: str | None = None
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TechnologyDoc:
    """One technology (capability) of a company; Japanese, English or both in one text."""

    id: str
    company_id: str
    title: str = ""
    description: str = ""
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompanyInfo:
    """Company facts: countries of overseas experience and sectors (for the optional boosts),
    and its name (which may name a trade outside the programme: "… Ramen Co., Ltd.")."""

    id: str
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class Boosts:
    """Soft boosts a curator switches on per query; both off by default."""

    sector_overlap: bool = False
    overseas_experience: bool = False


NO_BOOSTS = Boosts()

REASON_KINDS = ("concept", "sector", "passage", "boost")
BANDS = ("strong", "possible", "weak")


@dataclass(frozen=True, slots=True)
class Reason:
    """One contribution to a score.

    ``kind`` is "concept" (``token`` is a glossary key: localise it with
    ``Glossary.label(key, lang)``), "sector" (``token`` is a sector key), "passage" (the
    semantic signal: ``token`` is the need's sentence and ``detail`` the technology's sentence
    closest to it) or "boost" (``token`` is "sector_overlap", "overseas_experience" or
    "more_technologies"). ``share`` is the part of the final score it accounts for (0–1).
    """

    token: str
    kind: str
    share: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CompanyMatch:
    company_id: str
    score: float
    technology_id: str  # the technology that carried the score
    technology_scores: tuple[tuple[str, float], ...]  # every technology scoring > 0, best first
    reasons: tuple[Reason, ...] = ()
    band: str = "possible"  # "strong", "possible", or "weak" (below the floor, on request)


@dataclass(frozen=True, slots=True)
class NeedMatch:
    need_id: str
    score: float
    technology_id: str
    technology_scores: tuple[tuple[str, float], ...]
    reasons: tuple[Reason, ...] = ()
    band: str = "possible"
