"""The bilingual domain glossary that lets Japanese and English texts meet."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import CuratedRecordMixin, in_language
from ypmatch.models.cities import Sector

glossary_concept_sectors = sa.Table(
    "glossary_concept_sectors",
    db.metadata,
    sa.Column(
        "concept_id", sa.ForeignKey("glossary_concepts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class GlossaryConcept(CuratedRecordMixin, db.Model):
    __tablename__ = "glossary_concepts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    label_en: Mapped[str] = mapped_column(sa.String(200))
    label_ja: Mapped[str] = mapped_column(sa.String(200))
    forms_en: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    forms_ja: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # A trade outside the programme (restaurants, games …): technologies it names are not
    # proposed for needs.
    outside_scope: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Keys of the concepts a practitioner reaches for with this one (a problem's remedies).
    related: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )

    sectors: Mapped[list[Sector]] = relationship(
        secondary=glossary_concept_sectors, order_by=Sector.id
    )

    def label(self, locale: str) -> str:
        return in_language(locale, self.label_en, self.label_ja)

    def as_matcher_concept(self) -> dict:
        """The shape of a concept in the shipped glossary JSON, as the matcher reads it."""
        return {
            "key": self.key,
            "label_en": self.label_en,
            "label_ja": self.label_ja,
            "surface_forms": {"en": list(self.forms_en), "ja": list(self.forms_ja)},
            "sectors": [sector.slug for sector in self.sectors],
            "outside_scope": self.outside_scope,
            "related": list(self.related or ()),
        }
