"""The matcher inside the app: a fitted index per process, refitted when data changes.

The fitted index lives in each worker process. A content version stamped in the database
(bumped with every change to needs, technologies, companies, sectors or the glossary) is
read once per matching request; a worker whose index is older refits. After edits to needs
or technologies a refit replaces only the edited documents' rows (see ``build_index``), and
the stored analyses and embeddings make a full fit read rather than compute.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ypmatch.extensions import db
from ypmatch.matching import (
    BilingualMatcher,
    CompanyInfo,
    Glossary,
    NeedDoc,
    TechnologyDoc,
    with_replaced_documents,
)
from ypmatch.matching.semantic import document_text, texts_to_keep
from ypmatch.models import (
    Company,
    HistoryEntry,
    MatchingState,
    Need,
    PartnerCity,
    Sector,
    Technology,
    need_sectors_table,
    technology_sectors_table,
)
from ypmatch.models.base import utcnow
from ypmatch.services.embeddings import DatabaseAnalyses, app_encoder, missing_texts
from ypmatch.services.glossary import current_glossary
from ypmatch.services.records import MATCHER_INPUTS
from ypmatch.services.text_finder import TextFinder, company_finder

CACHE_KEY = "ypmatch.matching_index"
# A keyword-search snapshot is rebuilt at a refit once it is this old; until then the rows
# changed since it was taken are few, and are read from the database.
FINDER_MAX_AGE = timedelta(minutes=10)
# A refit after edits only replaces the edited documents' rows until the last full fit is
# this old (new words and the idf wait for the next full fit).
FULL_FIT_MAX_AGE = timedelta(minutes=10)
# Changes are read back this far before an index was built, so that one whose transaction
# was still open then is not missed (replacing a row twice is harmless).
CHANGES_MARGIN = timedelta(minutes=1)
# List pages tell curators how many companies fit each need, up to this many.
FITTING_COUNTED = 50


@dataclass
class MatchingIndex:
    version: int
    matcher: BilingualMatcher
    glossary: Glossary
    semantic_pending: bool = False  # texts are being encoded: lexical matching meanwhile
    company_finder: TextFinder | None = None  # keyword search over companies, from memory
    # Texts of the documents whose embeddings were all stored when this index was built: a
    # refit checks only the others (hashing every sentence again would cost over a second).
    encoded_documents: frozenset[str] = frozenset()
    # Need id → how many companies fit it, filled in as list pages ask (see matches.py).
    fitting_company_counts: dict[str, int] = field(default_factory=dict)
    built_at: datetime = field(default_factory=utcnow)  # when its documents were read
    fitted_at: datetime = field(default_factory=utcnow)  # its last full fit

    def count_fitting_companies(self, need_ids: Iterable[str]) -> dict[str, int]:
        """How many companies fit each need above the floor (at most ``FITTING_COUNTED``),
        counted once per index: a list page would otherwise rank every company for each of its
        needs on every visit."""
        need_ids = list(need_ids)
        counts, fitted = self.fitting_company_counts, self.matcher.need_index_
        missing = [need_id for need_id in need_ids if need_id not in counts]
        if len(missing) > len(fitted) / 4:  # needs a block at a time: half the cost or less
            for need_id, matches in self.matcher.rank_all_needs(FITTING_COUNTED):
                counts.setdefault(need_id, len(matches))
        for need_id in missing:
            if need_id not in counts:
                counts[need_id] = (
                    len(
                        self.matcher.rank_companies_for_need(
                            need_id, FITTING_COUNTED, explain=False
                        )
                    )
                    if need_id in fitted
                    else 0
                )
        return {need_id: counts[need_id] for need_id in need_ids}


class MatchingIndexCache:
    """The fitted index of one process; thread-safe for threaded workers.

    A small index is refitted before the request that finds it stale. A large one (over
    ``MATCHING_SYNC_REFIT_MAX_DOCS`` documents) keeps serving while a background thread
    builds its successor, so an edit never makes every worker's next page wait for a refit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: MatchingIndex | None = None
        self._refitting = False
        self._last_refit_started = float("-inf")

    def get(self) -> MatchingIndex:
        version = content_version()
        index = self._index
        if index is not None and index.version == version:
            return index
        if index is not None and _document_count(index) > current_app.config.get(
            "MATCHING_SYNC_REFIT_MAX_DOCS", 3000
        ):
            self._refit_in_background(current_app._get_current_object())
            return index
        with self._lock:
            if self._index is None or self._index.version != version:
                self._index = build_index(version, self._index)
            return self._index

    def _refit_in_background(self, app) -> None:
        # Edits in a burst share one refit: each costs a full fit of CPU that the pages
        # being served would otherwise wait for.
        interval = app.config.get("MATCHING_REFIT_INTERVAL_SECONDS", 15)
        with self._lock:
            if self._refitting or time.monotonic() - self._last_refit_started < interval:
                return
            self._refitting = True
            self._last_refit_started = time.monotonic()
        threading.Thread(target=self._refit, args=(app,), daemon=True).start()

    def _refit(self, app) -> None:
        try:
            with app.app_context():
                while True:
                    version = content_version()
                    if self._index is not None and self._index.version == version:
                        break
                    fresh = build_index(version, self._index)
                    if self._index is not None:  # what the list pages asked for, counted here
                        fresh.count_fitting_companies(list(self._index.fitting_company_counts))
                    with self._lock:
                        self._index = fresh
                db.session.remove()
        except Exception:  # the old index keeps serving; the next request tries again
            app.logger.exception("refitting the matching index failed")
        finally:
            with self._lock:
                self._refitting = False

    def clear(self) -> None:
        with self._lock:
            self._index = None


