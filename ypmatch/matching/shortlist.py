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

import itertools
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_RANK_DECAY",
    "DEFAULT_STRONG_THRESHOLD",
    "WARNING_KINDS",
    "CoveredNeed",
    "CoveringCompany",
    "NeedCoverage",
    "PairScore",
    "Shortlist",
    "ShortlistEntry",
    "ShortlistWarning",
    "brute_force_shortlist",
    "build_shortlist",
    "shortlist_objective",
]

DEFAULT_RANK_DECAY = 0.5
DEFAULT_MIN_SCORE = 0.05
DEFAULT_STRONG_THRESHOLD = 0.15
DEFAULT_MAX_SUBSETS = 2_000_000

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
class PairScore:
    """One need↔company score from the matcher; ``technology_id`` and ``reasons`` pass through."""

    company_id: Hashable
    need_id: Hashable
    score: float
    technology_id: Hashable | None = None
    reasons: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        score = self.score
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise ValueError(
                f"score for company {self.company_id!r} and need {self.need_id!r} must be a "
                f"number, got {score!r}"
            )
        score = float(score)
        if not math.isfinite(score) or score < 0:
            raise ValueError(
                f"score for company {self.company_id!r} and need {self.need_id!r} must be finite "
                f"and >= 0, got {score!r}"
            )
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "reasons", tuple(self.reasons))


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


# ---------------------------------------------------------------------------------------------
# input checking


