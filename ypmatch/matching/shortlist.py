"""Shortlists for joint survey missions: choose up to *slots* companies that cover the needs best.

Pure Python and numpy: no web framework and no database in here. The app hands in the matcher's
need↔company scores (with the technology that carried each score and the reasons, which are passed
through untouched) and renders what comes back.

The objective, for a set S of companies: for each need, sort the selected companies' scores for it
in descending order s1 ≥ s2 ≥ …, count only the first ``per_need_cap`` of them (all when there is
no cap), and take ``Σ_j rank_decay**j · s_j`` (j = 0, 1, …): a need's best match counts fully, the
second half as much (``rank_decay=0.5``), the third a quarter… The total is the need-weighted sum
over the needs in scope. Pair scores below ``min_score`` and dismissed pairs count as 0.

This is monotone submodular (see docs/shortlist.md), so greedy selection — start from the pins,
repeatedly add the company with the largest gain, ties to the smallest company id — reaches at least
(1 − 1/e) ≈ 63 % of the best possible completion of the pins (Nemhauser, Wolsey & Fisher 1978).
``Shortlist.upper_bound`` is an a-posteriori certificate: no completion of the pins within the slots
scores more than it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sklearn.utils import check_scalar

__all__ = [
    "WARNING_KINDS",
    "CoveredNeed",
    "CoveringCompany",
    "CuratorDecisions",
    "NeedCoverage",
    "PairScore",
    "Shortlist",
    "ShortlistEntry",
    "ShortlistSettings",
    "ShortlistWarning",
    "build_shortlist",
    "shortlist_objective",
]

# Gains this close to each other are ties (broken by company id); gains at or below this are 0.
_TOL = 1e-12

WARNING_KINDS = (
    "no_strong_candidate",  # need_id: no selected company scores >= strong_threshold for it
    "pins_exceed_slots",  # company_ids: the pins (all kept) outnumber the slots
    "pin_overridden",  # company_ids: pinned but excluded or declined, so left out
    "slots_unfilled",  # fewer companies than slots: no other candidate adds coverage
)


# ---------------------------------------------------------------------------------------------
# data in and out


@dataclass(frozen=True, slots=True)
class ShortlistSettings:
    """How a shortlist is chosen, checked once when made (``ValueError``/``TypeError``).

    ``slots``: companies to propose; ``per_need_cap``: at most this many count per need (None:
    all); ``rank_decay``: weight of each further company on a need; ``min_score``: pair scores
    below it count as 0; ``strong_threshold``: a need whose best shortlisted score is below it
    is flagged ``weak``.
    """

    slots: int
    per_need_cap: int | None = None
    rank_decay: float = 0.5
    min_score: float = 0.05
    strong_threshold: float = 0.15

    def __post_init__(self) -> None:
        for name, kind, low, high in (
            ("slots", numbers.Integral, 0, None),
            ("per_need_cap", numbers.Integral, 1, None),
            ("rank_decay", numbers.Real, 0.0, 1.0),
            ("min_score", numbers.Real, 0.0, None),
            ("strong_threshold", numbers.Real, 0.0, None),
        ):
            value = getattr(self, name)
            if value is None and name == "per_need_cap":
                continue
            if isinstance(value, bool) or (kind is numbers.Real and not math.isfinite(value)):
                raise ValueError(f"{name} must be a finite {kind.__name__.lower()}, got {value!r}")
            check_scalar(value, name, kind, min_val=low, max_val=high)


@dataclass(frozen=True, slots=True)
class CuratorDecisions:
    """What the bureau decided about companies: pinned ones are always in (even beyond the
    slots, with a warning) unless excluded or declined, which always wins (with a warning); a
    dismissed ``(company_id, need_id)`` pair scores 0 for that need only."""

    pinned: Collection[Hashable] = ()
    excluded: Collection[Hashable] = ()
    declined: Collection[Hashable] = ()
    dismissed_pairs: Collection[tuple[Hashable, Hashable]] = ()


NO_DECISIONS = CuratorDecisions()


@dataclass(frozen=True, slots=True)
class PairScore:
    """One need↔company score from the matcher; ``technology_id`` and ``reasons`` pass through."""

    company_id: Hashable
    need_id: Hashable
    score: float
    technology_id: Hashable | None = None
    reasons: tuple[Any, ...] = ()


class CoveredNeed(NamedTuple):
    """A need a shortlisted company covers (it is among the companies counted for that need)."""

    need_id: Hashable
    score: float
    technology_id: Hashable | None
    reasons: tuple[Any, ...]


class CoveringCompany(NamedTuple):
    company_id: Hashable
    score: float


@dataclass(frozen=True, slots=True)
class ShortlistEntry:
    """One shortlisted company.

    ``marginal_gain`` is what the company added to the objective when it was added (pins first,
    then greedy order), so the gains of all entries sum to ``Shortlist.objective``. ``needs`` are
    the needs it is counted for, best score first (ties in the order of ``need_ids``).
    """

    company_id: Hashable
    pinned: bool
    marginal_gain: float
    needs: list[CoveredNeed]


@dataclass(frozen=True, slots=True)
class NeedCoverage:
    """Who covers one need: the counted companies, best first (at most ``per_need_cap``).

    ``weak`` is true when none of them scores >= ``strong_threshold``. ``best_available`` is the
    best score any eligible candidate (shortlisted or not) has for the need, so the app can tell
    "nobody on the platform fits" (widen the search) from "a fitting company was left out".
    """

    need_id: Hashable
    companies: list[CoveringCompany]
    best_score: float
    weak: bool
    best_available: float = 0.0


@dataclass(frozen=True, slots=True)
class ShortlistWarning:
    """Something for the curator; ``kind`` is one of ``WARNING_KINDS``, ``message`` is English
    fallback text (the app renders its own, localised, from the other fields)."""

    kind: str
    message: str
    need_id: Hashable | None = None
    company_ids: tuple[Hashable, ...] = ()


@dataclass(frozen=True, slots=True)
class Shortlist:
    """The proposal: companies (pins first, then in the order chosen), coverage per need (in the
    order of ``need_ids``), the objective, warnings, and ``upper_bound`` — a proven bound: no
    completion of the pins within the slots reaches a higher objective (equal to ``objective``
    when the shortlist is provably optimal)."""

    companies: list[ShortlistEntry]
    needs: list[NeedCoverage]
    objective: float
    warnings: list[ShortlistWarning] = field(default_factory=list)
    upper_bound: float | None = None

    @property
    def company_ids(self) -> list[Hashable]:
        return [entry.company_id for entry in self.companies]


def _id_key(value: Hashable) -> tuple:
    """Sort key for ids of any (mixed) type: numbers numerically, then strings, then the rest."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, value, "")
    if isinstance(value, str):
        return (1, 0, value)
    return (2, 0, f"{type(value).__name__}:{value!r}")