def _document_count(index: MatchingIndex) -> int:
    return len(index.matcher.need_ids_) + len(index.matcher.tech_ids_)


def content_version() -> int:
    return (
        db.session.scalar(sa.select(MatchingState.content_version).where(MatchingState.id == 1))
        or 0
    )


def need_document(need: Need) -> NeedDoc:
    return NeedDoc(
        id=str(need.id),
        title=" ".join(part for part in (need.title_en, need.title_ja) if part),
        description="\n".join(part for part in (need.description_en, need.description_ja) if part),
        country=need.city.country_code if need.city else None,
        sectors=tuple(sector.slug for sector in need.sectors),
    )


def technology_document(technology: Technology) -> TechnologyDoc:
    return TechnologyDoc(
        id=str(technology.id),
        company_id=str(technology.company_id),
        title=" ".join(part for part in (technology.title_ja, technology.title_en) if part),
        description="\n".join(
            part for part in (technology.description_ja, technology.description_en) if part
        ),
        sectors=tuple(sector.slug for sector in technology.sectors),
    )


def matchable_companies_query() -> sa.Select:
    return sa.select(Company).where(Company.is_listed)


def _sector_slugs(table: sa.Table, key: str, ids: list[int] | None) -> dict[int, list[str]]:
    """Record id → its sectors' slugs, ordered by sector id like the relationships (for the
    records ``ids``, or all)."""
    slugs: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(table.c[key], Sector.slug)
        .join(Sector, Sector.id == table.c.sector_id)
        .where(table.c[key].in_(ids) if ids is not None else sa.true())
        .order_by(table.c[key], Sector.id)
    )
    for record_id, slug in rows:
        slugs[record_id].append(slug)
    return slugs


def _joined(separator: str, *parts: str) -> str:
    return separator.join(part for part in parts if part)


def _need_documents(ids: list[int] | None = None) -> list[NeedDoc]:
    """The current needs as matcher documents (those with ``ids``, or all)."""
    need_sectors = _sector_slugs(need_sectors_table, "need_id", ids)
    return [
        NeedDoc(
            id=str(need_id),
            title=_joined(" ", title_en, title_ja),
            description=_joined("\n", description_en, description_ja),
            country=country,
            sectors=tuple(need_sectors.get(need_id, ())),
        )
        for need_id, title_en, title_ja, description_en, description_ja, country in (
            db.session.execute(
                sa.select(
                    Need.id,
                    Need.title_en,
                    Need.title_ja,
                    Need.description_en,
                    Need.description_ja,
                    PartnerCity.country_code,
                )
                .outerjoin(PartnerCity, PartnerCity.id == Need.city_id)
                .where(Need.is_current, Need.id.in_(ids) if ids is not None else sa.true())
            )
        )
    ]


