"""The main pages render for visitors and show what each role may see."""


def test_home_page_lists_public_needs(client, world):
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Reduce non-revenue water" in text
    assert "Landfill leachate" not in text  # for registered companies only
    assert "Internal note on septage" not in text


def test_pages_render_for_each_role(client, login_as, world):
    login_as("curator")
    for url in (
        "/", "/needs/", "/companies/", "/cities/", "/sectors/", "/companies/review",
        f"/needs/{world.public_need.id}", f"/cities/{world.cebu.id}",
        f"/companies/{world.company_a.id}",
        f"/companies/{world.company_a.id}/technologies/{world.technology_a.id}",
        f"/needs/{world.public_need.id}/edit", f"/needs/{world.public_need.id}/history",
        "/needs/new", "/cities/new", f"/cities/{world.cebu.id}/edit", "/account",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_security_headers_on_every_response(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_archiving_asks_first(client, login_as, world):
    login_as("curator")
    page = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    details = page[page.index('<details class="confirm">'):]
    details = details[:details.index("</details>")]
    assert '<summary class="button danger">Archive…</summary>' in details
    assert "Are you sure?" in details
    assert f'action="/needs/{world.public_need.id}/archive"' in details
    assert ">Yes, Archive</button>" in details


def test_countries_we_do_not_list_are_named_by_babel(app):
    from flask_babel import force_locale

    from ypmatch.labels import country

    with app.test_request_context():
        with force_locale("en"):
            assert country("MV") == "Maldives" and country("PH") == "Philippines"
        with force_locale("ja"):
            assert country("MV") == "モルディブ"


def test_the_focal_point_sees_hands_raised_and_missions_for_its_city(client, login_as, world):
    from datetime import date

    from ypmatch.extensions import db
    from ypmatch.models import CompanyInterest, Mission

    db.session.add(CompanyInterest(company_id=world.company_a.id, need_id=world.public_need.id,
                                   note="We did this in Da Nang"))
    db.session.add(Mission(city_id=world.cebu.id, title="Cebu survey 2027", status="shortlisted",
                           start_date=date(2027, 2, 8)))
    db.session.commit()
    login_as("city")
    home = client.get("/").get_data(as_text=True)
    assert "Companies that raised their hand" in home and "Kohoku Aqua" in home
    assert "We did this in Da Nang" in home
    assert "Cebu survey 2027" in home and "Shortlisted" in home
    need = client.get(f"/needs/{world.public_need.id}").get_data(as_text=True)
    assert "Kohoku Aqua" in need  # who raised a hand, on the need page too
    city = client.get(f"/cities/{world.cebu.id}").get_data(as_text=True)
    assert "Cebu survey 2027" in city
    client.post("/logout")
    assert "Cebu survey 2027" not in client.get(f"/cities/{world.cebu.id}").get_data(as_text=True)


def test_the_glossary_is_sorted_by_the_label_shown(client, login_as, world):
    from ypmatch.extensions import db
    from ypmatch.models import GlossaryConcept

    db.session.add_all([
        GlossaryConcept(key="a_key_last", label_en="Zinc coating", label_ja="亜鉛めっき"),
        GlossaryConcept(key="z_key_first", label_en="Aeration", label_ja="曝気"),
    ])
    db.session.commit()
    login_as("curator")
    page = client.get("/glossary/?q=").get_data(as_text=True)
    assert page.index("Aeration") < page.index("Zinc coating")


def test_kpi_chart_labels_are_whole(client, login_as, world):
    from datetime import date

    from ypmatch.extensions import db
    from ypmatch.models import Outcome, Sector

    long_name = "Disaster risk reduction and drainage"
    sector = Sector(slug="drr", name_en=long_name, name_ja="防災・排水")
    db.session.add(sector)
    world.public_need.sectors = [sector]
    db.session.add(Outcome(company_id=world.company_a.id, need_id=world.public_need.id,
                           kind="joint_survey", occurred_on=date.today()))
    db.session.commit()
    login_as("curator")
    page = client.get("/kpis").get_data(as_text=True)
    chart = page[page.index("By sector"):]
    chart = chart[:chart.index("</svg>")]
    assert f">{long_name}</text>" in chart
