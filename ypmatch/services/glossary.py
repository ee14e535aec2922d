"""The curated glossary: load the shipped concepts, edit, merge."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ypmatch.extensions import db
from ypmatch.matching import Glossary
from ypmatch.models import GlossaryConcept, HistoryAction, Sector, User
from ypmatch.services.records import archive_record, create_record, update_record


def active_concepts() -> list[GlossaryConcept]:
    return list(
        db.session.scalars(
            sa.select(GlossaryConcept)
            .where(GlossaryConcept.is_current)
            .options(selectinload(GlossaryConcept.sectors))
            .order_by(GlossaryConcept.key)
        )
    )


def concepts_query(
    text: str = "", sector_id: int | None = None, archived: bool = False, locale: str = "en"
):
    """Concepts whose key, labels or surface forms contain ``text``, by key."""
    query = sa.select(GlossaryConcept).where(
        GlossaryConcept.archived_at.is_not(None)
        if archived
        else GlossaryConcept.is_current
    )
    if text:
        query = query.where(
            sa.or_(
                *(
                    column.icontains(text, autoescape=True)
                    for column in (
                        GlossaryConcept.key,
                        GlossaryConcept.label_en,
                        GlossaryConcept.label_ja,
                        sa.cast(GlossaryConcept.forms_en, sa.String),
                        sa.cast(GlossaryConcept.forms_ja, sa.String),
                    )
                )
            )
        )
    if sector_id:
        query = query.where(GlossaryConcept.sectors.any(id=sector_id))
    # In the order of the label the page shows (the key only breaks ties).
    label = GlossaryConcept.label_ja if locale == "ja" else GlossaryConcept.label_en
    return query.order_by(sa.func.lower(label), GlossaryConcept.key)


def load_glossary_from_database() -> list[dict]:
    """The curated concepts in the shape of the shipped JSON (empty list if none)."""
    return [concept.as_matcher_concept() for concept in active_concepts()]


def current_glossary() -> Glossary:
    """The curated glossary, or the shipped one while the database holds none."""
    concepts = load_glossary_from_database()
    return Glossary.from_concepts(concepts) if concepts else Glossary.default()


def _clean_forms(forms) -> list[str]:
    seen, cleaned = set(), []
    for form in forms:
        form = form.strip()
        if form and form.lower() not in seen:
            seen.add(form.lower())
            cleaned.append(form)
    return cleaned


def import_shipped_glossary(actor: User | None, source: str = "seed") -> int:
    """Add the shipped concepts the database does not have yet; returns how many."""
    existing = set(db.session.scalars(sa.select(GlossaryConcept.key)))
    sectors = {sector.slug: sector for sector in db.session.scalars(sa.select(Sector))}
    added = 0
    for concept in Glossary.default():
        if concept.key in existing:
            continue
        record = GlossaryConcept(
            key=concept.key,
            label_en=concept.labels.get("en", concept.key),
            label_ja=concept.labels.get("ja", ""),
            forms_en=_clean_forms(concept.surface_forms.get("en", ())),
            forms_ja=_clean_forms(concept.surface_forms.get("ja", ())),
            outside_scope=concept.outside_scope,
        )
        record.sectors = [sectors[slug] for slug in concept.sectors if slug in sectors]
        create_record(record, actor, source=source)
        added += 1
    return added


def save_concept(
    concept: GlossaryConcept | None,
    data: dict,
    actor: User,
    expected_version: int | None = None,
) -> GlossaryConcept:
    data = {
        **data,
        "forms_en": _clean_forms(data["forms_en"]),
        "forms_ja": _clean_forms(data["forms_ja"]),
    }
    if concept is None:
        sectors = data.pop("sectors", [])
        concept = GlossaryConcept(**data)
        concept.sectors = sectors
        return create_record(concept, actor)
    update_record(concept, data, actor, expected_version=expected_version)
    return concept


def merge_concepts(target: GlossaryConcept, duplicate: GlossaryConcept, actor: User) -> None:
    """Fold ``duplicate``'s surface forms and sectors into ``target`` and archive it."""
    if target.id == duplicate.id:
        raise ValueError("a concept cannot be merged into itself")
    update_record(
        target,
        {
            "forms_en": _clean_forms([*target.forms_en, *duplicate.forms_en, duplicate.label_en]),
            "forms_ja": _clean_forms([*target.forms_ja, *duplicate.forms_ja, duplicate.label_ja]),
            "sectors": sorted({*target.sectors, *duplicate.sectors}, key=lambda s: s.id),
        },
        actor,
        action=HistoryAction.MERGE,
        note=f"merged {duplicate.key}",
    )
    archive_record(duplicate, actor, note=f"merged into {target.key}")