def _technology_documents(ids: list[int] | None = None) -> list[TechnologyDoc]:
    """The current technologies of listed companies as matcher documents (``ids``, or all)."""
    technology_sectors = _sector_slugs(technology_sectors_table, "technology_id", ids)
    return [
        TechnologyDoc(
            id=str(technology_id),
            company_id=str(company_id),
            title=_joined(" ", title_ja, title_en),
            description=_joined("\n", description_ja, description_en),
            sectors=tuple(technology_sectors.get(technology_id, ())),
        )
        for technology_id, company_id, title_ja, title_en, description_ja, description_en in (
            db.session.execute(
                sa.select(
                    Technology.id,
                    Technology.company_id,
                    Technology.title_ja,
                    Technology.title_en,
                    Technology.description_ja,
                    Technology.description_en,
                )
                .join(Company, Company.id == Technology.company_id)
                .where(
                    Technology.is_current,
                    Company.is_listed,
                    Technology.id.in_(ids) if ids is not None else sa.true(),
                )
            )
        )
    ]


def matcher_documents() -> tuple[list[NeedDoc], list[TechnologyDoc], list[CompanyInfo]]:
    """What the matcher reads, as plain rows: the same documents as ``need_document`` and
    ``technology_document`` make, without building ORM objects (with 10,000 companies and
    20,000 technologies, loading them as ORM objects took most of a refit)."""
    needs = _need_documents()
    technologies = _technology_documents()
    company_sectors: dict[str, set[str]] = defaultdict(set)
    for technology in technologies:
        company_sectors[technology.company_id].update(technology.sectors)
    companies = [
        CompanyInfo(
            id=str(company_id),
            countries=tuple(countries or ()),
            sectors=tuple(sorted(company_sectors.get(str(company_id), ()))),
            name="\n".join(name for name in (name_ja, name_en) if name),
        )
        for company_id, countries, name_ja, name_en in db.session.execute(
            sa.select(
                Company.id, Company.overseas_countries, Company.name_ja, Company.name_en
            ).where(
                Company.is_listed,
            )
        )
    ]
    return needs, technologies, companies


def build_index(version: int, previous: MatchingIndex | None = None) -> MatchingIndex:
    """The index at content ``version``: ``previous`` with the edited needs' and
    technologies' rows replaced when that is all that changed since it was built (tens of
    milliseconds), else a full fit (seconds at 10,000 companies)."""
    started, clock = utcnow(), time.perf_counter()
    why = "no index in this process yet"
    if previous is not None:
        updated = _updated_index(version, previous, started)
        if isinstance(updated, MatchingIndex):
            return updated
        why = updated
    glossary = current_glossary()
    needs, technologies, companies = matcher_documents()
    encoder = app_encoder()
    signals = current_app.config.get("MATCHING_SIGNALS", "hybrid")
    pending = False
    encoded_documents: frozenset[str] = frozenset()
    if signals != "lexical":
        docs = [*needs, *technologies]
        document_texts = [document_text(doc) for doc in docs]
        checked = previous.encoded_documents if previous is not None else frozenset()
        texts = (
            text
            for doc, whole in zip(docs, document_texts, strict=True)
            if whole not in checked
            for text in texts_to_keep(doc)
        )
        missing = missing_texts(texts, encoder)
        if len(missing) > current_app.config.get("MATCHING_SYNC_ENCODE_MAX_TEXTS", 300):
            # An encoder upgrade or a bulk import: encode in the background and match on
            # words meanwhile, rather than make this request wait minutes.
            _encode_in_background(current_app._get_current_object(), missing)
            signals, pending = "lexical", True
        else:
            encoder.encode(missing)  # an edit: its text and sentences, a few at most
            encoded_documents = frozenset(document_texts)
            if previous is None:
                # The first search or draft in this process would otherwise load the model.
                getattr(encoder.encoder, "warm", lambda: None)()
    # A fresh matcher (requests may still be reading the old one), sharing the old one's
    # analysis cache so that only new or edited texts are analysed again. No forked analysis
    # workers inside a web process.
    matcher = BilingualMatcher(
        glossary=glossary,
        signals=signals,
        encoder=encoder,
        analysis_store=DatabaseAnalyses(),
        analyzer=previous.matcher.analyzer_ if previous is not None else None,
        n_jobs=1,
    )
    matcher.fit(needs, technologies, companies)
    current_app.logger.info(
        "matching index %d: %d needs and %d technologies fitted afresh in %.2f s (%s)",
        version,
        len(needs),
        len(technologies),
        time.perf_counter() - clock,
        why,
    )
    return MatchingIndex(
        version,
        matcher,
        glossary,
        semantic_pending=pending,
        company_finder=_finder(previous),
        encoded_documents=encoded_documents,
        built_at=started,
        fitted_at=started,
    )


