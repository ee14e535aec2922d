"""The exact optimum of a mission shortlist, by trying every completion of the pins: the oracle
the greedy optimiser is checked against (tests) and measured against (bench/shortlist_quality.py).
Small instances only."""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from ypmatch.matching.shortlist import (
    _TOL,
    NO_DECISIONS,
    CuratorDecisions,
    PairScore,
    Shortlist,
    ShortlistSettings,
    _assemble,
    _Coverage,
    _decay_weights,
    _greedy,
    _prepare,
    _selection_value,
)

DEFAULT_MAX_SUBSETS = 2_000_000


def brute_force_shortlist(
    candidates: Iterable[PairScore],
    need_ids: Sequence[Hashable],
    settings: ShortlistSettings,
    decisions: CuratorDecisions = NO_DECISIONS,
    need_weights: Mapping[Hashable, float] | None = None,
    max_subsets: int = DEFAULT_MAX_SUBSETS,
) -> Shortlist:
    """Same arguments and rules as ``build_shortlist``; among equally good sets the smallest,
    then the first by company id, wins. The chosen companies are listed pins first, then in
    greedy order among themselves (so ``marginal_gain`` reads as in ``build_shortlist``).
    Raises ``ValueError`` when more than ``max_subsets`` sets would have to be tried."""
    problem = _prepare(candidates, need_ids, settings, decisions, need_weights)
    budget = min(max(settings.slots - len(problem.pins), 0), len(problem.free))
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
        block = -np.sort(-problem.scores[rows], axis=1)  # sets × members × needs
        members = rows.shape[1]
        cap = settings.per_need_cap
        depth = members if cap is None else min(cap, members)
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
