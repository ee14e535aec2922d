"""Evaluation metrics, dataset validation and the ``ypmatch eval`` command."""

import json
import math
import re

import pytest
from click.testing import CliRunner

from ypmatch.cli.evaluate import eval_command
from ypmatch.matching.evaluation import (
    DatasetError,
    ndcg_at_k,
    parse_dataset,
    recall_at_k,
    reciprocal_rank_at_k,
    score_rankings,
)

DATASET = {
    "format": "ypmatch-eval-v1",
    "needs": [
        {
            "id": "N1",
            "city": "Cebu",
            "country": "PH",
            "title": "Reduce non-revenue water",
            "description": "Leaking pipes lose 40% of treated water; leak detection is needed.",
        },
        {
            "id": "N2",
            "city": "Da Nang",
            "country": "VN",
            "title": "Septage management",
            "description": "Septic tank sludge is dumped untreated.",
        },
        {
            "id": "N3",
            "city": "Bangkok",
            "country": "TH",
            "title": "Bus rapid transit",
            "description": "Plan a BRT corridor downtown.",
        },
    ],
    "companies": [
        {
            "id": "C1",
            "name": "横浜漏水",
            "technologies": [
                {"id": "C1-T1", "title": "漏水探知", "description": "無収水対策の漏水調査。"}
            ],
        },
        {
            "id": "C2",
            "name": "浜汚泥",
            "technologies": [
                {"id": "C2-T1", "title": "浄化槽汚泥処理", "description": "浄化槽汚泥の脱水。"}
            ],
        },
        {
            "id": "C3",
            "name": "Sweets",
            "technologies": [
                {"id": "C3-T1", "title": "和菓子", "description": "和菓子の製造販売。"}
            ],
        },
    ],
    "qrels": [
        {"need": "N1", "company": "C1", "relevance": 2},
        {"need": "N2", "company": "C2", "relevance": 2},
        {"need": "N2", "company": "C3", "relevance": 0},
        {"need": "N3", "company": "C3", "relevance": 0},
    ],
}


def test_ndcg_uses_exponential_gain_and_log_discount():
    judged = {"A": 2, "B": 1}
    assert ndcg_at_k(["A", "B"], judged, 10) == pytest.approx(1.0)
    swapped = (1 / 1 + 3 / math.log2(3)) / (3 / 1 + 1 / math.log2(3))
    assert ndcg_at_k(["B", "A"], judged, 10) == pytest.approx(swapped)
    assert ndcg_at_k(["X", "A"], {"A": 1}, 1) == 0.0


def test_recall_and_reciprocal_rank():
    assert recall_at_k(["A", "X", "B"], {"A", "B", "C", "D"}, 2) == 0.25
    assert reciprocal_rank_at_k(["X", "Y", "A"], {"A"}, 10) == pytest.approx(1 / 3)
    assert reciprocal_rank_at_k(["X", "Y", "A"], {"A"}, 2) == 0.0


def test_only_needs_with_a_relevant_company_count():
    dataset = parse_dataset(DATASET)
    metrics = score_rankings(dataset, {"N1": ["C1"], "N2": ["C3", "C2"], "N3": []}, k=10)
    assert metrics["needs_evaluated"] == 2
    assert metrics["recall@10"] == 1.0
    assert metrics["mrr@10"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["cross_language_recall@10"] == 1.0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("needs"), "missing field 'needs'"),
        (lambda d: d.update(format="other-v9"), "unknown format"),
        (lambda d: d["needs"][0].pop("title"), "needs[0]: missing field 'title'"),
        (lambda d: d["companies"][1].pop("technologies"), "missing field 'technologies'"),
        (lambda d: d["qrels"].append({"need": "N9", "company": "C1", "relevance": 1}), "N9"),
        (lambda d: d["qrels"].append({"need": "N1", "company": "C9", "relevance": 1}), "C9"),
        (lambda d: d["qrels"][0].update(relevance="high"), "relevance"),
        (lambda d: d["needs"].append(dict(d["needs"][0])), "appears twice"),
    ],
)
def test_bad_datasets_are_explained(mutate, message):
    document = json.loads(json.dumps(DATASET))
    mutate(document)
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_dataset(document)


@pytest.fixture
def dataset_file(tmp_path):
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(DATASET, ensure_ascii=False), encoding="utf-8")
    return path


def test_eval_prints_the_json_contract_last(dataset_file, tmp_path):
    rankings = tmp_path / "rankings.json"
    result = CliRunner().invoke(
        eval_command, [str(dataset_file), "--k", "10", "--rankings", str(rankings)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(summary) == [
        "needs_evaluated",
        "ndcg@10",
        "recall@10",
        "mrr@10",
        "fit_seconds",
        "rank_seconds",
        "signals",
    ]
    assert summary["needs_evaluated"] == 2
    assert summary["recall@10"] == 1.0
    top = json.loads(rankings.read_text(encoding="utf-8"))
    assert top["N1"][0] == "C1" and top["N2"][0] == "C2"


def test_eval_keys_follow_k(dataset_file):
    result = CliRunner().invoke(eval_command, [str(dataset_file), "--k", "5"])
    assert result.exit_code == 0, result.output
    assert "ndcg@5" in json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"format": "ypmatch-eval-v1", "needs": []}), "[]"],
)
def test_eval_rejects_bad_input_with_exit_code_2(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(eval_command, [str(path)])
    assert result.exit_code == 2
    assert "Error:" in result.stderr


def test_eval_rejects_missing_file(tmp_path):
    result = CliRunner().invoke(eval_command, [str(tmp_path / "absent.json")])
    assert result.exit_code == 2


def test_eval_can_use_the_curated_glossary(dataset_file, monkeypatch):
    curated = [
        {
            "key": "leaks",
            "label_en": "leaks",
            "surface_forms": {"en": ["leak detection"], "ja": ["漏水"]},
            "sectors": ["water_supply"],
        }
    ]
    monkeypatch.setattr("ypmatch.cli.evaluate._concepts_from_database", lambda: curated)
    result = CliRunner().invoke(eval_command, [str(dataset_file), "--glossary-from-db"])
    assert result.exit_code == 0, result.output
    rankings = json.loads(result.stdout.strip().splitlines()[-1])
    assert rankings["needs_evaluated"] == 2


def test_eval_reports_a_broken_curated_glossary(dataset_file, monkeypatch):
    monkeypatch.setattr("ypmatch.cli.evaluate._concepts_from_database", lambda: [{"x": 1}])
    result = CliRunner().invoke(eval_command, [str(dataset_file), "--glossary-from-db"])
    assert result.exit_code == 2
    assert "glossary" in result.stderr


def test_eval_signals_and_embedding_cache(dataset_file, tmp_path):
    cache = tmp_path / "cache"
    lines = {}
    for signals in ("lexical", "semantic", "hybrid"):
        result = CliRunner().invoke(
            eval_command, [str(dataset_file), "--signals", signals, "--cache", str(cache)]
        )
        assert result.exit_code == 0, result.output
        lines[signals] = json.loads(result.stdout.strip().splitlines()[-1])
        assert lines[signals]["signals"] == signals
    assert [p.name.startswith("embeddings-usem3-") for p in cache.iterdir()] == [True]
    default = CliRunner().invoke(eval_command, [str(dataset_file)])
    assert json.loads(default.stdout.strip().splitlines()[-1])["signals"] == "hybrid"
    refused = CliRunner().invoke(eval_command, [str(dataset_file), "--signals", "fuzzy"])
    assert refused.exit_code == 2
