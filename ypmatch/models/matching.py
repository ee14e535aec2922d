"""Curators' decisions on suggested pairs, and the stamp that tells workers to refit."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import CuratedRecordMixin, utcnow
from ypmatch.models.companies import Company
from ypmatch.models.needs import Need


class MatchDecisionStatus(StrEnum):
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class MatchDecision(CuratedRecordMixin, db.Model):
    """A curator confirmed or dismissed a need↔company pair; dismissed pairs are never
    proposed again for that need."""

    __tablename__ = "match_decisions"
    __table_args__ = (sa.UniqueConstraint("need_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    status: Mapped[MatchDecisionStatus] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    need: Mapped[Need] = relationship()
    company: Mapped[Company] = relationship()


class MatchingState(db.Model):
    """One row: bumped in the same transaction as any change to what the matcher reads,
    so every worker process knows its fitted index is stale."""

    __tablename__ = "matching_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The last version whose change left no history entry to read it from (an import): an
    # index older than it must fit afresh rather than replace edited rows.
    full_fit_version: Mapped[int] = mapped_column(default=0, server_default="0")


class TextEmbedding(db.Model):
    """A sentence embedding of one text, kept so that a process start loads it instead of
    encoding again. Keyed by the text's SHA-256 and the encoder version: an edited text gets
    a new row, and an encoder upgrade is re-encoded by ``ypmatch matching rebuild``."""

    __tablename__ = "text_embeddings"
    __table_args__ = (sa.UniqueConstraint("encoder_version", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encoder_version: Mapped[str] = mapped_column(sa.String(60))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class TextAnalysis(db.Model):
    """The lexical analysis (token counts) of one text, kept so that a process start reads it
    instead of running the morphological analyser over every text again. Keyed by the text's
    SHA-256 and the analyser version, which changes with the glossary and analysis settings."""

    __tablename__ = "text_analyses"
    __table_args__ = (sa.UniqueConstraint("analyser_version", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    analyser_version: Mapped[str] = mapped_column(sa.String(40))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    tokens: Mapped[str] = mapped_column(sa.Text)  # JSON object: token → count
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
