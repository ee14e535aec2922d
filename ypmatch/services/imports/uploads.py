"""Uploaded files kept between an import's preview and its confirmation.

Each upload is a row of ``import_uploads`` under a random token, with who uploaded what,
so several web hosts behind a balancer share them without shared storage. A token is
accepted only if it has the exact shape this module generates, and only the curator who
uploaded a file may preview or import it. Uploads older than a day are removed whenever a
new one arrives. The importer reads files, so each preview or import writes the upload to
a private temporary file and removes it afterwards.
"""

import contextlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import ImportUpload
from ypmatch.models.base import utcnow

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class StoredUpload:
    token: str
    kind: str
    filename: str
    user_id: int


def display_filename(name: str | None) -> str:
    """The uploaded file's own name, for the page and the history note: no directories,
    no control characters, not too long."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return cleaned[:100] or "upload"


def save_upload(file_storage, kind: str, user_id: int) -> StoredUpload:
    remove_old_uploads(utcnow())
    upload = ImportUpload(
        token=secrets.token_urlsafe(24),
        kind=kind,
        filename=display_filename(file_storage.filename),
        user_id=user_id,
        content=file_storage.read(),
    )
    db.session.add(upload)
    db.session.flush()
    return StoredUpload(upload.token, upload.kind, upload.filename, user_id)


def find_upload(token: str, user_id: int) -> StoredUpload | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    upload = db.session.scalar(
        sa.select(ImportUpload).where(ImportUpload.token == token, ImportUpload.user_id == user_id)
    )
    if upload is None:
        return None
    return StoredUpload(upload.token, upload.kind, upload.filename, user_id)


@contextlib.contextmanager
def upload_file(upload: StoredUpload) -> Iterator[Path]:
    """The upload's bytes in a temporary file only this process can read."""
    content = db.session.scalar(
        sa.select(ImportUpload.content).where(ImportUpload.token == upload.token)
    )
    descriptor, name = tempfile.mkstemp(prefix="ypmatch-import-", suffix=".upload")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content or b"")
        yield path
    finally:
        path.unlink(missing_ok=True)


def delete_upload(token: str) -> None:
    if TOKEN.fullmatch(token or ""):
        db.session.execute(sa.delete(ImportUpload).where(ImportUpload.token == token))


def remove_old_uploads(now: datetime) -> None:
    db.session.execute(sa.delete(ImportUpload).where(ImportUpload.uploaded_at < now - MAX_AGE))
