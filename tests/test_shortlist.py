"""The mission shortlist optimiser: properties on random instances, the bound against brute
force, the objective's monotonicity and submodularity, and a few hand-made cases."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shortlist_oracle import brute_force_shortlist
from ypmatch.matching.shortlist import (
    CuratorDecisions,
    PairScore,
    Shortlist,
    ShortlistSettings,
    build_shortlist,
    shortlist_objective,
)

pytestmark = pytest.mark.no_db

MIN_SCORE = ShortlistSettings(slots=0).min_score
SETTINGS = ("per_need_cap", "rank_decay", "min_score", "strong_threshold")
DECISIONS = ("pinned", "excluded", "declined", "dismissed_pairs")


def records_of(candidates):
    """PairScore records from a list of them or ``{company: {need: score or PairScore}}``."""
    if isinstance(candidates, dict):
        return [
            value if isinstance(value, PairScore) else PairScore(company, need, float(value))
            for company, row in candidates.items()
            for need, value in row.items()
        ]
    return list(candidates)


def arguments(slots, kwargs):
    settings = ShortlistSettings(slots, **{k: v for k, v in kwargs.items() if k in SETTINGS})
    decisions = CuratorDecisions(**{k: v for k, v in kwargs.items() if k in DECISIONS})
    return settings, decisions, kwargs.get("need_weights")


def build(candidates, needs, slots, **kwargs):
    return build_shortlist(records_of(candidates), needs, *arguments(slots, kwargs))


def brute(candidates, needs, slots, max_subsets=2_000_000, **kwargs):
    return brute_force_shortlist(
        records_of(candidates), needs, *arguments(slots, kwargs), max_subsets=max_subsets
    )


def objective(selection, candidates, needs, **kwargs):
    settings, decisions, weights = arguments(0, kwargs)
    return shortlist_objective(
        selection, records_of(candidates), needs, settings, decisions.dismissed_pairs, weights
    )


BOUND = 1 - 1 / math.e
EPS = 1e-9
SCORE_VALUES = (0.0, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.5, 0.8, 1.0)


@st.composite
def instances(draw, max_companies=10, max_needs=5, max_slots=4):
    """Random missions: scores with ties and blanks, pins, exclusions, declines, dismissals."""
    n_companies = draw(st.integers(0, max_companies))
    n_needs = draw(st.integers(0, max_needs))
    companies = [f"c{i:02d}" for i in range(n_companies)]
    needs = [f"N-{j}" for j in range(n_needs)]
    score = st.one_of(st.sampled_from(SCORE_VALUES), st.floats(0.0, 1.0))
    records = []
    for c in companies:
        for n in needs:
            if draw(st.booleans()):
                records.append(
                    PairScore(c, n, draw(score), technology_id=f"t-{c}-{n}", reasons=(("why", c),))
                )
    subset = st.lists(st.sampled_from(companies), max_size=3, unique=True) if companies else None
    pairs = [(c, n) for c in companies for n in needs]
    kwargs = {
        "per_need_cap": draw(st.one_of(st.none(), st.integers(1, 3))),
        "pinned": draw(subset) if subset is not None else [],
        "excluded": draw(subset) if subset is not None else [],
        "declined": draw(subset) if subset is not None else [],
        "dismissed_pairs": draw(st.lists(st.sampled_from(pairs), max_size=4)) if pairs else [],
        "rank_decay": draw(st.sampled_from((0.0, 0.25, 0.5, 0.5, 1.0))),
    }
    if needs and draw(st.booleans()):
        kwargs["need_weights"] = {
            n: draw(st.sampled_from((0.0, 0.5, 1.0, 2.0))) for n in needs if draw(st.booleans())
        }
    slots = draw(st.integers(0, max_slots))
    return records, needs, slots, kwargs


def objective_kwargs(kwargs):
    keys = ("per_need_cap", "dismissed_pairs", "need_weights", "rank_decay", "min_score")
    return {k: v for k, v in kwargs.items() if k in keys}


def kept_pins(kwargs):
    barred = set(kwargs["excluded"]) | set(kwargs["declined"])
    return [c for c in kwargs["pinned"] if c not in barred]


def check_shortlist(result: Shortlist, records, needs, slots, kwargs):
    ids = result.company_ids
    pins = kept_pins(kwargs)
    assert len(ids) == len(set(ids))
    if len(pins) > slots:
        assert set(ids) == set(pins)
        assert any(w.kind == "pins_exceed_slots" for w in result.warnings)
    else:
        assert len(ids) <= slots
    # pins first, flagged, always in; excluded and declined never in
    assert set(ids[: len(pins)]) == set(pins)
    assert [e.pinned for e in result.companies] == [c in pins for c in ids]
    assert not set(ids) & (set(kwargs["excluded"]) | set(kwargs["declined"]))
    if set(kwargs["pinned"]) - set(pins):
        assert any(w.kind == "pin_overridden" for w in result.warnings)

    by_pair = {(r.company_id, r.need_id): r for r in records}
    dismissed = set(map(tuple, kwargs["dismissed_pairs"]))
    cap = kwargs["per_need_cap"]
    assert [c.need_id for c in result.needs] == needs
    covered = set()
    for coverage in result.needs:
        scores = [s for _, s in coverage.companies]
        assert cap is None or len(coverage.companies) <= cap
        assert scores == sorted(scores, reverse=True)
        assert coverage.best_score == (scores[0] if scores else 0.0)
        assert coverage.best_available >= coverage.best_score
        for company_id, score in coverage.companies:
            assert company_id in ids
            assert (company_id, coverage.need_id) not in dismissed
            assert score == by_pair[(company_id, coverage.need_id)].score
            assert score >= MIN_SCORE and score > 0
            covered.add((company_id, coverage.need_id))
        # every selected company left out of a need's counted list scores no more than the last
        if cap is not None and len(coverage.companies) == cap:
            counted = {c for c, _ in coverage.companies}
            for company_id in set(ids) - counted:
                pair = by_pair.get((company_id, coverage.need_id))
                if pair is not None and (company_id, coverage.need_id) not in dismissed:
                    assert pair.score <= scores[-1]
        weak_warned = any(
            w.kind == "no_strong_candidate" and w.need_id == coverage.need_id
            for w in result.warnings
        )
        assert coverage.weak == (coverage.best_score < 0.15) == weak_warned
    listed = set()
    for entry in result.companies:
        for need_id, score, technology_id, reasons in entry.needs:
            pair = by_pair[(entry.company_id, need_id)]
            assert (score, technology_id, reasons) == (
                pair.score,
                pair.technology_id,
                pair.reasons,
            )
            listed.add((entry.company_id, need_id))
        assert [s for _, s, _, _ in entry.needs] == sorted(
            (s for _, s, _, _ in entry.needs), reverse=True
        )
    assert listed == covered

    # the objective: as scored independently, as the sum of gains, below the certificate
    expected = objective(ids, records, needs, **objective_kwargs(kwargs))
    assert result.objective == pytest.approx(expected, abs=EPS)
    gains = [e.marginal_gain for e in result.companies]
    assert all(g >= 0 for g in gains)
    assert sum(gains) == pytest.approx(result.objective, abs=1e-9)
    assert result.upper_bound >= result.objective - EPS
    unfilled = any(w.kind == "slots_unfilled" for w in result.warnings)
    assert unfilled == (len(ids) < slots)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_greedy_shortlist_respects_every_rule(instance):
    records, needs, slots, kwargs = instance
    result = build(records, needs, slots, **kwargs)
    check_shortlist(result, records, needs, slots, kwargs)
    # greedy never adds a company that adds nothing
    pins = kept_pins(kwargs)
    assert all(e.marginal_gain > 0 for e in result.companies[len(pins) :])


@settings(max_examples=80, deadline=None)
@given(instances(max_companies=14, max_needs=6, max_slots=6), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_order(instance, rnd):
    records, needs, slots, kwargs = instance
    first = build(records, needs, slots, **kwargs)
    assert build(records, needs, slots, **kwargs) == first
    shuffled = list(records)
    rnd.shuffle(shuffled)
    reordered = dict(kwargs)
    for key in ("pinned", "excluded", "declined", "dismissed_pairs"):
        reordered[key] = rnd.sample(list(kwargs[key]), len(kwargs[key]))
    assert build(shuffled, needs, slots, **reordered) == first
    # the mapping form gives the same shortlist as the list of records
    mapping: dict = {}
    for r in shuffled:
        mapping.setdefault(r.company_id, {})[r.need_id] = r
    assert build(mapping, needs, slots, **kwargs) == first


@settings(max_examples=150, deadline=None)
@given(instances())
def test_greedy_within_the_proven_bound_of_brute_force(instance):
    records, needs, slots, kwargs = instance
    greedy = build(records, needs, slots, **kwargs)
    best = brute(records, needs, slots, **kwargs)
    check_shortlist(best, records, needs, slots, kwargs)
    assert greedy.objective >= BOUND * best.objective - EPS
    assert greedy.objective <= best.objective + EPS
    assert greedy.upper_bound >= best.objective - EPS  # the certificate is sound
    assert best.upper_bound == best.objective


@settings(max_examples=150, deadline=None)
@given(instances(max_companies=8, max_needs=4), st.data())
def test_objective_is_monotone_and_submodular(instance, data):
    records, needs, _slots, kwargs = instance
    companies = sorted({r.company_id for r in records} | {"outsider"})
    big = data.draw(st.lists(st.sampled_from(companies), unique=True))
    small = data.draw(st.lists(st.sampled_from(big), unique=True)) if big else []
    extra = data.draw(st.sampled_from(companies))
    kw = objective_kwargs(kwargs)

    def f(selection):
        return objective(selection, records, needs, **kw)

    assert f([]) == 0.0
    assert f(small) <= f(big) + EPS
    if extra not in big:
        assert f(small + [extra]) - f(small) >= f(big + [extra]) - f(big) - EPS


# hand-made cases -------------------------------------------------------------------------


def test_a_need_with_one_great_company_gets_it():
    candidates = {
        "great": {"N-1": 0.9},
        "fair-a": {"N-1": 0.2, "N-2": 0.3},
        "fair-b": {"N-1": 0.2, "N-2": 0.25},
    }
    result = build(candidates, ["N-1", "N-2"], 2)
    assert result.company_ids == ["great", "fair-a"]
    coverage = {c.need_id: c for c in result.needs}
    assert coverage["N-1"].companies[0] == ("great", 0.9)
    assert result.companies[0].needs == [("N-1", 0.9, None, ())]


def test_one_need_cannot_take_every_slot():
    candidates = {"a1": {"A": 0.9}, "a2": {"A": 0.85}, "a3": {"A": 0.8}, "b1": {"B": 0.5}}
    result = build(candidates, ["A", "B"], 2)
    assert result.company_ids == ["a1", "b1"]
    # with every rank counted in full (rank_decay=1) need A would take both slots
    plain = build(candidates, ["A", "B"], 2, rank_decay=1.0)
    assert plain.company_ids == ["a1", "a2"]


def test_per_need_cap_limits_companies_counted_for_a_need():
    candidates = {"a1": {"A": 0.9}, "a2": {"A": 0.85, "B": 0.1}, "b1": {"B": 0.2}}
    result = build(candidates, ["A", "B"], 3, per_need_cap=1, pinned=["a2"])
    # a1 adds 0.9 - 0.85 for A over the pin; b1 adds 0.2 - 0.1 for B: b1 comes first
    assert result.company_ids == ["a2", "b1", "a1"]
    coverage = {c.need_id: c.companies for c in result.needs}
    assert coverage == {"A": [("a1", 0.9)], "B": [("b1", 0.2)]}
    assert result.companies[0].needs == []  # pinned, kept, but counted for nothing


def test_weak_need_is_flagged_with_a_hint():
    candidates = {"a": {"A": 0.6, "B": 0.1}, "b": {"B": 0.12}, "c": {"C": 0.4}}
    result = build(candidates, ["A", "B", "C"], 1)
    assert result.company_ids == ["a"]
    weak = {w.need_id: w for w in result.warnings if w.kind == "no_strong_candidate"}
    assert set(weak) == {"B", "C"}
    assert "widening the search" in weak["B"].message
    assert "not selected" in weak["C"].message  # a strong candidate exists, slots ran out
    coverage = {c.need_id: c for c in result.needs}
    assert coverage["C"].best_available == 0.4 and coverage["C"].weak


def test_pins_beyond_slots_are_all_kept():
    candidates = {"a": {"A": 0.5}, "b": {"A": 0.1}, "c": {"A": 0.9}}
    result = build(candidates, ["A"], 1, pinned=["b", "a"])
    assert result.company_ids == ["a", "b"]  # pins ordered by their gain, "c" not added
    assert [w.kind for w in result.warnings] == ["pins_exceed_slots"]


def test_declined_beats_pinned_and_dismissal_is_per_need():
    candidates = {"a": {"A": 0.9, "B": 0.4}, "b": {"A": 0.5}, "c": {"B": 0.3}}
    result = build(
        candidates, ["A", "B"], 2, pinned=["b"], declined=["b"], dismissed_pairs=[("a", "A")]
    )
    assert result.company_ids == ["a", "c"]
    assert result.companies[0].needs == [("B", 0.4, None, ())]
    assert [w.kind for w in result.warnings] == ["pin_overridden", "no_strong_candidate"]


def test_scores_below_min_score_count_as_nothing():
    candidates = {"a": {"A": 0.04}, "b": {"A": 0.2}}
    result = build(candidates, ["A"], 2)
    assert result.company_ids == ["b"]
    assert any(w.kind == "slots_unfilled" for w in result.warnings)
    assert build(candidates, ["A"], 2, min_score=0.0).company_ids == ["b", "a"]


def test_ties_go_to_the_smallest_company_id_and_ids_may_mix_types():
    candidates = {"z": {"A": 0.5}, 10: {"A": 0.5}, 2: {"A": 0.5}, "b": {"A": 0.5}}
    result = build(candidates, ["A"], 3)
    assert result.company_ids == [2, 10, "b"]


def test_need_weights_steer_the_choice():
    candidates = {"a": {"A": 0.5}, "b": {"B": 0.4}}
    assert build(candidates, ["A", "B"], 1).company_ids == ["a"]
    weighted = build(candidates, ["A", "B"], 1, need_weights={"B": 2.0})
    assert weighted.company_ids == ["b"]
    assert weighted.objective == pytest.approx(0.8)


def test_empty_cases():
    empty = build({}, [], 3)
    assert (empty.companies, empty.needs, empty.objective) == ([], [], 0.0)
    assert [w.kind for w in empty.warnings] == ["slots_unfilled"]
    result = build({"a": {"A": 0.9}}, ["A"], 0)
    assert result.company_ids == [] and result.needs[0].weak
    assert result.upper_bound == 0.0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"slots": -1}, "slots == -1, must be >= 0"),
        ({"slots": 2.5}, "slots must be an instance of int"),
        ({"slots": True}, "slots must be a finite integral"),
        ({"per_need_cap": 0}, "per_need_cap == 0, must be >= 1"),
        ({"rank_decay": 1.5}, "rank_decay == 1.5, must be <= 1.0"),
        ({"min_score": float("nan")}, "min_score must be a finite real"),
        ({"strong_threshold": -0.1}, "strong_threshold == -0.1, must be >= 0.0"),
    ],
)
def test_settings_are_checked_once_when_made(settings, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        ShortlistSettings(**({"slots": 2} | settings))


def test_brute_force_refuses_huge_instances():
    candidates = {f"c{i}": {"A": 0.5} for i in range(40)}
    with pytest.raises(ValueError, match="max_subsets"):
        brute(candidates, ["A"], 10)


def test_two_hundred_companies_twenty_needs_ten_slots_fills_every_slot():
    # Speed is measured in bench/shortlist_quality.py, not asserted here.
    rng = np.random.default_rng(7)
    needs = [f"N-{j}" for j in range(20)]
    records = [
        PairScore(f"c{i:03d}", n, float(rng.beta(1, 6)), technology_id=f"t{i}")
        for i in range(200)
        for n in needs
    ]
    result = build(records, needs, 10, per_need_cap=3)
    assert len(result.companies) == 10
    counted = {need.need_id: len(need.companies) for need in result.needs}
    assert max(counted.values()) <= 3


def test_sample_run_is_reproducible_across_random_seeds():
    # the same data built in different insertion orders (dict order, set order) gives one answer
    rng = random.Random(3)
    base = {f"c{i}": {f"N-{j}": round(rng.random(), 2) for j in range(5)} for i in range(30)}
    expected = build(base, [f"N-{j}" for j in range(5)], 4, pinned={"c7", "c3"})
    for seed in range(5):
        keys = list(base)
        random.Random(seed).shuffle(keys)
        again = build(
            {k: base[k] for k in keys}, [f"N-{j}" for j in range(5)], 4, pinned={"c3", "c7"}
        )
        assert again == expected