def _id_key(value: Hashable) -> tuple:
    """Sort key for ids of any (mixed) type: numbers numerically, then strings, then the rest."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, value, "")
    if isinstance(value, str):
        return (1, 0, value)
    return (2, 0, f"{type(value).__name__}:{value!r}")


def _id_collection(name: str, values: Iterable[Hashable] | None) -> list[Hashable]:
    """Distinct ids in first-seen order; refuses a bare string (a common slip for one id)."""
    if values is None:
        return []
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a collection of company ids, not a single string")
    try:
        items = list(values)
    except TypeError:
        raise ValueError(f"{name} must be a collection of company ids") from None
    seen: dict[Hashable, None] = {}
    for item in items:
        try:
            seen.setdefault(item, None)
        except TypeError:
            raise ValueError(f"{name}: company id {item!r} is not hashable") from None
    return list(seen)


def _check_number(name: str, value: Any, *, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
        raise ValueError(f"{name} must be {bounds}, got {value!r}")
    return value


def _check_int(name: str, value: Any, *, low: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    value = int(value)
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def _check_need_ids(need_ids: Sequence[Hashable]) -> list[Hashable]:
    if isinstance(need_ids, str | bytes) or not isinstance(need_ids, Iterable):
        raise ValueError("need_ids must be a sequence of need ids")
    result = list(need_ids)
    seen: set[Hashable] = set()
    for need_id in result:
        try:
            duplicate = need_id in seen
        except TypeError:
            raise ValueError(f"need id {need_id!r} is not hashable") from None
        if duplicate:
            raise ValueError(f"need id {need_id!r} appears twice in need_ids")
        seen.add(need_id)
    return result


def _collect_pairs(
    candidates: Mapping[Hashable, Mapping[Hashable, PairScore | float]] | Iterable[PairScore],
) -> tuple[set[Hashable], dict[tuple[Hashable, Hashable], PairScore]]:
    """Company ids and ``(company_id, need_id) -> PairScore`` from either input form."""
    companies: set[Hashable] = set()
    pairs: dict[tuple[Hashable, Hashable], PairScore] = {}
    if isinstance(candidates, Mapping):
        for company_id, row in candidates.items():
            companies.add(company_id)
            if not isinstance(row, Mapping):
                raise ValueError(
                    f"candidates[{company_id!r}] must map need ids to PairScore or a score"
                )
            for need_id, value in row.items():
                if isinstance(value, PairScore):
                    if value.company_id != company_id or value.need_id != need_id:
                        raise ValueError(
                            f"candidates[{company_id!r}][{need_id!r}] holds a PairScore for "
                            f"company {value.company_id!r} and need {value.need_id!r}"
                        )
                    pair = value
                else:
                    pair = PairScore(company_id, need_id, value)
                pairs[(company_id, need_id)] = pair
        return companies, pairs
    if isinstance(candidates, str | bytes) or not isinstance(candidates, Iterable):
        raise ValueError("candidates must be a mapping or an iterable of PairScore records")
    for record in candidates:
        if type(record) is not PairScore and not isinstance(record, PairScore):
            raise ValueError(f"candidates must hold PairScore records, got {record!r}")
        size = len(pairs)
        pairs[(record.company_id, record.need_id)] = record
        if len(pairs) == size:
            raise ValueError(
                f"two scores for company {record.company_id!r} and need {record.need_id!r}"
            )
    companies = {company_id for company_id, _need_id in pairs}
    return companies, pairs


def _collect_dismissed(dismissed_pairs: Iterable[tuple[Hashable, Hashable]] | None) -> set:
    result: set[tuple[Hashable, Hashable]] = set()
    if dismissed_pairs is None:
        return result
    if isinstance(dismissed_pairs, str | bytes):
        raise ValueError("dismissed_pairs must be a collection of (company_id, need_id) pairs")
    for item in dismissed_pairs:
        if isinstance(item, str | bytes) or not isinstance(item, Iterable):
            raise ValueError(f"dismissed_pairs: expected (company_id, need_id), got {item!r}")
        pair = tuple(item)
        if len(pair) != 2:
            raise ValueError(f"dismissed_pairs: expected (company_id, need_id), got {item!r}")
        result.add(pair)
    return result


def _need_weight_vector(
    need_weights: Mapping[Hashable, float] | None, need_ids: list[Hashable]
) -> np.ndarray:
    weights = np.ones(len(need_ids))
    if need_weights is None:
        return weights
    if not isinstance(need_weights, Mapping):
        raise ValueError("need_weights must map need ids to weights")
    position = {need_id: j for j, need_id in enumerate(need_ids)}
    for need_id, weight in need_weights.items():
        if need_id not in position:
            raise ValueError(f"need_weights names need {need_id!r}, which is not in need_ids")
        weights[position[need_id]] = _check_number(f"need_weights[{need_id!r}]", weight, low=0.0)
    return weights


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
    slots: int
    cap: int | None
    depth: int  # how many ranks per need can count: min(cap, most companies ever selected)
    rank_decay: float
    rank_weights: np.ndarray  # rank_decay ** r, r < depth
    strong_threshold: float
    warnings: list[ShortlistWarning]


def _prepare(
    candidates,
    need_ids,
    slots,
    *,
    per_need_cap,
    pinned,
    excluded,
    declined,
    dismissed_pairs,
    need_weights,
    rank_decay,
    min_score,
    strong_threshold,
) -> _Problem:
    slots = _check_int("slots", slots, low=0)
    cap = _check_int("per_need_cap", per_need_cap, low=1, allow_none=True)
    rank_decay = _check_number("rank_decay", rank_decay, low=0.0, high=1.0)
    min_score = _check_number("min_score", min_score, low=0.0)
    strong_threshold = _check_number("strong_threshold", strong_threshold, low=0.0)
    need_list = _check_need_ids(need_ids)
    pins = _id_collection("pinned", pinned)
    excluded_ids = set(_id_collection("excluded", excluded))
    declined_ids = set(_id_collection("declined", declined))
    dismissed = _collect_dismissed(dismissed_pairs)
    weights = _need_weight_vector(need_weights, need_list)
    companies, pairs = _collect_pairs(candidates)

    warnings: list[ShortlistWarning] = []
    barred = excluded_ids | declined_ids
    overridden = [c for c in pins if c in barred]
    if overridden:
        overridden.sort(key=_id_key)
        warnings.append(
            ShortlistWarning(
                "pin_overridden",
                "pinned but excluded or declined, so left out: "
                + ", ".join(str(c) for c in overridden),
                company_ids=tuple(overridden),
            )
        )
    pins = [c for c in pins if c not in barred]
    if len(pins) > slots:
        warnings.append(
            ShortlistWarning(
                "pins_exceed_slots",
                f"{len(pins)} pinned companies for {slots} slots: all pins are kept, "
                "no other company is added",
                company_ids=tuple(sorted(pins, key=_id_key)),
            )
        )

    rows = sorted((companies - barred) | set(pins), key=_id_key)
    row_of = {company_id: i for i, company_id in enumerate(rows)}
    col_of = {need_id: j for j, need_id in enumerate(need_list)}
    scores = np.zeros((len(rows), len(need_list)))
    at_rows, at_cols, values = [], [], []
    for (company_id, need_id), pair in pairs.items():
        j = col_of.get(need_id)
        i = row_of.get(company_id)
        if i is not None and j is not None:
            at_rows.append(i)
            at_cols.append(j)
            values.append(pair.score)
    scores[at_rows, at_cols] = values
    scores[scores < min_score] = 0.0
    for company_id, need_id in dismissed:
        i = row_of.get(company_id)
        j = col_of.get(need_id)
        if i is not None and j is not None:
            scores[i, j] = 0.0

    pin_rows = [row_of[c] for c in pins]
    pin_set = set(pin_rows)
    free = [i for i in range(len(rows)) if i not in pin_set]
    most_selected = max(slots, len(pin_rows))
    depth = most_selected if cap is None else min(cap, most_selected)
    rank_weights = rank_decay ** np.arange(depth, dtype=float)
    return _Problem(
        company_ids=rows,
        need_ids=need_list,
        scores=scores,
        need_weights=weights,
        pairs=pairs,
        pins=pin_rows,
        free=free,
        slots=slots,
        cap=cap,
        depth=depth,
        rank_decay=rank_decay,
        rank_weights=rank_weights,
        strong_threshold=strong_threshold,
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
        if problem.cap is not None:
            ranked = ranked[: problem.cap]
        result.append([(i, float(s)) for s, _k, i in ranked])
    return result


def _selection_value(problem: _Problem, selection: Sequence[int]) -> float:
    if not selection or not problem.need_ids:
        return 0.0
    block = -np.sort(-problem.scores[list(selection)], axis=0)  # selected × needs, descending
    depth = len(selection) if problem.cap is None else min(problem.cap, len(selection))
    decay_weights = _decay_weights(problem, depth)
    return float(problem.need_weights @ (decay_weights @ block[:depth]))


def _decay_weights(problem: _Problem, depth: int) -> np.ndarray:
    return problem.rank_decay ** np.arange(depth, dtype=float)


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
        weak = best < problem.strong_threshold
        need_rows.append(NeedCoverage(need_id, companies, best, weak, available))
        if weak:
            if available >= problem.strong_threshold:
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
                    f"threshold {problem.strong_threshold:.2f}) — {hint}",
                    need_id=need_id,
                )
            )
    if len(order) < problem.slots:
        warnings.append(
            ShortlistWarning(
                "slots_unfilled",
                f"{len(order)} of {problem.slots} slots filled: no other eligible candidate adds "
                "coverage of the needs in scope",
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
    candidates: Mapping[Hashable, Mapping[Hashable, PairScore | float]] | Iterable[PairScore],
    need_ids: Sequence[Hashable],
    slots: int,
    *,
    per_need_cap: int | None = None,
    pinned: Iterable[Hashable] = (),
    excluded: Iterable[Hashable] = (),
    declined: Iterable[Hashable] = (),
    dismissed_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    need_weights: Mapping[Hashable, float] | None = None,
    rank_decay: float = DEFAULT_RANK_DECAY,
    min_score: float = DEFAULT_MIN_SCORE,
    strong_threshold: float = DEFAULT_STRONG_THRESHOLD,
) -> Shortlist:
    """Propose up to ``slots`` companies covering ``need_ids`` best (greedy, see module doc).

    ``candidates`` is either ``{company_id: {need_id: PairScore or score}}`` or an iterable of
    ``PairScore`` records (one per pair). Scores for needs outside ``need_ids`` are ignored.
    Pinned companies are always in (even beyond ``slots``, with a warning) unless excluded or
    declined, which always wins (with a warning). A dismissed ``(company_id, need_id)`` pair
    scores 0 for that need only. Raises ``ValueError`` on malformed input.
    """
    problem = _prepare(
        candidates,
        need_ids,
        slots,
        per_need_cap=per_need_cap,
        pinned=pinned,
        excluded=excluded,
        declined=declined,
        dismissed_pairs=dismissed_pairs,
        need_weights=need_weights,
        rank_decay=rank_decay,
        min_score=min_score,
        strong_threshold=strong_threshold,
    )
    coverage = _Coverage(problem)
    pin_order, pin_gains = _greedy(coverage, problem.pins, len(problem.pins), stop_at_zero=False)
    budget = max(problem.slots - len(problem.pins), 0)
    order, gains = _greedy(coverage, problem.free, budget, stop_at_zero=True)
    # Certificate: for any completion X of the pins with |X| <= budget, by submodularity
    # f(pins ∪ X) <= f(S) + Σ_{e ∈ X} gain(e | S) <= f(S) + the `budget` largest gains.
    rest = sorted(set(problem.free) - set(order))
    remaining = np.sort(np.maximum(coverage.gains(rest), 0.0))[::-1][:budget]
    upper_bound = coverage.value() + float(remaining.sum())
    return _assemble(problem, pin_order + order, pin_gains + gains, upper_bound)


def brute_force_shortlist(
    candidates: Mapping[Hashable, Mapping[Hashable, PairScore | float]] | Iterable[PairScore],
    need_ids: Sequence[Hashable],
    slots: int,
    *,
    per_need_cap: int | None = None,
    pinned: Iterable[Hashable] = (),
    excluded: Iterable[Hashable] = (),
    declined: Iterable[Hashable] = (),
    dismissed_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    need_weights: Mapping[Hashable, float] | None = None,
    rank_decay: float = DEFAULT_RANK_DECAY,
    min_score: float = DEFAULT_MIN_SCORE,
    strong_threshold: float = DEFAULT_STRONG_THRESHOLD,
    max_subsets: int = DEFAULT_MAX_SUBSETS,
) -> Shortlist:
    """The exact optimum by trying every completion of the pins (for small instances: tests and
    the bench). Same arguments and rules as ``build_shortlist``; among equally good sets the
    smallest, then the first by company id, wins. The chosen companies are listed pins first,
    then in greedy order among themselves (so ``marginal_gain`` reads as in ``build_shortlist``).
    Raises ``ValueError`` when more than ``max_subsets`` sets would have to be tried.
    """
    max_subsets = _check_int("max_subsets", max_subsets, low=1)
    problem = _prepare(
        candidates,
        need_ids,
        slots,
        per_need_cap=per_need_cap,
        pinned=pinned,
        excluded=excluded,
        declined=declined,
        dismissed_pairs=dismissed_pairs,
        need_weights=need_weights,
        rank_decay=rank_decay,
        min_score=min_score,
        strong_threshold=strong_threshold,
    )
    budget = min(max(problem.slots - len(problem.pins), 0), len(problem.free))
    total = sum(math.comb(len(problem.free), k) for k in range(budget + 1))
    if total > max_subsets:
        raise ValueError(
            f"brute force would try {total} sets (more than max_subsets={max_subsets}); "
            "use build_shortlist"
        )
    free = np.array(problem.free, dtype=int)
    pins = np.array(problem.pins, dtype=int)
    n_needs = len(problem.need_ids)
    best_value = _selection_value(problem, problem.pins)
    best_set: tuple[int, ...] = ()
    for size in range(1, budget + 1):
        combos = np.array(list(itertools.combinations(range(len(free)), size)), dtype=int)
        chosen = free[combos]  # sets × size
        rows = np.concatenate([np.broadcast_to(pins, (len(chosen), len(pins))), chosen], axis=1)
        block = problem.scores[rows]  # sets × members × needs
        block = -np.sort(-block, axis=1)
        members = rows.shape[1]
        depth = members if problem.cap is None else min(problem.cap, members)
        weights = _decay_weights(problem, depth)
        values = (
            np.einsum("r,srn->sn", weights, block[:, :depth, :]) @ problem.need_weights
            if n_needs
            else np.zeros(len(chosen))
        )
        top = float(values.max())
        if top > best_value + _TOL * max(1.0, abs(best_value)):
            pick = int(np.flatnonzero(values >= top - _TOL * max(1.0, abs(top)))[0])
            best_value = top
            best_set = tuple(int(i) for i in chosen[pick])
    coverage = _Coverage(problem)
    pin_order, pin_gains = _greedy(coverage, problem.pins, len(problem.pins), stop_at_zero=False)
    order, gains = _greedy(coverage, best_set, len(best_set), stop_at_zero=False)
    return _assemble(problem, pin_order + order, pin_gains + gains, None)


def shortlist_objective(
    selection: Iterable[Hashable],
    candidates: Mapping[Hashable, Mapping[Hashable, PairScore | float]] | Iterable[PairScore],
    need_ids: Sequence[Hashable],
    *,
    per_need_cap: int | None = None,
    dismissed_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    need_weights: Mapping[Hashable, float] | None = None,
    rank_decay: float = DEFAULT_RANK_DECAY,
    min_score: float = DEFAULT_MIN_SCORE,
) -> float:
    """The objective of any set of companies (ids without scores add nothing; repeats count
    once). Exclusions, declines and slots do not enter: this scores a given set."""
    chosen = _id_collection("selection", selection)
    problem = _prepare(
        candidates,
        need_ids,
        len(chosen),
        per_need_cap=per_need_cap,
        pinned=chosen,
        excluded=(),
        declined=(),
        dismissed_pairs=dismissed_pairs,
        need_weights=need_weights,
        rank_decay=rank_decay,
        min_score=min_score,
        strong_threshold=0.0,
    )
    return _selection_value(problem, problem.pins)
