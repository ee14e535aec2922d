"""From pair scores to ranked candidates, the same way for any set of signals and directions.

The signals score pairs (need × technology). Ranking then works on a block of rows (queries)
× columns (pairs) whose columns come in groups (a company's technologies, or one need's pairs
with one company's technologies):

1. a group scores its best column plus a small bonus for further relevant ones:
   ``further_weight × (sum of its other columns scoring ≥ further_floor)``, at most
   ``further_cap``. A company with one excellent technology beats one with many weak ones;
2. optional boosts add fixed amounts, only where the text score is above zero;
3. groups not allowed (dismissed, filtered out) are dropped; so is everything whose text score
   is below ``floor`` unless weak matches are asked for;
4. the ``k`` best remain, by score then group order (ids), each with its band: ``strong``
   from ``strong`` up, ``possible`` from ``floor``, ``weak`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RankingRules:
    further_weight: float = 0.1
    further_floor: float = 0.1
    further_cap: float = 0.05
    floor: float = 0.0
    strong: float = 0.35

    def band(self, fit: float) -> str:
        if fit >= self.strong:
            return "strong"
        return "possible" if fit >= self.floor else "weak"


@dataclass(frozen=True)
class Boost:
    """A named amount added where ``where`` (rows × groups) holds and the text score is > 0."""

    name: str
    where: np.ndarray
    amount: float


@dataclass
class Ranked:
    """One chosen group for one row: its score, its columns best first, and its parts."""

    group: int
    score: float
    band: str
    columns: list[tuple[int, float]]  # (column offset inside the group, score) best first
    parts: dict[str, float] = field(default_factory=dict)  # bonus and boosts by name


def aggregate(block: np.ndarray, starts: np.ndarray, rules: RankingRules):
    """Per row and group: the best column and the further-columns bonus (both rows × groups)."""
    if len(starts) == 0:
        empty = np.zeros((block.shape[0], 0))
        return empty, empty.copy()
    best = np.maximum.reduceat(block, starts, axis=1)
    relevant = np.where(block >= rules.further_floor, block, 0.0)
    further = np.add.reduceat(relevant, starts, axis=1)
    further -= np.where(best >= rules.further_floor, best, 0.0)
    bonus = np.minimum(rules.further_cap, rules.further_weight * further)
    bonus[best <= 0] = 0.0
    return best, bonus


def rank(
    block: np.ndarray,
    starts: np.ndarray,
    rules: RankingRules,
    k: int,
    *,
    allowed: np.ndarray | None = None,
    boosts: tuple[Boost, ...] = (),
    include_weak: bool = False,
) -> list[list[Ranked]]:
    """The ``k`` best groups for every row of ``block`` (rows × columns grouped at ``starts``).

    Columns of group ``g`` are ``starts[g]:starts[g + 1]`` (the last group runs to the end).
    """
    best, bonus = aggregate(block, starts, rules)
    fit = best + bonus
    total = fit.copy()
    amounts = []
    for boost in boosts:
        added = np.where(boost.where & (best > 0), float(boost.amount), 0.0)
        amounts.append((boost.name, added))
        total += added
    eligible = best > 0
    if not include_weak:
        eligible &= fit >= rules.floor
    if allowed is not None:
        eligible &= allowed[None, :]
    ends = np.append(starts[1:], block.shape[1]) if len(starts) else starts
    results = []
    for row in range(block.shape[0]):
        chosen = []
        for group in top_k(np.where(eligible[row], total[row], 0.0), k):
            own = block[row, starts[group] : ends[group]]
            order = np.lexsort((np.arange(len(own)), -own))
            parts = {"more_technologies": float(bonus[row, group])}
            parts.update((name, float(added[row, group])) for name, added in amounts)
            chosen.append(
                Ranked(
                    group=group,
                    score=float(total[row, group]),
                    band=rules.band(float(fit[row, group])),
                    columns=[(int(i), float(own[i])) for i in order if own[i] > 0],
                    parts=parts,
                )
            )
        results.append(chosen)
    return results


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest positive scores, by score descending then index (= id order)."""
    positive = np.flatnonzero(scores > 0)
    if k <= 0 or len(positive) == 0:
        return []
    if len(positive) > k:
        threshold = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= threshold]
    order = np.lexsort((positive, -scores[positive]))
    return [int(i) for i in positive[order[:k]]]


def indicator(sets: list, index: dict[str, int]) -> np.ndarray:
    """A rows × ``index`` yes/no table: row i marks the members of ``sets[i]``."""
    table = np.zeros((len(sets), len(index)), dtype=bool)
    pairs = [(row, index[v]) for row, values in enumerate(sets) if values for v in values]
    if pairs:
        rows, columns = zip(*pairs, strict=True)
        table[list(rows), list(columns)] = True
    return table
