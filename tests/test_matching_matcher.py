"""The bilingual matcher: ranking both ways, company aggregation, boosts, reasons, refits."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from ypmatch.matching import (
    BilingualMatcher,
    Boosts,
    CompanyInfo,
    Glossary,
    NeedDoc,
    TechnologyDoc,
    with_replaced_documents,
)

GLOSSARY = Glossary.from_concepts(
    [
        {
            "key": "non_revenue_water",
            "label_en": "non-revenue water",
            "label_ja": "無収水",
            "surface_forms": {"ja": ["無収水", "無収水率"], "en": ["non-revenue water", "NRW"]},
            "sectors": ["water_supply"],
        },
        {
            "key": "leak_detection",
            "label_en": "leak detection",
            "label_ja": "漏水探知",
            "surface_forms": {"ja": ["漏水探知", "漏水調査"], "en": ["leak detection"]},
            "sectors": ["water_supply"],
        },
        {
            "key": "septage",
            "label_en": "septage",
            "label_ja": "浄化槽汚泥",
            "surface_forms": {"ja": ["浄化槽汚泥"], "en": ["septage", "fecal sludge"]},
            "sectors": ["sewerage"],
        },
        {
            "key": "waste_to_energy",
            "label_en": "waste-to-energy",
            "label_ja": "ごみ発電",
            "surface_forms": {"ja": ["ごみ発電", "廃棄物発電"], "en": ["waste-to-energy", "WtE"]},
            "sectors": ["solid_waste", "renewable_energy"],
        },
        {
            "key": "bus_rapid_transit",
            "label_en": "bus rapid transit",
            "label_ja": "バス高速輸送システム",
            "surface_forms": {"ja": ["バス高速輸送"], "en": ["bus rapid transit", "BRT"]},
            "sectors": ["transport"],
        },
    ]
)

NEEDS = [
    NeedDoc(
        "N-nrw",
        "Reduce non-revenue water",
        "Cebu loses 40% of treated water; the utility needs leak detection and metering.",
        country="PH",
        sectors=("water_supply",),
    ),
    NeedDoc(
        "N-septage",
        "Septage treatment",
        "Fecal sludge from septic tanks is dumped untreated into rivers.",
        country="VN",
        sectors=("sewerage",),
    ),
    NeedDoc(
        "N-wte",
        "Waste-to-energy plant",
        "The landfill is full; the city studies a WtE incinerator for 500 t/day.",
        country="TH",
    ),
    NeedDoc("N-brt", "BRT corridor", "A bus rapid transit line for the city centre.", "ID"),
]
TECHS = [
    TechnologyDoc(
        "A-1", "A", "漏水探知サービス", "相関式漏水探知器による漏水調査で無収水率を低減します。"
    ),
    TechnologyDoc("A-2", "A", "配水管の更新", "老朽化した配水管の更新と漏水調査。"),
    TechnologyDoc("B-1", "B", "浄化槽汚泥の処理", "浄化槽汚泥を脱水し、堆肥化します。"),
    TechnologyDoc(
        "C-1", "C", "ごみ発電プラント", "ストーカ式焼却炉による廃棄物発電 (500トン/日)。"
    ),
    TechnologyDoc(
        "D-1", "D", "Smart electricity meters", "Meters with remote reading for power utilities."
    ),
    TechnologyDoc("E-1", "E", "菓子の製造", "和菓子と洋菓子を製造販売しています。"),
]
COMPANIES = [CompanyInfo("A", countries=("PH",), sectors=("water_supply",)), CompanyInfo("Z")]


@pytest.fixture(scope="module")
def matcher():
    return BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit(NEEDS, TECHS, COMPANIES)


def test_unfitted_matcher_says_so():
    with pytest.raises(NotFittedError):
        BilingualMatcher(glossary=GLOSSARY).rank_companies_for_need("N-nrw")


def test_init_only_stores_parameters():
    matcher = BilingualMatcher(glossary=GLOSSARY, concept_weight=3.0)
    assert matcher.get_params()["concept_weight"] == 3.0
    assert not [name for name in vars(matcher) if name.endswith("_")]


def test_japanese_companies_found_for_english_needs(matcher):
    assert matcher.rank_companies_for_need("N-nrw")[0].company_id == "A"
    assert matcher.rank_companies_for_need("N-septage")[0].company_id == "B"
    assert matcher.rank_companies_for_need("N-wte")[0].company_id == "C"


def test_unrelated_trade_is_not_proposed(matcher):
    for need in NEEDS:
        assert "E" not in [m.company_id for m in matcher.rank_companies_for_need(need.id)]


def test_reasons_name_concepts_and_add_up_to_at_most_the_score(matcher):
    best = matcher.rank_companies_for_need("N-nrw")[0]
    assert best.technology_id == "A-1"
    kinds = {reason.token: reason.kind for reason in best.reasons}
    assert kinds["non_revenue_water"] == "concept" and kinds["leak_detection"] == "concept"
    assert 0 < sum(reason.share for reason in best.reasons) <= 1.0 + 1e-9
    shares = [r.share for r in best.reasons if r.kind != "boost"]
    assert shares == sorted(shares, reverse=True)


def test_company_score_is_best_technology_plus_capped_bonus(matcher):
    match = next(m for m in matcher.rank_companies_for_need("N-nrw") if m.company_id == "A")
    scores = dict(match.technology_scores)
    assert set(scores) == {"A-1", "A-2"}
    best, other = max(scores.values()), min(scores.values())
    expected_bonus = min(0.05, 0.1 * other) if other >= 0.1 else 0.0
    assert match.score == pytest.approx(best + expected_bonus)
    assert match.score <= best + matcher.further_cap + 1e-12


def test_units_match_across_languages_but_are_never_shown_as_reasons(matcher):
    lexical = matcher.lexical_
    unit = lexical.feature_names.index("t/day")
    assert unit in lexical.need_vector(matcher.need_index_["N-wte"])[0]
    assert unit in lexical.techs_matrix[matcher.tech_index_["C-1"]].indices
    reasons = matcher.explain_pair("N-wte", "C-1")
    assert {r.kind for r in reasons} <= {"concept", "sector", "passage"}
    assert "t/day" not in {reason.token for reason in reasons}


def test_boosts_are_off_by_default_and_explained_when_on(matcher):
    plain = matcher.rank_companies_for_need("N-nrw")[0]
    boosted = matcher.rank_companies_for_need("N-nrw", boosts=Boosts(True, True))[0]
    switchable = {"sector_overlap", "overseas_experience"}
    assert not [r for r in plain.reasons if r.kind == "boost" and r.token in switchable]
    boost_tokens = {r.token for r in boosted.reasons if r.kind == "boost"}
    assert {"sector_overlap", "overseas_experience"} <= boost_tokens
    assert boosted.score == pytest.approx(plain.score + 0.05 + 0.05)


def test_boosts_never_promote_companies_without_text_match(matcher):
    boosted = matcher.rank_companies_for_need("N-nrw", k=50, boosts=Boosts(True, True))
    assert "E" not in {m.company_id for m in boosted}


def test_exclusions_and_inclusions(matcher):
    ranked = matcher.rank_companies_for_need("N-nrw", exclude_companies={"A"})
    assert "A" not in [m.company_id for m in ranked]
    only = matcher.rank_companies_for_need("N-nrw", include_companies={"D", "C"}, include_weak=True)
    assert [m.company_id for m in only] == ["D"]  # C shares nothing with the need
    assert only[0].band == "weak"  # power-utility meters: below the floor of a water need
    assert matcher.rank_companies_for_need("N-nrw", include_companies={"D", "C"}) == []


def test_bands_and_floor(matcher):
    best = matcher.rank_companies_for_need("N-nrw")
    assert best[0].band == "strong"
    assert all(m.band in ("strong", "possible") for m in best)
    with_weak = matcher.rank_companies_for_need("N-nrw", k=50, include_weak=True)
    assert len(with_weak) > len(best)
    assert {m.band for m in with_weak[len(best) :]} == {"weak"}


def test_signal_sets():
    for signals in ("lexical", "semantic", "hybrid"):
        fitted = BilingualMatcher(glossary=GLOSSARY, signals=signals, max_df=1.0)
        fitted.fit(NEEDS, TECHS, COMPANIES)
        assert fitted.rank_companies_for_need("N-septage")[0].company_id == "B"
    with pytest.raises(ValueError, match="signals"):
        BilingualMatcher(signals="fuzzy").fit(NEEDS, TECHS)


def test_semantic_reason_quotes_the_closest_sentences(matcher):
    reasons = matcher.explain_pair("N-septage", "B-1")
    passage = next(r for r in reasons if r.kind == "passage")
    assert passage.token in NEEDS[1].description  # descriptions are quoted, not titles
    assert passage.detail in TECHS[2].title + TECHS[2].description


def test_ad_hoc_need_document(matcher):
    draft = NeedDoc("draft", "NRW", "漏水探知 and leak detection wanted", country="PH")
    assert matcher.rank_companies_for_need(draft)[0].company_id == "A"


def test_needs_for_company_and_technology(matcher):
    assert matcher.rank_needs_for_company("A")[0].need_id == "N-nrw"
    assert matcher.rank_needs_for_technology("B-1")[0].need_id == "N-septage"
    assert matcher.rank_needs_for_company("Z") == []  # known, but no technologies
    with pytest.raises(KeyError):
        matcher.rank_needs_for_company("nobody")


def test_rank_all_needs_in_small_blocks_equals_one_by_one(matcher):
    blocked = dict(matcher.rank_all_needs(k=3, block_size=1))
    assert list(blocked) == sorted(n.id for n in NEEDS)
    for need_id, matches in blocked.items():
        single = matcher.rank_companies_for_need(need_id, k=3, explain=False)
        assert [(m.company_id, round(m.score, 12)) for m in matches] == [
            (m.company_id, round(m.score, 12)) for m in single
        ]


def test_ties_are_broken_by_id():
    techs = [
        TechnologyDoc("T2", "C2", "septage", "septage"),
        TechnologyDoc("T1", "C1", "septage", "septage"),
    ]
    needs = [NeedDoc("N", "septage", "septage"), NeedDoc("M", "other words", "more")]
    fitted = BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit(needs, techs)
    ranked = fitted.rank_companies_for_need("N")
    assert [m.company_id for m in ranked] == ["C1", "C2"]
    assert ranked[0].score == ranked[1].score


def test_missing_concepts_suggest_profile_additions(matcher):
    assert "septage" in matcher.missing_concepts("D", ["N-septage", "N-nrw"])
    assert "leak_detection" not in matcher.missing_concepts("A", ["N-nrw"])


def test_refit_reuses_analysis_and_gives_the_same_scores(matcher):
    fresh = BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit(NEEDS, TECHS, COMPANIES)
    analyzer = fresh.analyzer_
    misses = analyzer.cache_misses
    edited = [*TECHS[:-1], TechnologyDoc("E-1", "E", "菓子の製造", "洋菓子のみ製造しています。")]
    fresh.fit(NEEDS, edited, COMPANIES)
    assert fresh.analyzer_ is analyzer
    assert analyzer.cache_misses == misses + 1  # only the edited description was analysed
    before = matcher.rank_companies_for_need("N-nrw")
    after = fresh.rank_companies_for_need("N-nrw")
    assert [m.company_id for m in before] == [m.company_id for m in after]
    # A new matcher (as a worker builds beside the one serving) shares that cache too.
    successor = BilingualMatcher(glossary=GLOSSARY, max_df=1.0, analyzer=analyzer)
    successor.fit(NEEDS, edited, COMPANIES)
    assert successor.analyzer_ is analyzer and analyzer.cache_misses == misses + 1


def test_glossary_off_loses_cross_language_matches():
    plain = BilingualMatcher(glossary=GLOSSARY, signals="lexical", use_glossary=False, max_df=1.0)
    plain.fit(NEEDS, TECHS)
    assert "B" not in [m.company_id for m in plain.rank_companies_for_need("N-septage")]


def test_duplicate_ids_are_rejected():
    with pytest.raises(ValueError, match="appears more than once"):
        BilingualMatcher(glossary=GLOSSARY).fit(NEEDS + NEEDS[:1], TECHS)


def test_vectors_are_unit_length(matcher):
    techs = matcher.lexical_.techs_matrix
    norms = np.sqrt(np.asarray(techs.multiply(techs).sum(axis=1)))
    assert np.allclose(norms[norms > 0], 1.0)


def test_changed_glossary_gets_a_fresh_analysis():
    fitted = BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit(NEEDS, TECHS)
    analyzer = fitted.analyzer_
    same = Glossary.from_concepts(GLOSSARY.to_concepts())
    fitted.set_params(glossary=same).fit(NEEDS, TECHS)
    assert fitted.analyzer_ is analyzer  # equal content: the cache is kept
    concepts = GLOSSARY.to_concepts()
    concepts[0]["sectors"] = ["sewerage"]
    fitted.set_params(glossary=Glossary.from_concepts(concepts)).fit(NEEDS, TECHS)
    assert fitted.analyzer_ is not analyzer


def test_empty_corpus_ranks_nothing():
    empty = BilingualMatcher(glossary=GLOSSARY).fit([], [])
    assert empty.rank_companies_for_need(NeedDoc("draft", "NRW")) == []
    assert list(empty.rank_all_needs()) == []
    no_techs = BilingualMatcher(glossary=GLOSSARY).fit(NEEDS, [])
    assert no_techs.rank_companies_for_need("N-nrw") == []


def test_ad_hoc_vectors_equal_fitted_ones(matcher):
    for need in NEEDS:
        fitted = matcher.lexical_.needs_matrix[matcher.need_index_[need.id]].toarray()
        fresh = matcher.transform_texts([(need.title, need.description)]).toarray()
        assert np.allclose(fitted, fresh)


def test_concept_matches_cross_languages(matcher):
    needs, companies = matcher.concept_matches("漏水探知")  # leak detection, in Japanese
    assert needs == ["N-nrw"] and companies == ["A"]
    assert matcher.concept_matches("bakery") == ([], [])


def test_trades_outside_the_programme_are_never_proposed():
    glossary = Glossary.from_concepts(
        [
            *GLOSSARY.to_concepts(),
            {"key": "trade_games", "label_en": "games", "label_ja": "ゲーム",
             "surface_forms": {"en": ["game"], "ja": ["ゲーム"]}, "outside_scope": True},
        ]
    )  # fmt: skip
    assert glossary.to_concepts()[-1]["outside_scope"] is True
    techs = [
        *TECHS,
        # Shares every word of the need: a game about reducing non-revenue water.
        TechnologyDoc("G-1", "G", "NRW Tycoon (mobile game)", "Reduce non-revenue water and "
                      "find leaks with leak detection in this city game."),
        # Its title is plain, but the company's name says what it sells.
        TechnologyDoc("H-1", "H", "NRW puzzle", "Reduce non-revenue water with leak detection."),
    ]  # fmt: skip
    companies = [*COMPANIES, CompanyInfo("H", name="Harbour Games Inc.")]
    matcher = BilingualMatcher(glossary=glossary, max_df=1.0).fit(NEEDS, techs, companies)
    assert matcher.trades_outside_scope_ == {"G-1": ("trade_games",), "H-1": ("trade_games",)}
    proposed = matcher.rank_companies_for_need("N-nrw", k=20, include_weak=True)
    assert {m.company_id for m in proposed} & {"G", "H"} == set()
    assert proposed[0].company_id == "A"
    assert matcher.rank_needs_for_company("G", include_weak=True) == []
    assert matcher.pair_scores("N-nrw")["G-1"] == 0.0
    # Without the trade in the glossary, the game would lead the list.
    plain = BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit(NEEDS, techs, companies)
    assert {"G", "H"} <= {m.company_id for m in plain.rank_companies_for_need("N-nrw", k=3)}


RELATED_GLOSSARY = Glossary.from_concepts(
    [
        {**concept, "related": ["leak_detection", "no_such_concept", "non_revenue_water"]}
        if concept["key"] == "non_revenue_water"
        else concept
        for concept in GLOSSARY.to_concepts()
    ]
)


def test_related_concepts_link_a_problem_to_its_remedy():
    assert RELATED_GLOSSARY.related_pairs() == [("non_revenue_water", "leak_detection")]
    assert RELATED_GLOSSARY.to_concepts()[0]["related"][0] == "leak_detection"
    need = NeedDoc("N-loss", "Water losses", "Two fifths of our water is non-revenue water.")
    remedy = TechnologyDoc("L-1", "L", "漏水探知", "相関式の漏水探知サービス。")
    techs = [remedy, TechnologyDoc("E-1", "E", "菓子の製造", "和菓子を製造しています。")]
    related = BilingualMatcher(glossary=RELATED_GLOSSARY, signals="lexical", max_df=1.0)
    matches = related.fit([need], techs).rank_companies_for_need("N-loss")
    assert [m.company_id for m in matches] == ["L"]
    assert "leak_detection" in [reason.token for reason in matches[0].reasons]
    # Without the relation the texts share only a sector mark: below the floor.
    plain = BilingualMatcher(
        glossary=RELATED_GLOSSARY, signals="lexical", related_weight=0.0, max_df=1.0
    ).fit([need], techs)
    assert plain.rank_companies_for_need("N-loss") == []


def test_ad_hoc_vectors_carry_related_concepts_like_fitted_ones():
    matcher = BilingualMatcher(glossary=RELATED_GLOSSARY, max_df=1.0).fit(NEEDS, TECHS)
    for need in NEEDS:
        fitted = matcher.lexical_.needs_matrix[matcher.need_index_[need.id]].toarray()
        fresh = matcher.transform_texts([(need.title, need.description)]).toarray()
        assert np.allclose(fitted, fresh)
    # Searching by concept finds what names it, not what is merely related to it.
    needs, companies = matcher.concept_matches("無収水")
    assert needs == ["N-nrw"] and companies == ["A"]


def test_edited_documents_replace_their_rows_without_a_refit(matcher):
    assert "E" not in {m.company_id for m in matcher.rank_companies_for_need("N-nrw")}
    before = matcher.pair_scores("N-septage")
    # The confectioner now offers leak detection; the septage need is reworded.
    leak = TechnologyDoc("E-1", "E", "漏水探知サービス", "相関式漏水探知器で無収水を減らします。",
                         sectors=("water_supply",))  # fmt: skip
    septage = NeedDoc("N-septage", "Fecal sludge", "Septage from septic tanks.", country="VN")
    updated = with_replaced_documents(matcher, [septage], [leak])
    assert "E" in {m.company_id for m in updated.rank_companies_for_need("N-nrw")}
    assert "E" not in {m.company_id for m in matcher.rank_companies_for_need("N-nrw")}  # intact
    assert matcher.pair_scores("N-septage") == before
    fresh = updated.transform_texts([(septage.title, septage.description)]).toarray()
    row = matcher.need_index_["N-septage"]
    assert np.allclose(updated.lexical_.needs_matrix[row].toarray(), fresh)
    assert updated.rank_companies_for_need("N-septage")[0].company_id == "B"
    water = updated.sector_index_["water_supply"]
    assert updated.company_sectors_[updated.company_index_["E"], water]
    # Replacing documents by themselves changes no score.
    same = with_replaced_documents(matcher, NEEDS[:2], TECHS[:3])
    for need in NEEDS:
        assert np.allclose(list(same.pair_scores(need.id).values()),
                           list(matcher.pair_scores(need.id).values()))  # fmt: skip


def test_what_is_not_a_replacement_needs_a_refit(matcher):
    assert with_replaced_documents(matcher, [NeedDoc("N-new", "New need")], []) is None
    moved = TechnologyDoc("A-1", "B", "漏水探知サービス", "")
    assert with_replaced_documents(matcher, [], [moved]) is None
    unknown_sector = NeedDoc("N-brt", "BRT", "A bus line.", sectors=("space_travel",))
    assert with_replaced_documents(matcher, [unknown_sector], []) is None


def test_a_technology_renamed_into_a_trade_outside_the_programme_drops_out():
    glossary = Glossary.from_concepts(
        [*GLOSSARY.to_concepts(),
         {"key": "trade_games", "label_en": "games", "label_ja": "ゲーム",
          "surface_forms": {"en": ["game"], "ja": ["ゲーム"]}, "outside_scope": True}]
    )  # fmt: skip
    matcher = BilingualMatcher(glossary=glossary, max_df=1.0).fit(NEEDS, TECHS, COMPANIES)
    game = TechnologyDoc("A-1", "A", "漏水探知ゲーム", "無収水率を低減するゲーム。")
    updated = with_replaced_documents(matcher, [], [game])
    assert updated.trades_outside_scope_ == {"A-1": ("trade_games",)}
    assert updated.pair_scores("N-nrw")["A-1"] == 0.0 and matcher.pair_scores("N-nrw")["A-1"] > 0


def test_a_need_naming_no_concept_is_lent_those_its_title_means():
    lay = NeedDoc("N-lay", "Water disappears before it reaches homes", "Residents are angry.", "PH")
    hybrid = BilingualMatcher(glossary=GLOSSARY, max_df=1.0).fit([*NEEDS, lay], TECHS, COMPANIES)
    lexical = BilingualMatcher(glossary=GLOSSARY, signals="lexical", max_df=1.0)
    lexical.fit([*NEEDS, lay], TECHS, COMPANIES)
    leak_firm = hybrid.tech_index_["A-1"]
    # Its title means non-revenue water: the lexical signal reads that concept in it ...
    assert hybrid.lexical_.score_need(hybrid.need_index_["N-lay"])[0, leak_firm] > 0
    assert lexical.lexical_.score_need(lexical.need_index_["N-lay"])[0, leak_firm] == 0
    [best] = hybrid.rank_companies_for_need("N-lay", k=1)
    assert best.company_id == "A"
    assert "non_revenue_water" in {reason.token for reason in best.reasons}
    # ... and a draft with the same text is read the same way.
    draft = hybrid.lexical_.score_need(NeedDoc("draft", lay.title, lay.description))
    assert np.allclose(draft, hybrid.lexical_.score_need(hybrid.need_index_["N-lay"]))
    # A need that names three concepts itself is read as written.
    named = NeedDoc("N-named", "Leak detection, septage and BRT", "Also non-revenue water.")
    assert hybrid.lexical_.concepts_meant.concepts_meant(named) == []
