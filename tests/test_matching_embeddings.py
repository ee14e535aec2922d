"""Sentence embeddings are kept in the database: encoded once per text and encoder version."""

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.matching.analysis import content_hash
from ypmatch.models import Technology, TextAnalysis, TextEmbedding
from ypmatch.services.embeddings import EXTENSION_KEY, app_encoder
from ypmatch.services.matching import CACHE_KEY, _encoding, matcher_documents, matching_index
from ypmatch.services.records import mark_matcher_inputs_changed


def _stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TextEmbedding))


def _fresh_process(app) -> None:
    """Forget this process's embeddings and index, as a newly started worker would."""
    app.extensions.pop(EXTENSION_KEY, None)
    if CACHE_KEY in app.extensions:
        app.extensions[CACHE_KEY].clear()


def test_embeddings_are_stored_and_loaded_instead_of_encoded(app, world):
    _fresh_process(app)
    index = matching_index()
    assert index.matcher.semantic_ is not None and not index.semantic_pending
    stored = _stored()  # every text and every quotable sentence
    assert stored > len(index.matcher.need_ids_) + len(index.matcher.tech_ids_)

    # A new process: the vectors come from the database, nothing is encoded.
    _fresh_process(app)
    matching_index()
    assert app_encoder().encoded_texts == 0
    assert _stored() == stored

    # An edit encodes only the edited text: the whole of it and the one new sentence.
    technology = db.session.scalars(sa.select(Technology)).first()
    technology.description_en = (technology.description_en or "") + " Also trains local crews."
    mark_matcher_inputs_changed()
    db.session.commit()
    matching_index()
    assert app_encoder().encoded_texts == 2
    assert _stored() == stored + 2


def test_many_missing_texts_are_encoded_in_the_background(app, world):
    app.config["MATCHING_SYNC_ENCODE_MAX_TEXTS"] = 0
    try:
        app.extensions.pop(EXTENSION_KEY, None)
        db.session.execute(sa.delete(TextEmbedding))
        if CACHE_KEY in app.extensions:
            app.extensions[CACHE_KEY].clear()
        index = matching_index()
        assert index.semantic_pending and index.matcher.semantic_ is None  # words meanwhile
        assert _encoding.acquire(timeout=60)  # the background encoding has finished
        _encoding.release()
        app.config["MATCHING_SYNC_ENCODE_MAX_TEXTS"] = 300
        fresh = matching_index()
        assert fresh.matcher.semantic_ is not None and not fresh.semantic_pending
    finally:
        app.config["MATCHING_SYNC_ENCODE_MAX_TEXTS"] = 300


def test_rebuild_command_reports_what_it_encoded(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["matching", "rebuild"])
    assert first.exit_code == 0, first.output
    assert "texts" in first.output and "newly encoded" in first.output
    again = runner.invoke(args=["matching", "rebuild", "--prune"])
    assert again.exit_code == 0, again.output
    assert ", 0 newly encoded" in again.output
    assert ", 0 newly analysed" in again.output
    assert "0 rows of other versions deleted" in again.output


def test_a_new_process_reads_the_analyses_instead_of_analysing(app, world):
    _fresh_process(app)
    db.session.execute(sa.delete(TextAnalysis))
    first = matching_index().matcher.analyzer_
    assert first.cache_misses > 0  # every text analysed once …
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(TextAnalysis))
    assert stored == first.cache_misses  # … and kept

    _fresh_process(app)
    fresh = matching_index().matcher.analyzer_
    assert fresh is not first and fresh.cache_misses == 0  # read back, none analysed

    # An edit analyses only the edited text; a changed glossary is a new analyser version.
    technology = db.session.scalars(sa.select(Technology)).first()
    technology.description_en = (technology.description_en or "") + " Also trains local crews."
    mark_matcher_inputs_changed()
    db.session.commit()
    assert matching_index().matcher.analyzer_.cache_misses == 1
    _needs, documents, _companies = matcher_documents()
    edited = next(doc for doc in documents if doc.id == str(technology.id))
    kept = db.session.scalars(
        sa.select(TextAnalysis.analyser_version).where(
            TextAnalysis.content_hash == content_hash(edited.description)
        )
    ).all()
    assert kept == [fresh.version]
