"""Refits: a large index keeps serving while its successor is built in the background; an
edit replaces its own rows, anything else fits afresh."""

import time
from datetime import timedelta

from ypmatch.extensions import db
from ypmatch.models import Technology
from ypmatch.services.matching import (
    CACHE_KEY,
    FULL_FIT_MAX_AGE,
    MatchingIndexCache,
    build_index,
    matching_index,
)
from ypmatch.services.records import create_record, mark_matcher_inputs_changed, update_record


def test_large_index_refits_in_the_background(app, world):
    app.config["MATCHING_SYNC_REFIT_MAX_DOCS"] = 0  # treat the test index as large
    app.config["MATCHING_REFIT_INTERVAL_SECONDS"] = 0
    try:
        first = matching_index()
        leachate_need = str(world.members_need.id)
        before = first.count_fitting_companies([leachate_need])[leachate_need]
        db.session.add(
            Technology(
                company_id=world.company_b.id,
                title_en="Leachate treatment",
                description_en="Landfill leachate treatment plants.",
            )
        )
        mark_matcher_inputs_changed()
        db.session.commit()
        served = matching_index()
        assert served is first  # no waiting: the old index answers at once
        cache: MatchingIndexCache = app.extensions[CACHE_KEY]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and cache._refitting:
            time.sleep(0.01)
        fresh = matching_index()
        assert fresh is not first
        assert len(fresh.matcher.tech_ids_) == len(first.matcher.tech_ids_) + 1
        # The counts the list pages asked of the old index were made afresh before the swap.
        assert fresh.fitting_company_counts == {leachate_need: before + 1}
    finally:
        app.config["MATCHING_SYNC_REFIT_MAX_DOCS"] = 3000
        app.config["MATCHING_REFIT_INTERVAL_SECONDS"] = 15


def _fits(index, need) -> list[str]:
    return [m.company_id for m in index.matcher.rank_companies_for_need(str(need.id), k=5)]


def test_an_edit_replaces_its_rows_and_anything_else_fits_afresh(world, caplog):
    caplog.set_level("INFO", logger="ypmatch")
    first = matching_index()
    assert str(world.company_a.id) not in _fits(first, world.members_need)
    public, members = str(world.public_need.id), str(world.members_need.id)
    first.count_fitting_companies([public, members])
    counted = dict(first.fitting_company_counts)
    update_record(
        world.members_need,
        {"title_en": "Leaking landfill pipes", "description_en": "Non-revenue water and leaks: "
         "we need leak detection along the pipes that feed the landfill."},
        world.curator,
    )  # fmt: skip
    db.session.commit()
    edited = matching_index()
    assert edited is not first and edited.fitted_at == first.fitted_at  # no full fit
    assert str(world.company_a.id) in _fits(edited, world.members_need)
    assert str(world.company_a.id) not in _fits(first, world.members_need)  # left intact
    assert _fits(build_index(edited.version), world.members_need) == _fits(
        edited, world.members_need
    )  # as a full fit ranks it
    # The other needs' fitting counts stand; a technology's edit may change any of them.
    assert public in counted and members in counted
    assert edited.fitting_company_counts == {k: v for k, v in counted.items() if k != members}
    update_record(world.technology_a, {"title_en": "Leak detection"}, world.member_a)
    db.session.commit()
    assert matching_index().fitting_company_counts == {}
    # A new technology is not an edit of a known document: a full fit.
    create_record(
        Technology(company_id=world.company_b.id, title_en="Leachate treatment",
                   description_en="Landfill leachate treatment plants."),
        world.member_b,
    )  # fmt: skip
    db.session.commit()
    grown = matching_index()
    assert grown.fitted_at > edited.fitted_at
    assert len(grown.matcher.tech_ids_) == len(edited.matcher.tech_ids_) + 1
    # A change that left no history (an import marks the matcher's inputs itself).
    mark_matcher_inputs_changed()
    db.session.commit()
    assert matching_index().fitted_at > grown.fitted_at
    # Each refit says in the log what it did and, for a full fit, why.
    refits = [r.getMessage() for r in caplog.records if "matching index" in r.getMessage()]
    assert "rows of 1 needs and 0 technologies replaced" in refits[-5]
    assert "rows of 1 needs and 1 technologies replaced" in refits[-3]
    assert "(a need or technology added, moved to another company" in refits[-2]
    assert refits[-1].endswith("(a change without history, such as an import)")


def test_edits_fit_afresh_once_the_last_full_fit_is_old(world):
    first = matching_index()
    first.fitted_at -= FULL_FIT_MAX_AGE + timedelta(seconds=1)
    update_record(world.technology_a, {"title_en": "Leak detection"}, world.member_a)
    db.session.commit()
    assert matching_index().fitted_at > first.fitted_at + FULL_FIT_MAX_AGE


def test_fitting_counts_a_block_at_a_time_are_those_of_one_need_at_a_time(world):
    index = build_index(1)
    need_ids = [*index.matcher.need_ids_, "no-such-need"]
    by_block = index.count_fitting_companies(need_ids)  # all missing: counted in blocks
    assert len(need_ids) > 2 and by_block["no-such-need"] == 0
    for need_id in index.matcher.need_ids_:
        one = index.matcher.rank_companies_for_need(need_id, 50, explain=False)
        assert by_block[need_id] == len(one)
    assert any(by_block.values())
