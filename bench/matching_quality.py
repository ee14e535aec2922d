"""Ranking quality of the matcher beside plain baselines, on labelled datasets.

    .venv/bin/python bench/matching_quality.py [DATASET ...] [--k 10]

By default on the catalogue-vocabulary set and both halves of the lay-language set
(tests/data/yport_eval.json, lay_eval-dev.json, lay_eval-heldout.json). The matcher runs with
each set of signals (hybrid is what the app uses); "peer hybrid" is the pipeline any team could
assemble (char n-gram TF-IDF + the same encoder, company rankings fused by reciprocal rank, as
in ../shared/bench/peer_hybrid_pipeline.py).

Every pipeline ranks companies for every need; a company scores its best technology (the
matcher adds its small bonus for further relevant technologies). Columns: nDCG@k, recall@k,
MRR@k over needs with a relevant company, and recall@k over the cross-language pairs only
(relevant need–company pairs whose texts are in different languages).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import bm25s
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ypmatch.matching import BilingualMatcher  # noqa: E402
from ypmatch.matching.evaluation import Dataset, load_dataset, score_rankings  # noqa: E402
from ypmatch.matching.semantic import CachedEncoder, Usem3Encoder  # noqa: E402


def _texts(docs) -> list[str]:
    return [f"{doc.title}\n{doc.description}" for doc in docs]


def _rank_by_best_technology(dataset: Dataset, scores: np.ndarray, k: int) -> dict:
    """scores: needs × technologies → top-k company ids per need (best technology, then id)."""
    companies = sorted(dataset.company_ids)
    column = {company: i for i, company in enumerate(companies)}
    owner = np.array([column[t.company_id] for t in dataset.technologies])
    best = np.zeros((scores.shape[0], len(companies)))
    for tech, company in enumerate(owner):
        np.maximum(best[:, company], scores[:, tech], out=best[:, company])
    rankings = {}
    for row, need in enumerate(dataset.needs):
        order = np.lexsort((np.arange(len(companies)), -best[row]))
        rankings[need.id] = [companies[i] for i in order[:k] if best[row, i] > 0]
    return rankings


def tfidf_baseline(**options):
    def run(dataset: Dataset, k: int) -> dict:
        vectorizer = TfidfVectorizer(**options)
        matrix = vectorizer.fit_transform(_texts(dataset.needs) + _texts(dataset.technologies))
        needs, techs = matrix[: len(dataset.needs)], matrix[len(dataset.needs) :]
        return _rank_by_best_technology(dataset, (needs @ techs.T).toarray(), k)

    return run


def bm25_baseline(dataset: Dataset, k: int) -> dict:
    corpus = bm25s.tokenize(_texts(dataset.technologies), stopwords="en", show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    vocabulary = corpus.vocab
    scores = np.zeros((len(dataset.needs), len(dataset.technologies)))
    queries = bm25s.tokenize(
        _texts(dataset.needs), stopwords="en", return_ids=False, show_progress=False
    )
    for row, tokens in enumerate(queries):
        known = [vocabulary[t] for t in tokens if t in vocabulary]
        if known:
            scores[row] = retriever.get_scores(known)
    return _rank_by_best_technology(dataset, scores, k)


ENCODER = CachedEncoder(Usem3Encoder())  # each text encoded once for all pipelines


def matcher_pipeline(**options):
    def run(dataset: Dataset, k: int) -> dict:
        matcher = BilingualMatcher(encoder=ENCODER, **options)
        matcher.fit(dataset.needs, dataset.technologies, dataset.companies())
        return {
            need: [m.company_id for m in matches]
            for need, matches in matcher.rank_all_needs(k=k, explain=False)
        }

    return run


def _company_ranks(dataset: Dataset, scores: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of every company for each need, a company taking its best technology."""
    companies = sorted(dataset.company_ids)
    column = {company: i for i, company in enumerate(companies)}
    best = np.full((scores.shape[0], len(companies)), -np.inf)
    for tech, doc in enumerate(dataset.technologies):
        company = column[doc.company_id]
        np.maximum(best[:, company], scores[:, tech], out=best[:, company])
    order = np.argsort(-best, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(order.shape[0])[:, None], order] = np.arange(len(companies))[None, :]
    return ranks


def peer_hybrid(dataset: Dataset, k: int) -> dict:
    needs, techs = _texts(dataset.needs), _texts(dataset.technologies)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform(needs + techs)
    lexical = (matrix[: len(needs)] @ matrix[len(needs) :].T).toarray()
    vectors = ENCODER.encode(needs + techs)
    semantic = vectors[: len(needs)] @ vectors[len(needs) :].T
    fused = 1.0 / (60 + _company_ranks(dataset, lexical))
    fused += 1.0 / (60 + _company_ranks(dataset, semantic))
    companies = sorted(dataset.company_ids)
    return {
        need.id: [companies[i] for i in np.argsort(-fused[row], kind="stable")[:k]]
        for row, need in enumerate(dataset.needs)
    }


PIPELINES = {
    "ypmatch hybrid": matcher_pipeline(),
    "ypmatch lexical": matcher_pipeline(signals="lexical"),
    "ypmatch semantic": matcher_pipeline(signals="semantic"),
    "peer hybrid": peer_hybrid,
    "TfidfVectorizer()": tfidf_baseline(),
    "char_wb (2,3)": tfidf_baseline(analyzer="char_wb", ngram_range=(2, 3)),
    "BM25 (bm25s)": bm25_baseline,
    "ypmatch lexical, no glossary": matcher_pipeline(signals="lexical", use_glossary=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "datasets",
        nargs="*",
        default=[
            str(ROOT / f"tests/data/{name}.json")
            for name in ("yport_eval", "lay_eval-dev", "lay_eval-heldout")
        ],
    )
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    for path in args.datasets:
        report(path, load_dataset(path), args.k)
        print()


def report(path: str, dataset: Dataset, k: int) -> None:
    cross = dataset.cross_language_pairs()
    print(
        f"{path}: {len(dataset.needs)} needs, {len(dataset.company_ids)} companies, "
        f"{len(dataset.technologies)} technologies; cross-language pairs: "
        f"{sum(map(len, cross.values()))} over {len(cross)} needs"
    )
    header = f"{'pipeline':30}{'nDCG@' + str(k):>10}{'recall@' + str(k):>11}"
    header += f"{'MRR@' + str(k):>9}{'xlang R@' + str(k):>12}{'seconds':>9}"
    print(header)
    for name, run in PIPELINES.items():
        started = time.perf_counter()
        metrics = score_rankings(dataset, run(dataset, k), k)
        seconds = time.perf_counter() - started
        cross_recall = metrics[f"cross_language_recall@{k}"]
        print(
            f"{name:30}{metrics[f'ndcg@{k}']:>10.3f}{metrics[f'recall@{k}']:>11.3f}"
            f"{metrics[f'mrr@{k}']:>9.3f}"
            f"{(cross_recall if cross_recall is not None else float('nan')):>12.3f}"
            f"{seconds:>9.2f}"
        )


if __name__ == "__main__":
    main()