# ---------------------------------------------------------------------------------------------
# the problem, prepared


@dataclass
class _Problem:
    company_ids: list[Hashable]  # rows of ``scores``: eligible candidates and pins, sorted by id
    need_ids: list[Hashable]
    scores: np.ndarray  # effective scores (below min_score and dismissed → 0), companies × needs
    need_weights: np.ndarray
    pairs: dict[tuple[Hashable, Hashable], PairScore]
    pins: list[int]  # rows of the (kept) pins
    free: list[int]  # rows that may be added: eligible, not pinned
    settings: ShortlistSettings
    depth: int  # how many ranks per need can count: min(cap, most companies ever selected)
    rank_weights: np.ndarray  # rank_decay ** r, r < depth
    warnings: list[ShortlistWarning]


def _prepare(
    candidates: Iterable[PairScore],
    need_ids: Sequence[Hashable],
    settings: ShortlistSettings,
    decisions: CuratorDecisions,
    need_weights: Mapping[Hashable, float] | None,
) -> _Problem:
    need_list = list(need_ids)
    pairs = {(pair.company_id, pair.need_id): pair for pair in candidates}
    companies = {company_id for company_id, _need_id in pairs}
    pins = list(dict.fromkeys(decisions.pinned))
    barred = set(decisions.excluded) | set(decisions.declined)

    warnings: list[ShortlistWarning] = []
    overridden = sorted((c for c in pins if c in barred), key=_id_key)
    if overridden:
        warnings.append(
            ShortlistWarning(
                "pin_overridden",
                "pinned but excluded or declined, so left out: "
                + ", ".join(str(c) for c in overridden),
                company_ids=tuple(overridden),
            )
        )
    pins = [c for c in pins if c not in barred]
    if len(pins) > settings.slots:
        warnings.append(
            ShortlistWarning(
                "pins_exceed_slots",
                f"{len(pins)} pinned companies for {settings.slots} slots: all pins are kept, "
                "no other company is added",
                company_ids=tuple(sorted(pins, key=_id_key)),
            )
        )

    rows = sorted((companies - barred) | set(pins), key=_id_key)
    row_of = {company_id: i for i, company_id in enumerate(rows)}
    col_of = {need_id: j for j, need_id in enumerate(need_list)}
    scores = np.zeros((len(rows), len(need_list)))
    for (company_id, need_id), pair in pairs.items():
        i, j = row_of.get(company_id), col_of.get(need_id)
        if i is not None and j is not None:
            scores[i, j] = pair.score
    scores[scores < settings.min_score] = 0.0
    for company_id, need_id in decisions.dismissed_pairs:
        i, j = row_of.get(company_id), col_of.get(need_id)
        if i is not None and j is not None:
            scores[i, j] = 0.0
    weights = np.array([(need_weights or {}).get(need_id, 1.0) for need_id in need_list])

    pin_rows = [row_of[c] for c in pins]
    free = sorted(set(range(len(rows))) - set(pin_rows))
    most_selected = max(settings.slots, len(pin_rows))
    cap = settings.per_need_cap
    depth = most_selected if cap is None else min(cap, most_selected)
    return _Problem(
        company_ids=rows,
        need_ids=need_list,
        scores=scores,
        need_weights=weights,
        pairs=pairs,
        pins=pin_rows,
        free=free,
        settings=settings,
        depth=depth,
        rank_weights=settings.rank_decay ** np.arange(depth, dtype=float),
        warnings=warnings,
    )


