"""On the demo data: bands, readable reasons, and no unrelated trade above the floor."""

import re

import sqlalchemy as sa

from ypmatch.demo.seed import seed_demo
from ypmatch.extensions import db
from ypmatch.models import Company, Need, NeedStatus
from ypmatch.services.matches import companies_for_need
from ypmatch.services.matching import matching_index

# Trades outside the programme. The games studio, travel agency, realty, dental clinic and
# beverage maker share words and meanings with some needs (floods, land use, sterilisation,
# ports); the glossary names their trades, so they are never proposed.
UNRELATED_TRADES = (
    "Bakery", "Wedding", "Games", "Apparel", "Travel", "Printing", "Realty", "Dental", "Ramen",
    "Beverage", "Laundry", "Flower",
)  # fmt: skip
GENERIC_WORDS = {"year", "meter", "t/day", "式", "市", "出る"}


def test_unrelated_trades_stay_below_the_floor_and_reasons_read_well(app):
    seed_demo()
    unrelated = {
        str(company.id)
        for company in db.session.scalars(sa.select(Company))
        if any(word in (company.name_en or "") for word in UNRELATED_TRADES)
    }
    assert len(unrelated) == len(UNRELATED_TRADES)
    index = matching_index()
    published = db.session.scalars(sa.select(Need).where(Need.status == NeedStatus.PUBLISHED))
    bands = set()
    for need in published:
        matches = index.matcher.rank_companies_for_need(str(need.id), k=100, include_weak=True)
        assert not unrelated & {m.company_id for m in matches}, need.title_en
        for view in companies_for_need(need, "en", k=10):
            bands.add(view.band)
            for reason in view.reasons:
                assert reason.kind in ("concept", "sector", "passage", "boost")
                assert reason.label not in GENERIC_WORDS
                assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", reason.label), reason.label  # a key
                assert reason.share >= 0.03
    assert bands == {"strong", "possible"}


def test_need_page_shows_bands_quotes_and_the_end_of_the_list(app, client, auth):
    seed_demo()
    auth.login("curator@demo.ypmatch.example", "demo-curator-pass")
    need = db.session.scalar(
        sa.select(Need).where(Need.status == NeedStatus.PUBLISHED).order_by(Need.id)
    )
    page = client.get(f"/needs/{need.id}?k=100").get_data(as_text=True)
    assert "band-strong" in page
    assert "The technology says" in page
    assert "No further fitting companies" in page


def test_a_company_in_a_trade_outside_the_programme_is_told_why(app, client, auth):
    seed_demo()
    auth.login("curator@demo.ypmatch.example", "demo-curator-pass")
    games = db.session.scalar(sa.select(Company).where(Company.name_en.contains("Games")))
    page = client.get(f"/companies/{games.id}").get_data(as_text=True)
    assert "Not proposed for needs: the glossary lists games and entertainment" in page
