"""Evaluating the matcher on labelled data (``ypmatch-eval-v1``).

A dataset holds needs, companies with their technologies, and graded judgements ("qrels":
need, company, relevance 0–3). The matcher ranks companies for every need; the rankings are
scored with the usual information-retrieval measures, macro-averaged over the needs that have
at least one relevant company (relevance ≥ 1):

* nDCG@k — gain 2^rel − 1, discount log2(rank + 1), divided by the best possible ordering;
* recall@k — the share of relevant companies found in the top k;
* MRR@k — 1 / rank of the first relevant company (0 when none is in the top k).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ypmatch.matching.analysis import dominant_language
from ypmatch.matching.documents import CompanyInfo, NeedDoc, TechnologyDoc
from ypmatch.matching.glossary import Glossary
from ypmatch.matching.matcher import BilingualMatcher
from ypmatch.matching.semantic import CachedEncoder, Usem3Encoder

DATASET_FORMAT = "ypmatch-eval-v1"


class DatasetError(ValueError):
    """The dataset cannot be evaluated; the message says where and why."""


@dataclass(frozen=True)
class Dataset:
    needs: list[NeedDoc]
    technologies: list[TechnologyDoc]
    company_ids: list[str]
    qrels: dict[str, dict[str, int]]  # need id → company id → relevance
    need_languages: dict[str, str] = field(default_factory=dict)
    company_languages: dict[str, str] = field(default_factory=dict)
    company_names: dict[str, str] = field(default_factory=dict)

    def companies(self) -> list[CompanyInfo]:
        return [CompanyInfo(company_id, name=self.company_names.get(company_id, ""))
                for company_id in self.company_ids]  # fmt: skip

    def cross_language_pairs(self) -> dict[str, set[str]]:
        """Relevant (need, company) pairs whose need and technologies are in different languages."""
        pairs: dict[str, set[str]] = {}
        for need_id, judged in self.qrels.items():
            for company_id, relevance in judged.items():
                if relevance >= 1 and (
                    self.need_languages[need_id] != self.company_languages.get(company_id)
                ):
                    pairs.setdefault(need_id, set()).add(company_id)
        return pairs


# loading ----------------------------------------------------------------------------------
def load_dataset(path: str | Path) -> Dataset:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path} is not UTF-8 text") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    return parse_dataset(document)


def parse_dataset(document: object) -> Dataset:
    if not isinstance(document, Mapping):
        raise DatasetError("the dataset must be a JSON object")
    tag = document.get("format", DATASET_FORMAT)
    if tag != DATASET_FORMAT:
        raise DatasetError(f"unknown format {tag!r}: expected {DATASET_FORMAT!r}")
    needs_raw = _list(document, "needs", "dataset")
    companies_raw = _list(document, "companies", "dataset")
    qrels_raw = _list(document, "qrels", "dataset")

    needs: list[NeedDoc] = []
    need_languages: dict[str, str] = {}
    for position, raw in enumerate(needs_raw):
        where = f"needs[{position}]"
        raw = _object(raw, where)
        need_id = _id(raw, "id", where)
        if need_id in need_languages:
            raise DatasetError(f"{where}: need id {need_id!r} appears twice")
        title = _text(raw, "title", where)
        description = _text(raw, "description", where)
        _optional_text(raw, "city", where)
        country = _optional_text(raw, "country", where)
        needs.append(NeedDoc(need_id, title, description, country or None))
        need_languages[need_id] = dominant_language(f"{title}\n{description}")

    technologies: list[TechnologyDoc] = []
    company_ids: list[str] = []
    company_languages: dict[str, str] = {}
    company_names: dict[str, str] = {}
    technology_ids: set[str] = set()
    for position, raw in enumerate(companies_raw):
        where = f"companies[{position}]"
        raw = _object(raw, where)
        company_id = _id(raw, "id", where)
        if company_id in company_languages:
            raise DatasetError(f"{where}: company id {company_id!r} appears twice")
        company_names[company_id] = _optional_text(raw, "name", where) or ""
        texts = []
        for tech_position, tech_raw in enumerate(_list(raw, "technologies", where)):
            tech_where = f"{where}.technologies[{tech_position}]"
            tech_raw = _object(tech_raw, tech_where)
            tech_id = _id(tech_raw, "id", tech_where)
            if tech_id in technology_ids:
                raise DatasetError(f"{tech_where}: technology id {tech_id!r} appears twice")
            technology_ids.add(tech_id)
            title = _text(tech_raw, "title", tech_where)
            description = _text(tech_raw, "description", tech_where)
            technologies.append(TechnologyDoc(tech_id, company_id, title, description))
            texts.append(f"{title}\n{description}")
        company_ids.append(company_id)
        company_languages[company_id] = dominant_language("\n".join(texts))

    qrels: dict[str, dict[str, int]] = {}
    for position, raw in enumerate(qrels_raw):
        where = f"qrels[{position}]"
        raw = _object(raw, where)
        need_id = _id(raw, "need", where)
        company_id = _id(raw, "company", where)
        if need_id not in need_languages:
            raise DatasetError(f"{where}: unknown need id {need_id!r}")
        if company_id not in company_languages:
            raise DatasetError(f"{where}: unknown company id {company_id!r}")
        relevance = raw.get("relevance")
        if (
            isinstance(relevance, bool)
            or not isinstance(relevance, int | float)
            or relevance != int(relevance)
            or relevance < 0
        ):
            raise DatasetError(f"{where}: 'relevance' must be a whole number ≥ 0")
        previous = qrels.setdefault(need_id, {}).get(company_id)
        if previous is not None and previous != int(relevance):
            raise DatasetError(
                f"{where}: need {need_id!r} and company {company_id!r} are judged twice "
                f"with different relevance ({previous} and {int(relevance)})"
            )
        qrels[need_id][company_id] = int(relevance)
    return Dataset(
        needs, technologies, company_ids, qrels, need_languages, company_languages, company_names
    )


def _object(value: object, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise DatasetError(f"{where} must be an object")
    return value


def _list(container: Mapping, key: str, where: str) -> list:
    if key not in container:
        raise DatasetError(f"{where}: missing field {key!r}")
    value = container[key]
    if not isinstance(value, list):
        raise DatasetError(f"{where}: field {key!r} must be a list")
    return value


def _id(container: Mapping, key: str, where: str) -> str:
    if key not in container:
        raise DatasetError(f"{where}: missing field {key!r}")
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise DatasetError(f"{where}: field {key!r} must be a non-empty string")
    return str(value)


def _text(container: Mapping, key: str, where: str) -> str:
    if key not in container:
        raise DatasetError(f"{where}: missing field {key!r}")
    value = container[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DatasetError(f"{where}: field {key!r} must be text")
    return value


def _optional_text(container: Mapping, key: str, where: str) -> str | None:
    value = container.get(key)
    if value is not None and not isinstance(value, str):
        raise DatasetError(f"{where}: field {key!r} must be text")
    return value


# metrics ----------------------------------------------------------------------------------
def ndcg_at_k(ranking: list[str], judged: Mapping[str, int], k: int) -> float:
    gains = [2 ** judged.get(company, 0) - 1 for company in ranking[:k]]
    dcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))
    ideal_gains = sorted((2**rel - 1 for rel in judged.values() if rel > 0), reverse=True)[:k]
    ideal = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal_gains, start=1))
    return dcg / ideal if ideal > 0 else 0.0


def recall_at_k(ranking: list[str], relevant: set[str], k: int) -> float:
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank_at_k(ranking: list[str], relevant: set[str], k: int) -> float:
    for rank, company in enumerate(ranking[:k], start=1):
        if company in relevant:
            return 1.0 / rank
    return 0.0


def score_rankings(dataset: Dataset, rankings: Mapping[str, list[str]], k: int = 10) -> dict:
    """Macro-averaged metrics of ``rankings`` (need id → company ids, best first)."""
    ndcg = recall = mrr = 0.0
    evaluated = 0
    for need_id, judged in dataset.qrels.items():
        relevant = {company for company, rel in judged.items() if rel >= 1}
        if not relevant:
            continue
        ranking = list(rankings.get(need_id, []))
        evaluated += 1
        ndcg += ndcg_at_k(ranking, judged, k)
        recall += recall_at_k(ranking, relevant, k)
        mrr += reciprocal_rank_at_k(ranking, relevant, k)
    cross = dataset.cross_language_pairs()
    cross_recall = [
        recall_at_k(list(rankings.get(need_id, [])), companies, k)
        for need_id, companies in cross.items()
    ]
    divide = evaluated or 1
    return {
        "needs_evaluated": evaluated,
        f"ndcg@{k}": ndcg / divide,
        f"recall@{k}": recall / divide,
        f"mrr@{k}": mrr / divide,
        f"cross_language_recall@{k}": (sum(cross_recall) / len(cross_recall))
        if cross_recall
        else None,
        "cross_language_needs": len(cross_recall),
    }


# running the matcher ----------------------------------------------------------------------
@dataclass
class EvaluationResult:
    metrics: dict
    rankings: dict[str, list[str]]
    fit_seconds: float
    rank_seconds: float

    signals: str = "hybrid"

    def summary(self, k: int) -> dict:
        """The one-line JSON contract of ``ypmatch eval``."""
        return {
            "needs_evaluated": self.metrics["needs_evaluated"],
            f"ndcg@{k}": round(self.metrics[f"ndcg@{k}"], 4),
            f"recall@{k}": round(self.metrics[f"recall@{k}"], 4),
            f"mrr@{k}": round(self.metrics[f"mrr@{k}"], 4),
            "fit_seconds": round(self.fit_seconds, 3),
            "rank_seconds": round(self.rank_seconds, 3),
            "signals": self.signals,
        }


class EmbeddingFile(dict):
    """Embeddings kept between evaluation runs in ``DIRECTORY/embeddings-<encoder>.npz``."""

    def __init__(self, directory: str | Path, encoder_version: str):
        super().__init__()
        self.path = Path(directory) / f"embeddings-{encoder_version}.npz"
        if self.path.exists():
            with np.load(self.path) as stored:
                self.update({key: stored[key] for key in stored.files})
        self._loaded = len(self)

    def save(self) -> None:
        if len(self) != self._loaded:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as file:
                np.savez(file, **self)
            self._loaded = len(self)


def evaluate(
    dataset: Dataset,
    k: int = 10,
    glossary: Glossary | None = None,
    make_matcher: Callable[[], BilingualMatcher] | None = None,
    signals: str = "hybrid",
    cache_dir: str | Path | None = None,
) -> EvaluationResult:
    """Fit the matcher (default settings, shipped glossary unless given) and score it.

    Embeddings are encoded afresh unless ``cache_dir`` keeps them between runs.
    """
    base = Usem3Encoder()
    store = EmbeddingFile(cache_dir, base.version) if cache_dir is not None else None
    encoder = CachedEncoder(base, store)
    if make_matcher:
        matcher = make_matcher()
    else:
        matcher = BilingualMatcher(glossary=glossary, signals=signals, encoder=encoder)
    started = time.perf_counter()
    matcher.fit(dataset.needs, dataset.technologies, dataset.companies())
    fitted = time.perf_counter()
    rankings = {
        need_id: [match.company_id for match in matches]
        for need_id, matches in matcher.rank_all_needs(k=k, explain=False)
    }
    ranked = time.perf_counter()
    if store is not None:
        store.save()
    return EvaluationResult(
        score_rankings(dataset, rankings, k),
        rankings,
        fitted - started,
        ranked - fitted,
        matcher.signals,
    )