# ---------------------------------------------------------------------------------------------
# the objective and greedy


class _Coverage:
    """The counted scores per need (``top``: needs × depth, descending) and gains of additions.

    Only the first ``filled`` columns of ``top`` can be non-zero (one more per company added),
    and a pair scoring 0 adds nothing, so gains are computed over the positive pairs against the
    filled ranks only.
    """

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        self.top = np.zeros((len(problem.need_ids), problem.depth))
        self.filled = 0
        # weight of rank r, with a trailing 0 for "beyond the counted ranks"
        self.weights_ext = np.append(problem.rank_weights, 0.0)
        self.pair_rows, self.pair_needs = np.nonzero(problem.scores)
        self.pair_scores = problem.scores[self.pair_rows, self.pair_needs]
        self.pair_weights = problem.need_weights[self.pair_needs]

    def value(self) -> float:
        p = self.problem
        return float(p.need_weights @ (self.top @ p.rank_weights))

    def gains(self, rows: Sequence[int]) -> np.ndarray:
        """Exact marginal gain of adding each of ``rows`` to the current selection."""
        p = self.problem
        if p.depth == 0 or not len(rows) or not len(self.pair_scores):
            return np.zeros(len(rows))
        m = self.filled
        top = self.top[:, :m]
        w = self.weights_ext
        x = self.pair_scores
        # Inserting x at rank q shifts ranks q..depth-2 down one and drops rank depth-1:
        # gain = w[q]·x + Σ_{r≥q} (w[r+1] − w[r])·top[r]   (w[depth] = 0; top[r] = 0 for r ≥ m)
        tail = np.zeros((top.shape[0], m + 1))
        if m:
            shift = (w[1 : m + 1] - w[:m]) * top
            tail[:, :m] = np.cumsum(shift[:, ::-1], axis=1)[:, ::-1]
            rank = (top[self.pair_needs] >= x[:, None]).sum(axis=1)  # 0..m
        else:
            rank = np.zeros(len(x), dtype=np.intp)
        per_pair = w[rank] * x + tail[self.pair_needs, rank]
        per_row = np.bincount(
            self.pair_rows, weights=per_pair * self.pair_weights, minlength=len(p.company_ids)
        )
        return per_row[np.asarray(rows, dtype=np.intp)]

    def add(self, row: int) -> None:
        x = self.problem.scores[row]
        merged = np.concatenate([self.top, x[:, None]], axis=1)
        merged = -np.sort(-merged, axis=1)
        self.top = merged[:, : self.problem.depth]
        self.filled = min(self.filled + 1, self.problem.depth)


