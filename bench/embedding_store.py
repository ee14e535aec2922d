"""A process start with stored embeddings and analyses: load them, fit the hybrid.

    .venv/bin/python bench/embedding_store.py [--technologies 10000] [--needs 2000]
                                              [--database postgresql+psycopg://…]

Stores one vector per need and technology text of a synthetic corpus and the lexical analysis
of every title and description (as `ypmatch matching rebuild` would), then, as a new worker
does: loads every vector of the encoder version, and fits the hybrid matcher with an encoder
that refuses to encode (so the figure can only come from stored vectors) and the analyses
from the database. For comparison, the same fit analysing every text in the process. Default
database: a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask_migrate import upgrade  # noqa: E402
from matching_speed import CorpusGenerator  # noqa: E402

from ypmatch import create_app  # noqa: E402
from ypmatch.extensions import db  # noqa: E402
from ypmatch.matching import Analyzer, BilingualMatcher, Glossary  # noqa: E402
from ypmatch.matching.semantic import (  # noqa: E402
    CachedEncoder,
    Usem3Encoder,
    content_hash,
    document_text,
)
from ypmatch.models import TextEmbedding  # noqa: E402
from ypmatch.services.embeddings import DatabaseAnalyses, DatabaseEmbeddings  # noqa: E402


class RefusingEncoder:
    version = Usem3Encoder().version
    dimensions = 512

    def encode(self, texts):
        raise AssertionError(f"{len(texts)} texts were not stored")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technologies", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=2_000)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder})
        with app.app_context():
            upgrade()
            generator = CorpusGenerator(Glossary.default(), seed=args.technologies)
            needs, techs = generator.corpus(args.technologies, args.needs)
            texts = {content_hash(document_text(d)): None for d in [*needs, *techs]}
            vectors = np.random.default_rng(0).standard_normal((len(texts), 512))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            version = RefusingEncoder.version
            db.session.execute(
                db.insert(TextEmbedding),
                [
                    {"encoder_version": version, "content_hash": key,
                     "vector": vector.astype("<f4").tobytes()}
                    for key, vector in zip(texts, vectors, strict=True)
                ],
            )  # fmt: skip
            db.session.commit()
            analyzer = Analyzer(Glossary.default(), store=DatabaseAnalyses())
            for doc in [*needs, *techs]:
                for text in (doc.title, doc.description):
                    if text:
                        analyzer.analyse_cached(text)
            analyzer.save_new()
            db.session.remove()

            started = time.perf_counter()
            store = DatabaseEmbeddings(version)
            loaded = store.load_all()
            load_seconds = time.perf_counter() - started
            encoder = CachedEncoder(RefusingEncoder(), store)
            fit_seconds = {}
            for signals, store in (
                ("semantic", None),
                ("hybrid", DatabaseAnalyses()),
                ("hybrid, analysing", None),
            ):
                matcher = BilingualMatcher(
                    signals=signals.split(",")[0], encoder=encoder, analysis_store=store, n_jobs=1
                )
                started = time.perf_counter()
                matcher.fit(needs, techs)
                fit_seconds[signals] = time.perf_counter() - started
                if store is not None:
                    assert matcher.analyzer_.cache_misses == 0, "texts were analysed"
            db.session.remove()
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
    print(
        f"{args.technologies:,} technologies × {args.needs:,} needs, {loaded:,} stored "
        f"embeddings ({url.split(':')[0]}): load {load_seconds:.2f} s; fit of the semantic "
        f"signal {fit_seconds['semantic']:.2f} s; fit of the hybrid reading stored analyses "
        f"{fit_seconds['hybrid']:.2f} s (analysing every text in the process instead: "
        f"{fit_seconds['hybrid, analysing']:.2f} s); start "
        f"{load_seconds + fit_seconds['hybrid']:.2f} s"
    )


if __name__ == "__main__":
    main()
