"""Explained matches in the app: need pages, company pages, decisions, the glossary.

With no curated glossary in the database the app matches with the shipped one, which is
what these tests rely on.
"""

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import GlossaryConcept, MatchDecision, Sector, Technology
from ypmatch.services.glossary import current_glossary


def test_curator_sees_cross_language_match_with_reasons(client, login_as, world):
    login_as("curator")
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Companies that fit this need" in page
    assert "Kohoku Aqua" in page  # Japanese-only technology, English need
    assert "non-revenue water" in page  # the glossary concept that joined them
    assert "漏水探知" in page or "Best technology" in page


def test_reasons_are_shown_in_the_viewers_language(client, login_as, world):
    login_as("curator")
    client.post("/language", data={"language": "ja"})
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "無収水" in page


def test_anonymous_visitors_and_other_companies_do_not_see_matches(client, login_as, world):
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Companies that fit this need" not in page
    login_as("member_b")
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Companies that fit this need" not in page


def test_dismissed_pairs_are_never_proposed_again(client, login_as, world):
    login_as("curator")
    url = f"/needs/{world.public_need.id}/matches/{world.company_a.id}/decision"
    assert client.post(url, data={"status": "dismissed", "note": "no capacity"}).status_code == 302
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    proposed, dismissed = page.split('id="dismissed"', 1)
    assert "Kohoku Aqua" not in proposed.split('id="matches"', 1)[1]
    # ... but listed as dismissed, with its note and a way back.
    assert "1 dismissed company" in dismissed
    assert "Kohoku Aqua" in dismissed and "no capacity" in dismissed and ">Undo<" in dismissed
    decision = db.session.scalar(sa.select(MatchDecision))
    assert decision.status == "dismissed" and decision.note == "no capacity"
    client.post(url, data={"status": "confirmed", "note": "met them in Cebu"})
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Kohoku Aqua" in page and "Confirmed" in page
    # A confirmed card shows its note and offers to undo, not to confirm again.
    assert "met them in Cebu" in page and "Undo confirmation" in page
    card = page[page.index("Kohoku Aqua"):]
    assert 'value="confirmed"' not in card[:card.index("</li>")]
    undo = f"/needs/{world.public_need.id}/matches/{world.company_a.id}/undo"
    assert client.post(undo).status_code == 302
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    card = page[page.index("Kohoku Aqua"):]
    assert 'value="confirmed"' in card[:card.index("</li>")]  # proposed again, undecided


def test_only_curators_decide(client, login_as, world):
    login_as("city")
    url = f"/needs/{world.public_need.id}/matches/{world.company_a.id}/decision"
    assert client.post(url, data={"status": "dismissed"}).status_code == 403


def test_a_new_technology_is_matched_without_restarting(client, login_as, world):
    login_as("curator")
    client.get(f"/needs/{world.members_need.id}")  # fits the index once
    client.post("/logout")
    login_as("member_b")
    response = client.post(
        f"/companies/{world.company_b.id}/technologies/new",
        data={"title_ja": "浸出水処理", "description_ja": "最終処分場の浸出水を生物処理します。"},
    )
    assert response.status_code == 302
    client.post("/logout")
    login_as("curator")
    page = client.get(f"/needs/{world.members_need.id}").get_data(as_text=True)
    assert "Tsurumi Environment" in page


def test_member_sees_needs_that_fit_their_technologies(client, login_as, world):
    login_as("member_a")
    page = client.get(f"/companies/{world.company_a.id}").get_data(as_text=True)
    assert "Published needs that fit these technologies" in page
    assert "Reduce non-revenue water" in page
    assert "Internal note on septage" not in page  # never leak needs the member can't see


