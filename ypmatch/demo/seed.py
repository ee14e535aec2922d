"""Load the demo data into an empty database, never into real data."""

import json
import secrets
from dataclasses import dataclass
from datetime import date
from importlib import resources

import sqlalchemy as sa

from ypmatch.demo.missions import seed_demo_missions
from ypmatch.extensions import db
from ypmatch.models import (
    ApprovalStatus,
    Company,
    Need,
    PartnerCity,
    Role,
    User,
)
from ypmatch.models.base import utcnow
from ypmatch.services.accounts import create_user
from ypmatch.services.cities import create_city, create_sector
from ypmatch.services.companies import create_company, create_technology
from ypmatch.services.glossary import import_shipped_glossary
from ypmatch.services.matching_stores import rebuild
from ypmatch.services.needs import create_need

DEMO_EMAIL_DOMAIN = "demo.ypmatch.example"
SOURCE = "seed"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    name: str
    company_ref: str | None = None
    city_slug: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_EMAIL_DOMAIN}", "demo-admin-pass", Role.ADMIN, "Aiko Admin"),
    DemoAccount(f"curator@{DEMO_EMAIL_DOMAIN}", "demo-curator-pass", Role.CURATOR,
                "Kenji Kurata (International Affairs Bureau)"),
    DemoAccount(f"member@{DEMO_EMAIL_DOMAIN}", "demo-member-pass", Role.COMPANY,
                "Haruka Mizuno", company_ref="C001"),
    DemoAccount(f"cebu@{DEMO_EMAIL_DOMAIN}", "demo-city-pass", Role.CITY,
                "Maria Santos (Cebu City Planning Office)", city_slug="cebu"),
)  # fmt: skip

# The last company of the demo file arrives as a fresh sign-up, so the review queue
# has something in it.
PENDING_COMPANIES = 1


class DemoDataRefused(RuntimeError):
    """The database holds data that is not the demo's."""


def load_demo_file(name: str) -> list[dict]:
    text = resources.files("ypmatch.demo").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _demo_refs() -> dict[str, set[str]]:
    companies = load_demo_file("companies.json")
    return {
        "cities": {city["slug"] for city in load_demo_file("cities.json")},
        "needs": {need["ref"] for need in load_demo_file("needs.json")},
        "companies": {company["ref"] for company in companies},
    }


def database_state() -> str:
    """'empty', 'demo' (only demo records) or 'other' (anything else is present)."""
    counts = {
        model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (PartnerCity, Need, Company, User)
    }
    if not any(counts.values()):
        return "empty"
    refs = _demo_refs()
    foreign = (
        db.session.scalar(sa.select(sa.func.count()).where(PartnerCity.slug.not_in(refs["cities"])))
        or db.session.scalar(
            sa.select(sa.func.count()).where(
                sa.or_(Need.ref.is_(None), Need.ref.not_in(refs["needs"]))
            )
        )
        or db.session.scalar(
            sa.select(sa.func.count()).where(
                sa.or_(Company.ref.is_(None), Company.ref.not_in(refs["companies"]))
            )
        )
        or db.session.scalar(
            sa.select(sa.func.count()).where(User.email.not_like(f"%@{DEMO_EMAIL_DOMAIN}"))
        )
    )
    return "other" if foreign else "demo"


def seed_demo() -> dict[str, int]:
    """Create the demo records; the caller commits. Refuses anything but an empty database."""
    state = database_state()
    if state != "empty":
        raise DemoDataRefused(state)

    sectors = {}
    for row in load_demo_file("sectors.json"):
        sectors[row["slug"]] = create_sector(row, None, source=SOURCE)

    glossary_concepts = import_shipped_glossary(None, source=SOURCE)

    cities = {}
    for row in load_demo_file("cities.json"):
        data = {key: value for key, value in row.items() if key not in ("country_en", "country_ja")}
        data["relationship_date"] = date.fromisoformat(row["relationship_date"])
        cities[row["slug"]] = create_city(data, None, source=SOURCE)

    company_rows = load_demo_file("companies.json")
    companies = {}
    technology_count = 0
    for index, row in enumerate(company_rows):
        pending = index >= len(company_rows) - PENDING_COMPANIES
        data = {key: value for key, value in row.items() if key not in ("technologies", "overseas")}
        data["overseas_countries"] = sorted(row.get("overseas", []))
        data["approval_status"] = ApprovalStatus.PENDING if pending else ApprovalStatus.APPROVED
        company = create_company(data, None, source=SOURCE)
        companies[row["ref"]] = company
        for tech in row.get("technologies", []):
            tech_data = dict(tech)
            tech_data["sectors"] = [sectors[slug] for slug in tech.get("sectors", [])]
            create_technology(company, tech_data, None, source=SOURCE)
            technology_count += 1

    need_rows = load_demo_file("needs.json")
    for row in need_rows:
        data = {key: value for key, value in row.items() if key != "city"}
        data["city_id"] = cities[row["city"]].id
        data["sectors"] = [sectors[slug] for slug in row.get("sectors", [])]
        create_need(data, None, source=SOURCE)

    users = {}
    for account in DEMO_ACCOUNTS:
        users[account.role] = create_user(
            account.email,
            account.password,
            account.role,
            None,
            name=account.name,
            company_id=companies[account.company_ref].id if account.company_ref else None,
            city_id=cities[account.city_slug].id if account.city_slug else None,
            source=SOURCE,
        )
    contacts = _seed_company_contacts(companies, users[Role.COMPANY].company_id)
    for user in [*users.values(), *contacts]:
        user.email_confirmed_at = utcnow()
    users[Role.COMPANY].alert_frequency = "immediately"
    db.session.flush()
    rebuild()  # the demo's embeddings, so its first pages match with both signals
    outcomes = seed_demo_missions(cities, users[Role.COMPANY], users[Role.CURATOR])
    return {
        "sectors": len(sectors),
        "glossary concepts": glossary_concepts,
        "cities": len(cities),
        "companies": len(companies),
        "technologies": technology_count,
        "needs": len(need_rows),
        "accounts": len(DEMO_ACCOUNTS) + len(contacts),
        "missions": 2,
        "outcomes": outcomes,
    }


def _seed_company_contacts(companies: dict[str, Company], skip_company_id: int) -> list[User]:
    """One contact per approved company, so alerts and mission emails have someone to reach.

    Their passwords are random and never shown: they exist to receive demo email (in the
    outbox), in Japanese unless the company only has an English name.
    """
    contacts = []
    for ref, company in companies.items():
        if company.id == skip_company_id or company.approval_status != ApprovalStatus.APPROVED:
            continue
        contacts.append(
            create_user(
                f"contact-{ref.lower()}@{DEMO_EMAIL_DOMAIN}",
                secrets.token_urlsafe(16),
                Role.COMPANY,
                None,
                name=f"{company.name_ja or company.name_en} ご担当者"
                if company.name_ja
                else f"Contact, {company.name_en}",
                company_id=company.id,
                locale="ja" if company.name_ja else "en",
                source=SOURCE,
            )
        )
    for contact in contacts:
        contact.alert_frequency = "immediately"
    return contacts