def _greedy(
    coverage: _Coverage, pool: Sequence[int], limit: int, *, stop_at_zero: bool
) -> tuple[list[int], list[float]]:
    """Add up to ``limit`` rows of ``pool`` by largest gain; ties go to the lowest row (id)."""
    available = sorted(pool)
    order: list[int] = []
    gains_taken: list[float] = []
    while available and len(order) < limit:
        gains = coverage.gains(available)
        best = float(gains.max())
        if stop_at_zero and best <= _TOL:
            break
        pick = int(np.flatnonzero(gains >= best - _TOL * max(1.0, abs(best)))[0])
        row = available.pop(pick)
        coverage.add(row)
        order.append(row)
        gains_taken.append(max(float(gains[pick]), 0.0))
    return order, gains_taken


def _counted(problem: _Problem, selection: Sequence[int]) -> list[list[tuple[int, float]]]:
    """Per need, the counted ``(row, score)``: best first (ties: earlier in ``selection``),
    positive scores only, at most ``cap``."""
    result = []
    for j in range(len(problem.need_ids)):
        column = problem.scores[:, j]
        ranked = sorted(
            ((column[i], k, i) for k, i in enumerate(selection) if column[i] > 0),
            key=lambda t: (-t[0], t[1]),
        )
        if problem.settings.per_need_cap is not None:
            ranked = ranked[: problem.settings.per_need_cap]
        result.append([(i, float(s)) for s, _k, i in ranked])
    return result


def _selection_value(problem: _Problem, selection: Sequence[int]) -> float:
    if not selection or not problem.need_ids:
        return 0.0
    block = -np.sort(-problem.scores[list(selection)], axis=0)  # selected × needs, descending
    depth = (
        len(selection)
        if problem.settings.per_need_cap is None
        else min(problem.settings.per_need_cap, len(selection))
    )
    decay_weights = _decay_weights(problem, depth)
    return float(problem.need_weights @ (decay_weights @ block[:depth]))


def _decay_weights(problem: _Problem, depth: int) -> np.ndarray:
    return problem.settings.rank_decay ** np.arange(depth, dtype=float)


