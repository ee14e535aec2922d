"""Filling the matcher's stores ahead (``ypmatch matching rebuild``): every current text encoded
and analysed, so that no worker does it on a request."""

from collections.abc import Callable

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.matching.analysis import Analyzer
from ypmatch.matching.meaning import label_texts
from ypmatch.matching.semantic import texts_to_keep
from ypmatch.models import TextAnalysis, TextEmbedding
from ypmatch.services.embeddings import DatabaseAnalyses, app_encoder, missing_texts
from ypmatch.services.glossary import current_glossary
from ypmatch.services.matching import matcher_documents


def rebuild(progress: Callable[[int, int], None] | None = None, prune: bool = False) -> dict:
    """Encode and analyse every current need and technology text the stores lack;
    optionally drop rows of other encoder and analyser versions. Returns counts for the
    caller to report."""
    encoder = app_encoder()
    needs, technologies, _companies = matcher_documents()
    texts = [text for doc in [*needs, *technologies] for text in texts_to_keep(doc)]
    texts += label_texts(current_glossary())  # what needs' titles are compared with
    missing = missing_texts(texts, encoder)
    encoder.encode(missing, progress=progress)
    encoder.store.flush()  # what a busy database kept queued
    analyzer = Analyzer(current_glossary(), store=DatabaseAnalyses())
    fields = [text for doc in [*needs, *technologies] for text in (doc.title, doc.description)]
    analyzer.load_stored(fields)
    misses_before = analyzer.cache_misses
    analyzer.prepare(fields)  # forked workers for a large corpus
    for text in fields:
        if text:
            analyzer.analyse_cached(text)
    analysed = analyzer.cache_misses - misses_before
    analyzer.save_new()
    pruned = 0
    if prune:
        for model, column, current in (
            (TextEmbedding, TextEmbedding.encoder_version, encoder.version),
            (TextAnalysis, TextAnalysis.analyser_version, analyzer.version),
        ):
            result = db.session.execute(sa.delete(model).where(column != current))
            pruned += result.rowcount or 0
        db.session.commit()
    return {
        "encoder": encoder.version,
        "texts": len(set(texts)),
        "encoded": len(missing),
        "analysed": analysed,
        "pruned": pruned,
    }
