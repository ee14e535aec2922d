"""A large index keeps serving while its successor is built in the background."""

import time

from ypmatch.extensions import db
from ypmatch.models import Technology
from ypmatch.services.matching import CACHE_KEY, MatchingIndexCache, matching_index
from ypmatch.services.records import mark_matcher_inputs_changed


def test_large_index_refits_in_the_background(app, world):
    app.config["MATCHING_SYNC_REFIT_MAX_DOCS"] = 0  # treat the test index as large
    app.config["MATCHING_REFIT_INTERVAL_SECONDS"] = 0
    try:
        first = matching_index()
        db.session.add(Technology(company_id=world.company_b.id, title_en="Leachate treatment",
                                  description_en="Landfill leachate treatment plants."))
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
    finally:
        app.config["MATCHING_SYNC_REFIT_MAX_DOCS"] = 3000
        app.config["MATCHING_REFIT_INTERVAL_SECONDS"] = 15
