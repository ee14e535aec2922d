"""Normalisation, the glossary scanner and the analyser (no web stack involved)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ypmatch.matching.analysis import Analyzer, dominant_language
from ypmatch.matching.glossary import Glossary, GlossaryError
from ypmatch.matching.normalise import normalise, stem

CONCEPTS = [
    {
        "key": "non_revenue_water",
        "label_en": "non-revenue water",
        "label_ja": "無収水",
        "surface_forms": {
            "ja": ["無収水", "無収水率"],
            "en": ["non-revenue water", "NRW", "unaccounted-for water"],
        },
        "sectors": ["water_supply"],
    },
    {
        "key": "sludge",
        "label_en": "sludge",
        "label_ja": "汚泥",
        "surface_forms": {"ja": ["汚泥"], "en": ["sludge"]},
        "sectors": ["sewerage"],
    },
    {
        "key": "septage",
        "label_en": "septage",
        "label_ja": "浄化槽汚泥",
        "surface_forms": {"ja": ["浄化槽汚泥"], "en": ["septage", "fecal sludge"]},
        "sectors": ["sewerage"],
    },
    {
        "key": "battery_storage",
        "label_en": "battery storage",
        "surface_forms": {"en": ["battery storage", "batteries"], "ja": ["蓄電池"]},
        "sectors": ["renewable_energy", "energy_efficiency"],
    },
]


@pytest.fixture(scope="module")
def glossary():
    return Glossary.from_concepts(CONCEPTS)


@pytest.fixture(scope="module")
def analyzer(glossary):
    return Analyzer(glossary)


def test_normalise_folds_width_case_and_hyphens():
    assert normalise("Ｎｏｎ-Revenue\n  WATER") == "non revenue water"
    assert normalise("5,000 m³/日") == "5,000 m3/日"
    assert normalise("ﾎﾟﾝﾌﾟ") == "ポンプ"


def test_stem_strips_plurals_and_folds_british_spelling():
    assert stem("pumps") == stem("pump") == "pump"
    assert stem("batteries") == "battery"
    assert stem("optimisation") == stem("optimization")
    assert stem("process") == "process"
    assert stem("analysis") == "analysis"
    assert stem("metres") == stem("meter")


@given(st.text(max_size=80))
@settings(max_examples=60, deadline=None)
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


def test_concepts_found_in_both_languages(glossary):
    assert glossary.concepts_in("無収水率を下げる") == ["non_revenue_water"]
    assert glossary.concepts_in("Reducing Non-Revenue Water") == ["non_revenue_water"]
    assert glossary.concepts_in("NRW削減") == ["non_revenue_water"]
    assert glossary.concepts_in("削減NRW") == ["non_revenue_water"]


def test_abbreviation_needs_word_boundaries(glossary):
    assert glossary.concepts_in("unrwrapped nrwx") == []


def test_longest_form_wins(glossary):
    assert glossary.concepts_in("浄化槽汚泥の収集") == ["septage"]
    assert glossary.concepts_in("fecal sludge and sludge") == ["septage", "sludge"]


def test_plural_forms_match_singular_glossary_entries(glossary):
    assert glossary.concepts_in("Battery storages for solar") == ["battery_storage"]


def test_labels_and_sector_suggestions(glossary):
    assert glossary.label("septage", "ja") == "浄化槽汚泥"
    assert glossary.label("battery_storage", "ja") == "battery storage"  # falls back to English
    assert glossary.label("unknown_key", "en") == "unknown_key"
    keys = glossary.concepts_in("汚泥と浄化槽汚泥、NRW")
    assert glossary.sectors_for(keys)[0] == ("sewerage", 2)


def test_glossary_rejects_bad_documents():
    with pytest.raises(GlossaryError):
        Glossary.from_json({"format": "something-else", "concepts": []})
    with pytest.raises(GlossaryError):
        Glossary.from_concepts([{"surface_forms": {}}])
    with pytest.raises(GlossaryError):
        Glossary.from_concepts([{"key": "a", "surface_forms": {"en": "not a list"}}])


def test_shipped_glossary_is_large_and_bilingual():
    glossary = Glossary.default()
    assert len(glossary) >= 300
    assert glossary.concepts_in("無収水") == glossary.concepts_in("non-revenue water")


def test_english_analysis_drops_stop_words_and_numbers(analyzer):
    tokens = analyzer.analyse("The pumps of the city and 2024 plans")
    assert tokens["pump"] == 1 and tokens["city"] == 1 and tokens["plan"] == 1
    assert "the" not in tokens and "2024" not in tokens and "of" not in tokens


def test_japanese_analysis_keeps_content_words(analyzer):
    tokens = analyzer.analyse("浄水場では汚泥を脱水して焼却しています。")
    assert tokens["c:sludge"] == 1
    assert {"浄水", "脱水", "焼却"} <= set(tokens)
    assert not {"は", "を", "て", "ます", "する"} & set(tokens)


def test_japanese_compounds_on_request(glossary):
    tokens = Analyzer(glossary, japanese_compounds=True).analyse("浄水場の1日あたり処理量")
    assert "浄水場" in tokens and "浄水" in tokens
    assert "日あたり" not in tokens  # a counter after a number does not start a compound


def test_units_become_tokens(analyzer):
    english = analyzer.analyse("A 5,000 m³/day plant and 200 tons per day; 10 MW solar")
    japanese = analyzer.analyse("処理能力5,000m3/日、200トン/日、出力10メガワット")
    for tokens in (english, japanese):
        assert tokens["m3/day"] == 1 and tokens["t/day"] == 1 and tokens["mw"] == 1
        assert "5,000" not in tokens and "000" not in tokens


def test_concepts_emitted_for_both_languages(analyzer):
    english = analyzer.analyse("NRW reduction programme")
    japanese = analyzer.analyse("無収水対策")
    assert english["c:non_revenue_water"] == japanese["c:non_revenue_water"] == 1


def test_glossary_can_be_switched_off(glossary):
    tokens = Analyzer(glossary, use_glossary=False).analyse("non-revenue water")
    assert not [t for t in tokens if t.startswith("c:")]


def test_analysis_cache_is_keyed_by_content(glossary):
    analyzer = Analyzer(glossary)
    first = analyzer.analyse_cached("漏水の調査")
    again = analyzer.analyse_cached("漏水の調査")
    assert again is first and analyzer.cache_hits == 1 and analyzer.cache_misses == 1
    analyzer.analyse_cached("漏水の調査。")
    assert analyzer.cache_misses == 2


@given(st.text(max_size=200))
@settings(max_examples=80, deadline=None)
def test_analysis_never_fails(text):
    Analyzer(Glossary.from_concepts(CONCEPTS)).analyse(text)


def test_dominant_language():
    assert dominant_language("浄化槽汚泥の処理技術") == "ja"
    assert dominant_language("Septage treatment for Cebu") == "en"
    assert dominant_language("") == "en"


def test_matching_package_imports_without_web_stack():
    code = (
        "import sys, ypmatch.matching, ypmatch.matching.evaluation; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env
    )
    assert result.returncode == 0, result.stderr


@given(
    st.lists(
        st.sampled_from(
            [
                "nrw",
                "unrwrap",
                "non revenue water",
                "汚泥",
                "浄化槽汚泥",
                "septage",
                "fecal",
                "x",
                "sludge",
                " ",
                "の",
                "battery storage",
                "batteries",
                "1",
                "-",
            ]
        ),
        max_size=12,
    )
)
@settings(max_examples=80, deadline=None)
def test_automaton_and_regex_scanners_agree(pieces):
    glossary = Glossary.from_concepts(CONCEPTS)
    text = "".join(pieces)
    assert glossary.scan(text) == glossary._scan_with_regex(text)


def test_parallel_preparation_gives_the_same_analysis(glossary):
    texts = [f"浄化槽汚泥の処理 {i} pumps" for i in range(6)] + ["NRW reduction", "無収水"]
    parallel = Analyzer(glossary)
    analysed = parallel.prepare(texts, n_jobs=2, min_texts=2)
    sequential = Analyzer(glossary)
    for text in texts:
        one, other = parallel.analyse_cached(text), sequential.analyse_cached(text)
        tokens = parallel.tokens
        assert {tokens[i]: c for i, c in zip(one.ids, one.counts, strict=True)} == {
            sequential.tokens[i]: c for i, c in zip(other.ids, other.counts, strict=True)
        }
    assert analysed in (0, len(texts))  # 0 where forking is not possible (other threads)
