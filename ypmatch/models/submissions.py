"""Requests that outlive a request: form submissions already carried out (so a double
click creates one record, not two) and files uploaded for import awaiting confirmation."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ypmatch.extensions import db
from ypmatch.models.base import utcnow


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random key the form carried; the same key twice is the same submission.
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Where the first submission led (the record it created), for the repeats.
    result_path: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )


class ImportUpload(db.Model):
    """A file uploaded for import, kept between its preview and its confirmation. In the
    database, so any web host behind a balancer can preview or import it."""

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
