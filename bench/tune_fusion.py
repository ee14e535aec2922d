"""Choose the hybrid's fusion weights and thresholds on development data by cross-validation.

    .venv/bin/python bench/tune_fusion.py [--cache DIR] DEV.json [DEV.json ...]

Each dataset's lexical and semantic pair scores are computed once; then every grid point of
(semantic_weight, semantic_spread) ranks all needs (no floor). Needs are split into 5 folds
within each dataset: a grid point is chosen on four folds (the mean over datasets of nDCG@10
and cross-language recall@10) and scored on the fifth, which estimates how the choice does
on needs it did not see. The point chosen on all the data is what the matcher ships; then the
floor and the start of "strong" are read off the score distributions of relevant and
unrelated pairs. Held-out data must never be passed here.
"""

from __future__ import annotations

import argparse
import sys
from itertools import product
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ypmatch.matching import BilingualMatcher  # noqa: E402
from ypmatch.matching.evaluation import EmbeddingFile, load_dataset, score_rankings  # noqa: E402
from ypmatch.matching.ranking import RankingRules, aggregate  # noqa: E402
from ypmatch.matching.semantic import CachedEncoder, Usem3Encoder  # noqa: E402

WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SPREADS = (3.0, 4.0, 5.0, 6.0, 8.0)
FOLDS = 5


class Prepared:
    def __init__(self, path: str, encoder):
        self.name = Path(path).stem
        self.dataset = load_dataset(path)
        matcher = BilingualMatcher(signals="hybrid", encoder=encoder, n_jobs=1)
        matcher.fit(self.dataset.needs, self.dataset.technologies)
        self.matcher = matcher
        n = len(matcher.need_ids_)
        self.lexical = matcher.lexical_.score_fitted_needs(0, n)
        self.semantic = matcher.semantic_

    def company_scores(self, weight: float, spread: float) -> np.ndarray:
        self.semantic.spread = spread
        semantic = self.semantic.score_fitted_needs(0, len(self.matcher.need_ids_))
        fused = (1 - weight) * self.lexical + weight * semantic
        best, bonus = aggregate(fused, self.matcher.company_starts_[:-1], RankingRules())
        return best + bonus

    def metrics(self, scores: np.ndarray, need_rows) -> dict:
        ids = self.matcher.company_ids_
        rankings = {}
        for row in need_rows:
            order = np.lexsort((np.arange(len(ids)), -scores[row]))[:10]
            rankings[self.matcher.need_ids_[row]] = [ids[i] for i in order if scores[row, i] > 0]
        subset = self.dataset
        wanted = set(rankings)
        qrels = {n: j for n, j in subset.qrels.items() if n in wanted}
        restricted = type(subset)(
            subset.needs, subset.technologies, subset.company_ids, qrels,
            subset.need_languages, subset.company_languages,
        )  # fmt: skip
        return score_rankings(restricted, rankings, 10)


def objective(metrics: list[dict]) -> float:
    values = [
        (m["ndcg@10"] + (m["cross_language_recall@10"] or m["recall@10"])) / 2 for m in metrics
    ]
    return float(np.mean(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+")
    parser.add_argument("--cache", help="keep embeddings in this directory between runs")
    args = parser.parse_args()
    base = Usem3Encoder()
    store = EmbeddingFile(args.cache, base.version) if args.cache else None
    sets = [Prepared(path, CachedEncoder(base, store)) for path in args.datasets]
    if store is not None:
        store.save()
    grid = list(product(WEIGHTS, SPREADS))
    scores = {point: [s.company_scores(*point) for s in sets] for point in grid}
    rng = np.random.default_rng(0)
    folds = [rng.permutation(len(s.matcher.need_ids_)) % FOLDS for s in sets]

    def evaluate(point, fold_filter) -> list[dict]:
        return [
            s.metrics(scores[point][i], np.flatnonzero(fold_filter(folds[i])))
            for i, s in enumerate(sets)
        ]

    held = []
    for fold in range(FOLDS):
        training = lambda f, fold=fold: f != fold  # noqa: E731
        chosen = max(grid, key=lambda p: objective(evaluate(p, training)))
        result = evaluate(chosen, lambda f, fold=fold: f == fold)
        held.append([chosen, result])
        print(
            f"fold {fold}: chose weight={chosen[0]} spread={chosen[1]}; on the fold: "
            + ", ".join(
                f"{s.name} nDCG {m['ndcg@10']:.3f}" for s, m in zip(sets, result, strict=True)
            )
        )
    for i, s in enumerate(sets):
        ndcg = np.mean([h[1][i]["ndcg@10"] for h in held])
        cross = np.mean([h[1][i]["cross_language_recall@10"] or 0 for h in held])
        print(f"cross-validated {s.name}: nDCG@10 {ndcg:.3f}, cross-language recall@10 {cross:.3f}")
    every = lambda f: np.ones(len(f), dtype=bool)  # noqa: E731
    ranked = sorted(grid, key=lambda p: -objective(evaluate(p, every)))
    print(
        "\nbest grid points on all development data "
        "(weight, spread: objective, per set nDCG/cross):"
    )
    for point in ranked[:8]:
        result = evaluate(point, every)
        print(
            f"  {point}: {objective(result):.4f}  "
            + "  ".join(
                f"{s.name} {m['ndcg@10']:.3f}/{m['cross_language_recall@10'] or 0:.3f}"
                for s, m in zip(sets, result, strict=True)
            )
        )
    for endpoint in ((0.0, 0.0), (1.0, 6.0)):
        result = [
            s.metrics(s.company_scores(*endpoint), range(len(s.matcher.need_ids_))) for s in sets
        ]
        print(
            f"  {endpoint} (lexical alone / semantic alone): {objective(result):.4f}  "
            + "  ".join(
                f"{s.name} {m['ndcg@10']:.3f}/{m['cross_language_recall@10'] or 0:.3f}"
                for s, m in zip(sets, result, strict=True)
            )
        )

    weight, spread = ranked[0]
    print(f"\nthresholds at weight={weight}, spread={spread}: company scores of")
    relevant, strong, unrelated = [], [], []
    for s in sets:
        company = s.company_scores(weight, spread)
        index = s.matcher.company_index_
        for row, need in enumerate(s.matcher.need_ids_):
            judged = s.dataset.qrels.get(need, {})
            for cid, col in index.items():
                grade = judged.get(cid, 0)
                (strong if grade >= 2 else relevant if grade == 1 else unrelated).append(
                    company[row, col]
                )
    for name, values in (("grade 2", strong), ("grade 1", relevant), ("unrelated", unrelated)):
        q = np.percentile(values, [5, 10, 25, 50, 75, 90, 95, 99])
        print(f"  {name:9s} n={len(values):6d} p5..p99: " + " ".join(f"{v:.3f}" for v in q))
    for floor in (0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20):
        kept_rel = np.mean(np.array(strong + relevant) >= floor)
        kept_unrel = np.mean(np.array(unrelated) >= floor)
        print(
            f"  floor {floor:.2f}: keeps {kept_rel:.1%} of relevant pairs, "
            f"{kept_unrel:.2%} of unrelated"
        )
    for cut in (0.25, 0.30, 0.35, 0.40):
        print(
            f"  strong from {cut:.2f}: {np.mean(np.array(strong) >= cut):.1%} of grade-2 pairs, "
            f"{np.mean(np.array(relevant) >= cut):.1%} of grade-1, "
            f"{np.mean(np.array(unrelated) >= cut):.3%} of unrelated"
        )


if __name__ == "__main__":
    main()
