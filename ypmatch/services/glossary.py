"""The curated glossary: load the shipped concepts, edit, merge."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ypmatch.extensions import db
from ypmatch.matching import Glossary
from ypmatch.models import GlossaryConcept, HistoryAction, Sector, User
from ypmatch.services.records import archive_record, create_record, update_record
from ypmatch.services.rules import FieldErrors


def active_concepts() -> list[GlossaryConcept]:
    return list(
        db.session.scalars(
            sa.select(GlossaryConcept)
            .where(GlossaryConcept.is_current)
            .options(selectinload(GlossaryConcept.sectors))
            .order_by(GlossaryConcept.key)
        )
    )


def related_concepts(concept: GlossaryConcept) -> list[GlossaryConcept]:
    """The current concepts ``concept`` names as related, in its order."""
    keys = list(concept.related or ())
    found = {
        other.key: other
        for other in db.session.scalars(
            sa.select(GlossaryConcept).where(
                GlossaryConcept.key.in_(keys), GlossaryConcept.is_current
            )
        )
    }
    return [found[key] for key in keys if key in found]


def concepts_query(
    text: str = "", sector_id: int | None = None, archived: bool = False, locale: str = "en"
):
    """Concepts whose key, labels or surface forms contain ``text``, by key."""
    query = sa.select(GlossaryConcept).where(
        GlossaryConcept.archived_at.is_not(None) if archived else GlossaryConcept.is_current
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
            related=list(concept.related),
        )
        record.sectors = [sectors[slug] for slug in concept.sectors if slug in sectors]
        create_record(record, actor, source=source)
        added += 1
    return added


def import_shipped_relations(actor: User | None, source: str = "seed") -> int:
    """Give the curated concepts that have no related concepts yet the shipped ones (those
    that exist in the database); returns how many concepts gained relations."""
    shipped = {concept.key: concept.related for concept in Glossary.default()}
    current = {concept.key: concept for concept in active_concepts()}
    filled = 0
    for key, concept in current.items():
        related = [other for other in shipped.get(key, ()) if other in current and other != key]
        if not concept.related and related:
            update_record(concept, {"related": related}, actor, source=source)
            filled += 1
    return filled


def check_related_keys(key: str, related: list[str], exclude_id: int | None) -> list[str]:
    """The related keys, each once, checked to name other current concepts."""
    cleaned = list(dict.fromkeys(other.strip() for other in related if other.strip()))
    errors = FieldErrors()
    if key in cleaned:
        errors.add("related", _l("A concept cannot be related to itself."))
    query = sa.select(GlossaryConcept.key).where(
        GlossaryConcept.key.in_(cleaned), GlossaryConcept.is_current
    )
    if exclude_id is not None:
        query = query.where(GlossaryConcept.id != exclude_id)
    unknown = sorted(set(cleaned) - {key} - set(db.session.scalars(query)))
    if unknown:
        errors.add(
            "related", _l("No current concept has the key %(keys)s.", keys=", ".join(unknown))
        )
    errors.raise_any()
    return cleaned


def _rename_in_related(old_key: str, new_key: str, actor: User | None, note: str) -> None:
    """Other concepts that name ``old_key`` as related name ``new_key`` instead."""
    for other in active_concepts():
        if old_key in (other.related or ()) and other.key != new_key:
            renamed = [new_key if key == old_key else key for key in other.related]
            update_record(other, {"related": list(dict.fromkeys(renamed))}, actor, note=note)


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
        "related": check_related_keys(
            data["key"], data.get("related", []), concept.id if concept else None
        ),
    }
    if concept is None:
        sectors = data.pop("sectors", [])
        concept = GlossaryConcept(**data)
        concept.sectors = sectors
        return create_record(concept, actor)
    old_key = concept.key
    update_record(concept, data, actor, expected_version=expected_version)
    if concept.key != old_key:
        _rename_in_related(old_key, concept.key, actor, note=f"renamed {old_key}")
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
            "related": [
                key
                for key in dict.fromkeys([*target.related, *duplicate.related])
                if key not in (target.key, duplicate.key)
            ],
        },
        actor,
        action=HistoryAction.MERGE,
        note=f"merged {duplicate.key}",
    )
    archive_record(duplicate, actor, note=f"merged into {target.key}")
    _rename_in_related(duplicate.key, target.key, actor, note=f"merged {duplicate.key}")
