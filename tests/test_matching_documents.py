"""The matcher's inputs read as plain rows are exactly those the ORM records give."""

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.matching import CompanyInfo
from ypmatch.models import Company, Need, Technology
from ypmatch.services.matching import (
    matchable_companies_query,
    matcher_documents,
    need_document,
    technology_document,
)


def test_row_documents_equal_the_orm_documents(world):
    archived = Technology(company_id=world.company_a.id, title_en="Old pump", sectors=[world.waste])
    archived.archived_at = sa.func.now()
    extra = Technology(
        company_id=world.company_a.id,
        title_en="Sludge drying",
        description_ja="汚泥乾燥",
        sectors=[world.waste, world.water],
    )
    db.session.add_all([archived, extra])
    db.session.commit()

    needs, technologies, companies = matcher_documents()

    expected_needs = [
        need_document(need)
        for need in db.session.scalars(sa.select(Need).where(Need.archived_at.is_(None)))
    ]
    companies_orm = db.session.scalars(matchable_companies_query()).all()
    expected_technologies = [
        technology_document(technology)
        for company in companies_orm
        for technology in company.active_technologies
    ]
    expected_companies = [
        CompanyInfo(
            id=str(company.id),
            countries=tuple(company.overseas_countries or ()),
            sectors=tuple(sorted({s.slug for t in company.active_technologies for s in t.sectors})),
            name="\n".join(name for name in (company.name_ja, company.name_en) if name),
        )
        for company in companies_orm
    ]
    assert sorted(needs, key=lambda d: d.id) == sorted(expected_needs, key=lambda d: d.id)
    assert sorted(technologies, key=lambda d: d.id) == sorted(
        expected_technologies, key=lambda d: d.id
    )
    assert sorted(companies, key=lambda c: c.id) == sorted(expected_companies, key=lambda c: c.id)
    assert {c.id for c in companies} == {str(world.company_a.id), str(world.company_b.id)}
    assert str(archived.id) not in {t.id for t in technologies}
    assert db.session.get(Company, world.pending_company.id) is not None