def test_sector_suggestions_for_a_need_without_sectors(client, login_as, world):
    drainage = Sector(slug="disaster_risk", name_en="Disaster risk reduction", name_ja="防災")
    db.session.add(drainage)
    login_as("curator")
    page = client.get(f"/needs/{world.draft_need.id}").get_data(as_text=True)
    assert "Suggested sectors" in page
    # "drainage", "flooding" belong there; the suggestion says so and waits to be ticked.
    assert "Disaster risk reduction — the text mentions" in page
    assert f'type="checkbox" value="{drainage.id}"' in page and " checked " not in page
    nothing = client.post(f"/needs/{world.draft_need.id}/sectors", data={})
    assert nothing.status_code == 302
    assert "Tick the sectors" in client.get(nothing.location).get_data(as_text=True)
    response = client.post(f"/needs/{world.draft_need.id}/sectors", data={"sectors": [drainage.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [s.slug for s in world.draft_need.sectors] == ["disaster_risk"]


def test_curator_edits_and_merges_glossary_concepts(client, login_as, world):
    login_as("curator")
    response = client.post(
        "/glossary/new",
        data={
            "key": "leachate",
            "label_en": "leachate",
            "label_ja": "浸出水",
            "forms_en": "leachate\nlandfill leachate",
            "forms_ja": "浸出水",
            "sectors": [world.waste.id],
        },
    )
    assert response.status_code == 302
    client.post(
        "/glossary/new",
        data={
            "key": "leachate_dup",
            "label_en": "seepage water",
            "label_ja": "浸出液",
            "forms_en": "seepage water",
            "forms_ja": "浸出液",
        },
    )
    concept = db.session.scalar(sa.select(GlossaryConcept).where(GlossaryConcept.key == "leachate"))
    response = client.post(f"/glossary/{concept.id}/merge", data={"duplicate_key": "leachate_dup"})
    assert response.status_code == 302
    db.session.expire_all()
    assert "seepage water" in concept.forms_en and "浸出液" in concept.forms_ja
    duplicate = db.session.scalar(
        sa.select(GlossaryConcept).where(GlossaryConcept.key == "leachate_dup")
    )
    assert duplicate.archived_at is not None
    history = client.get(f"/glossary/{concept.id}/history").get_data(as_text=True)
    assert "merged" in history
    bad = client.post(
        "/glossary/new", data={"key": "Bad Key", "label_en": "x", "label_ja": "x", "forms_ja": "水"}
    )
    assert bad.status_code == 422


def test_glossary_pages_are_for_curators_only(client, login_as, world):
    assert client.get("/glossary/").status_code == 302
    login_as("member_a")
    assert client.get("/glossary/").status_code == 403


def test_archived_technology_leaves_the_matches(client, login_as, world):
    login_as("member_a")
    client.post(f"/companies/{world.company_a.id}/technologies/{world.technology_a.id}/archive")
    client.post("/logout")
    login_as("curator")
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Kohoku Aqua" not in page
    assert db.session.get(Technology, world.technology_a.id) is not None


def test_glossary_search_finds_surface_forms_on_the_page_and_in_the_api(client, login_as, world):
    db.session.add(GlossaryConcept(key="leachate", label_en="leachate", label_ja="浸出水",
                                   forms_en=["landfill leachate"], forms_ja=["浸出水"],
                                   sectors=[world.waste], related=["septage"]))
    db.session.add(GlossaryConcept(key="septage", label_en="septage", label_ja="浄化槽汚泥"))
    db.session.commit()
    login_as("curator")
    page = client.get("/glossary/?q=landfill").get_data(as_text=True)
    assert "leachate" in page and "septage" not in page
    page = client.get(f"/glossary/?sector={world.waste.id}").get_data(as_text=True)
    assert "leachate" in page and "septage" not in page
    from ypmatch.services.tokens import create_token

    _token, plain = create_token(world.curator, "search")
    db.session.commit()
    found = client.get("/api/v1/glossary?q=浸出", headers={"Authorization": f"Bearer {plain}"})
    assert [item["key"] for item in found.get_json()["items"]] == ["leachate"]
    assert found.get_json()["items"][0]["related"] == ["septage"]
    assert found.get_json()["items"][0]["outside_scope"] is False


def test_glossary_search_matches_japanese_surface_forms(client, login_as, world):
    db.session.add(GlossaryConcept(key="reverse_osmosis", label_en="reverse osmosis",
                                   label_ja="RO膜処理", forms_en=["reverse osmosis"],
                                   forms_ja=["逆浸透", "逆浸透膜"]))
    db.session.commit()
    login_as("curator")
    page = client.get("/glossary/?q=逆浸透膜").get_data(as_text=True)
    assert "reverse osmosis" in page
    stored = db.session.execute(
        sa.text("SELECT CAST(forms_ja AS TEXT) FROM glossary_concepts WHERE key = :key"),
        {"key": "reverse_osmosis"},
    ).scalar()
    assert "逆浸透膜" in stored  # kept as written, not as \u escapes


def test_member_home_shows_needs_that_fit_and_a_need_shows_their_own_fit(client, login_as,
                                                                          world):
    login_as("member_a")
    home = client.get("/").get_data(as_text=True)
    assert "Needs that fit your company" in home
    assert "Reduce non-revenue water" in home and "band-" in home
    need = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "How Kohoku Aqua fits:" in need and "with 漏水探知" in need
    assert "Companies that fit this need" not in need  # never the other companies


def test_a_company_without_technologies_is_guided_to_add_one(client, login_as, world):
    login_as("member_b")  # Tsurumi Environment has no technology
    home = client.get("/").get_data(as_text=True)
    assert "Next step: add your first technology." in home
    assert f"/companies/{world.company_b.id}/technologies/new" in home
    page = client.get(f"/companies/{world.company_b.id}").get_data(as_text=True)
    assert "Published needs that fit these technologies" not in page  # no empty heading
    assert "Next step: add your first technology." in page
    assert "most city needs are written in English" not in page


def test_curators_mark_trades_outside_the_programme(client, login_as, world):
    login_as("curator")
    response = client.post(
        "/glossary/new",
        data={"key": "trade_karaoke", "label_en": "karaoke", "label_ja": "カラオケ",
              "forms_en": "karaoke bar", "forms_ja": "カラオケ", "outside_scope": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    concept = db.session.scalar(
        sa.select(GlossaryConcept).where(GlossaryConcept.key == "trade_karaoke")
    )
    assert concept.outside_scope and concept.as_matcher_concept()["outside_scope"] is True
    page = client.get(f"/glossary/{concept.id}").get_data(as_text=True)
    assert "A trade outside the programme" in page
    assert "Outside the programme" in client.get("/glossary/?q=karaoke").get_data(as_text=True)
    assert current_glossary().trades_outside_scope_in("カラオケボックス") == ["trade_karaoke"]


def _concept(key: str) -> GlossaryConcept:
    return db.session.scalar(sa.select(GlossaryConcept).where(GlossaryConcept.key == key))


def test_curators_relate_concepts_and_matching_follows(client, login_as, world):
    login_as("curator")
    for key, en, ja, related in (
        ("water_losses", "water losses", "漏水損失", ""),
        ("leak_survey", "leak survey", "漏水調査", ""),
        ("night_flow", "night flow analysis", "夜間最小流量", "water_losses\n"),
    ):
        response = client.post("/glossary/new", data={
            "key": key, "label_en": en, "label_ja": ja, "forms_en": en, "forms_ja": ja,
            "related": related})  # fmt: skip
        assert response.status_code == 302, key
    losses = _concept("water_losses")
    form = {"key": "water_losses", "label_en": "water losses", "label_ja": "漏水損失",
            "forms_en": "water losses", "forms_ja": "漏水損失",
            "version": losses.version}  # fmt: skip
    edit = f"/glossary/{losses.id}/edit"
    refused = client.post(edit, data={**form, "related": "leak_survey\nno_such_key\nwater_losses"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "No current concept has the key no_such_key." in page
    assert "A concept cannot be related to itself." in page
    db.session.expire_all()
    assert _concept("water_losses").related == []  # nothing half-saved
    saved = client.post(edit, data={**form, "related": "leak_survey, leak_survey\nnight_flow"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert _concept("water_losses").related == ["leak_survey", "night_flow"]
    page = client.get(f"/glossary/{losses.id}").get_data(as_text=True)
    assert f'href="/glossary/{_concept("leak_survey").id}">leak survey</a>' in page
    assert ("water_losses", "leak_survey") in current_glossary().related_pairs()
    # Renaming a concept keeps the links that point to it.
    survey = _concept("leak_survey")
    client.post(f"/glossary/{survey.id}/edit", data={
        "key": "leak_surveys", "label_en": "leak survey", "label_ja": "漏水調査",
        "forms_en": "leak survey", "forms_ja": "漏水調査", "version": survey.version})  # fmt: skip
    db.session.expire_all()
    assert _concept("water_losses").related == ["leak_surveys", "night_flow"]
    # Merging a duplicate moves its links to the concept kept.
    client.post(f"/glossary/{survey.id}/merge", data={"duplicate_key": "night_flow"})
    db.session.expire_all()
    assert _concept("water_losses").related == ["leak_surveys"]
    assert _concept("leak_surveys").related == ["water_losses"]
    history = client.get(f"/glossary/{losses.id}/history").get_data(as_text=True)
    assert "merged night_flow" in history


def test_load_shipped_gives_existing_concepts_their_related_concepts(runner, world):
    assert runner.invoke(args=["glossary", "load-shipped"]).exit_code == 0
    nrw = _concept("non_revenue_water")
    assert "leak_detection" in nrw.related
    nrw.related = []
    db.session.commit()
    again = runner.invoke(args=["glossary", "load-shipped"])
    assert again.output.startswith("Added 0 concepts and gave 1 their related concepts")
    db.session.expire_all()
    assert "leak_detection" in _concept("non_revenue_water").related
