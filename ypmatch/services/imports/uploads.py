"""Uploaded files kept between an import's preview and its confirmation.

Each upload is stored under a random token (``<token>.upload`` plus ``<token>.json``
saying who uploaded what) in ``instance/uploads/`` (``IMPORT_UPLOAD_FOLDER``). A token
is accepted only if it has the exact shape this module generates, so no request can
name another path; only the curator who uploaded a file may preview or import it.
Uploads older than a day are removed whenever a new one arrives.

Several hosts behind a load balancer need this folder on shared storage.
"""

import json
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredUpload:
    token: str
    kind: str
    filename: str
    user_id: int
    path: Path


def upload_folder() -> Path:
    folder = Path(
        current_app.config.get("IMPORT_UPLOAD_FOLDER")
        or Path(current_app.instance_path) / "uploads"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def display_filename(name: str | None) -> str:
    """The uploaded file's own name, for the page and the history note: no directories,
    no control characters, not too long."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return cleaned[:100] or "upload"


def save_upload(file_storage, kind: str, user_id: int) -> StoredUpload:
    folder = upload_folder()
    remove_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.upload"
    file_storage.save(path)
    filename = display_filename(file_storage.filename)
    meta = {"kind": kind, "filename": filename, "user_id": user_id, "uploaded_at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return StoredUpload(token, kind, filename, user_id, path)


def find_upload(token: str, user_id: int) -> StoredUpload | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    folder = upload_folder()
    path, meta_path = folder / f"{token}.upload", folder / f"{token}.json"
    if not (path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    return StoredUpload(token, meta["kind"], meta["filename"], user_id, path)


def delete_upload(token: str) -> None:
    if not TOKEN.fullmatch(token or ""):
        return
    folder = upload_folder()
    for suffix in (".upload", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def remove_old_uploads(folder: Path, max_age: float = MAX_AGE_SECONDS) -> None:
    cutoff = time.time() - max_age
    for path in folder.iterdir():
        if path.suffix in (".upload", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