def _assemble(
    problem: _Problem,
    order: list[int],
    gains: list[float],
    upper_bound: float | None,
) -> Shortlist:
    """The output; ``upper_bound=None`` means the selection is known to be optimal."""
    pin_rows = set(problem.pins)
    counted = _counted(problem, order)
    covers: dict[int, list[tuple[float, int, Hashable]]] = {i: [] for i in order}
    need_rows = []
    warnings = list(problem.warnings)
    eligible_rows = problem.pins + problem.free
    for j, need_id in enumerate(problem.need_ids):
        companies = [CoveringCompany(problem.company_ids[i], s) for i, s in counted[j]]
        for i, s in counted[j]:
            covers[i].append((s, j, need_id))
        best = companies[0].score if companies else 0.0
        available = float(problem.scores[eligible_rows, j].max()) if eligible_rows else 0.0
        weak = best < problem.settings.strong_threshold
        need_rows.append(NeedCoverage(need_id, companies, best, weak, available))
        if weak:
            if available >= problem.settings.strong_threshold:
                hint = (
                    f"a candidate scoring {available:.2f} was not selected — consider more slots "
                    "or pinning it"
                )
            else:
                hint = "consider widening the search or inviting beyond the platform"
            warnings.append(
                ShortlistWarning(
                    "no_strong_candidate",
                    f"no strong candidate for {need_id} (best shortlisted score {best:.2f}, "
                    f"threshold {problem.settings.strong_threshold:.2f}) — {hint}",
                    need_id=need_id,
                )
            )
    if len(order) < problem.settings.slots:
        warnings.append(
            ShortlistWarning(
                "slots_unfilled",
                f"{len(order)} of {problem.settings.slots} slots filled: no other eligible "
                "candidate adds coverage of the needs in scope",
            )
        )
    entries = []
    for i, gain in zip(order, gains, strict=True):
        company_id = problem.company_ids[i]
        needs = []
        for s, _j, need_id in sorted(covers[i], key=lambda t: (-t[0], t[1])):
            pair = problem.pairs[(company_id, need_id)]
            needs.append(CoveredNeed(need_id, s, pair.technology_id, pair.reasons))
        entries.append(ShortlistEntry(company_id, i in pin_rows, gain, needs))
    objective = _selection_value(problem, order)
    bound = objective if upper_bound is None else max(upper_bound, objective)
    return Shortlist(entries, need_rows, objective, warnings, bound)


# ---------------------------------------------------------------------------------------------
# public API


def build_shortlist(
    candidates: Iterable[PairScore],
    need_ids: Sequence[Hashable],
    settings: ShortlistSettings,
    decisions: CuratorDecisions = NO_DECISIONS,
    need_weights: Mapping[Hashable, float] | None = None,
) -> Shortlist:
    """Propose up to ``settings.slots`` companies covering ``need_ids`` best (greedy, see the
    module text). ``candidates`` holds one ``PairScore`` per pair; scores for needs outside
    ``need_ids`` are ignored; ``need_weights`` default to 1."""
    problem = _prepare(candidates, need_ids, settings, decisions, need_weights)
    coverage = _Coverage(problem)
    pin_order, pin_gains = _greedy(coverage, problem.pins, len(problem.pins), stop_at_zero=False)
    budget = max(problem.settings.slots - len(problem.pins), 0)
    order, gains = _greedy(coverage, problem.free, budget, stop_at_zero=True)
    # Certificate: for any completion X of the pins with |X| <= budget, by submodularity
    # f(pins ∪ X) <= f(S) + Σ_{e ∈ X} gain(e | S) <= f(S) + the `budget` largest gains.
    rest = sorted(set(problem.free) - set(order))
    remaining = np.sort(np.maximum(coverage.gains(rest), 0.0))[::-1][:budget]
    upper_bound = coverage.value() + float(remaining.sum())
    return _assemble(problem, pin_order + order, pin_gains + gains, upper_bound)


def shortlist_objective(
    selection: Iterable[Hashable],
    candidates: Iterable[PairScore],
    need_ids: Sequence[Hashable],
    settings: ShortlistSettings,
    dismissed_pairs: Collection[tuple[Hashable, Hashable]] = (),
    need_weights: Mapping[Hashable, float] | None = None,
) -> float:
    """The objective of any set of companies (ids without scores add nothing; repeats count
    once). Exclusions, declines and slots do not enter: this scores a given set."""
    decisions = CuratorDecisions(pinned=list(selection), dismissed_pairs=dismissed_pairs)
    problem = _prepare(candidates, need_ids, settings, decisions, need_weights)
    return _selection_value(problem, problem.pins)