def _updated_index(version: int, previous: MatchingIndex, started) -> MatchingIndex | str:
    """``previous`` with the rows of the needs and technologies edited since it was built
    replaced (see ``ypmatch.matching.updates``), or why a full fit is due instead: its last
    full fit is old, or something else changed (a record added, archived or moved, a
    company, a sector, the glossary, or a change that left no history, such as an import)."""
    clock = time.perf_counter()
    if previous.semantic_pending:
        return "texts were being encoded"
    if started - previous.fitted_at > FULL_FIT_MAX_AGE:
        return "the last full fit is old"
    if current_app.config.get("MATCHING_SIGNALS", "hybrid") != previous.matcher.signals:
        return "the signals changed"
    full_fit_version = db.session.scalar(
        sa.select(MatchingState.full_fit_version).where(MatchingState.id == 1)
    )
    if (full_fit_version or 0) > previous.version:
        return "a change without history, such as an import"
    changed: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in db.session.execute(
        sa.select(HistoryEntry.record_type, HistoryEntry.record_id).where(
            HistoryEntry.created_at >= previous.built_at - CHANGES_MARGIN,
            HistoryEntry.record_type.in_(MATCHER_INPUTS),
        )
    ):
        changed[record_type].add(record_id)
    if not changed:
        return "no change in the history"
    if others := changed.keys() - {"needs", "technologies"}:
        return "changed: " + ", ".join(sorted(others))
    need_ids, technology_ids = sorted(changed["needs"]), sorted(changed["technologies"])
    needs, technologies = _need_documents(need_ids), _technology_documents(technology_ids)
    if len(needs) != len(need_ids) or len(technologies) != len(technology_ids):
        return "a need or technology archived, or its company no longer listed"
    docs = [*needs, *technologies]
    if previous.matcher.semantic_ is not None:
        encoder = app_encoder()
        encoder.encode(
            missing_texts((text for doc in docs for text in texts_to_keep(doc)), encoder)
        )
    matcher = with_replaced_documents(previous.matcher, needs, technologies)
    if matcher is None:
        return "a need or technology added, moved to another company or given a new sector"
    current_app.logger.info(
        "matching index %d: rows of %d needs and %d technologies replaced in %.2f s",
        version,
        len(needs),
        len(technologies),
        time.perf_counter() - clock,
    )
    # A need's fitting companies change with its own text or any technology's.
    counts = {} if technologies else dict(previous.fitting_company_counts)
    for doc in needs:
        counts.pop(doc.id, None)
    return MatchingIndex(
        version,
        matcher,
        previous.glossary,
        company_finder=_finder(previous),
        encoded_documents=previous.encoded_documents | {document_text(doc) for doc in docs},
        fitting_company_counts=counts,
        built_at=started,
        fitted_at=previous.fitted_at,
    )


def _finder(previous: MatchingIndex | None) -> TextFinder:
    """The previous index's text snapshot while it is young (what changed since is checked
    in SQL, see ``TextFinder.changed_since_built``), else a fresh one: a refit after an edit
    need not read every company's texts again."""
    finder = previous.company_finder if previous is not None else None
    if finder is None or utcnow() - finder.as_of > FINDER_MAX_AGE:
        return company_finder()
    return finder


_encoding = threading.Lock()


def _encode_in_background(app, texts: list[str]) -> None:
    if not _encoding.acquire(blocking=False):
        return  # one encoding thread per process is enough

    def encode() -> None:
        try:
            with app.app_context():
                app_encoder().encode(texts)
                cache = app.extensions.get(CACHE_KEY)
                if cache is not None:
                    cache.clear()  # the next request fits the hybrid index
                db.session.remove()
        except Exception:
            app.logger.exception("encoding texts for the semantic signal failed")
        finally:
            _encoding.release()

    threading.Thread(target=encode, daemon=True).start()


def matching_index() -> MatchingIndex:
    cache = current_app.extensions.setdefault(CACHE_KEY, MatchingIndexCache())
    return cache.get()
