"""The lexical signal: bilingual TF-IDF over words and glossary concepts.

1. every need and technology is analysed into concepts, sector marks and terms
   (:mod:`.analysis`);
2. each token gets a TF-IDF weight over all needs and technologies together (scikit-learn,
   sublinear tf: the tenth mention counts far less than the first; rare tokens weigh more);
   glossary concepts are multiplied by ``concept_weight`` and title tokens count
   ``title_weight`` times; a document also carries the concepts the glossary relates to its
   own (a need about water losses: leak detection, meters …) at ``related_weight`` of one
   mention; each document vector is scaled to length 1;
3. a need and a technology score the cosine of their vectors: 0 = nothing shared,
   1 = the same profile. Each shared token contributes ``need weight × technology weight``.

Its explanations name the shared glossary concepts and sectors: terms count in the score but
are never shown (a lone word such as "year" or 式 explains nothing to a reader).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from ypmatch.matching.analysis import (
    CONCEPT,
    CONCEPT_PREFIX,
    SECTOR,
    SECTOR_PREFIX,
    TERM,
    Analyzer,
    concept_token,
)
from ypmatch.matching.documents import NeedDoc, Reason, TechnologyDoc
from ypmatch.matching.meaning import ConceptsByMeaning

# Analysing in forked worker processes pays off from about this many uncached texts; a refit
# with a warm cache has few texts to analyse and stays in-process.
_PARALLEL_FROM = 4_000
# max_df only applies from this many documents (needs + technologies).
_MAX_DF_FROM = 1_000
# A concept in more than this share of all documents says little about why two of them meet
# ("water", "city planning"): it still counts in the score but is not offered as a reason.
# Only judged from this many documents: in a handful every concept looks common.
_GENERIC_CONCEPT_SHARE = 0.25
_GENERIC_FROM = 100


class LexicalSignal:
    """TF-IDF cosines of needs × technologies, with concept-level reasons.

    Built and fitted by the matcher; ``analyzer`` may come from a previous fit so that only new
    or edited texts are analysed again (the cache never changes results).
    """

    name = "lexical"

    def __init__(
        self,
        analyzer: Analyzer,
        *,
        concept_weight: float,
        sector_weight: float,
        title_weight: float,
        max_df: float,
        n_jobs: int,
        related: Iterable[tuple[str, str]] = (),
        related_weight: float = 0.0,
        concepts_meant: ConceptsByMeaning | None = None,
    ):
        self.analyzer = analyzer
        self.concepts_meant = concepts_meant  # what a need's title means, lent to its text
        self.related = list(related)  # (concept key, related concept key) links
        self.related_weight = related_weight
        self.concept_weight = concept_weight
        self.sector_weight = sector_weight
        self.title_weight = title_weight
        self.max_df = max_df
        self.n_jobs = n_jobs

    # fitting ------------------------------------------------------------------------------
    def fit(self, needs: list[NeedDoc], techs: list[TechnologyDoc]) -> LexicalSignal:
        needs = [self._as_read(need) for need in needs]
        named = self._count_matrix([*needs, *techs])
        self._learn_relations(named.shape[1])
        counts = self._with_related(named)
        self._learn_vocabulary(counts)
        matrix = self._weigh(counts[:, self.kept_columns])
        n_needs = len(needs)
        # What each technology names itself: a reason is something the technology offers,
        # not a concept it only carries as related to one it names.
        self.techs_named = named[n_needs:][:, self.kept_columns].tocsr()
        self.techs_named.sort_indices()
        self.needs_matrix = matrix[:n_needs].tocsr()
        self.techs_matrix = matrix[n_needs:].tocsr()
        self.needs_matrix.sort_indices()  # explanations binary-search need rows
        self.techs_matrix.sort_indices()  # so a row replacement need not sort all the others
        self.needs_T = self.needs_matrix.T.tocsr()
        self.techs_T = self.techs_matrix.T.tocsr()
        return self

    def _count_matrix(self, docs: list) -> sp.csr_matrix:
        texts = [text for doc in docs for text in (doc.title, doc.description)]
        self.analyzer.load_stored(texts)
        if self.n_jobs != 1 and 2 * len(docs) >= _PARALLEL_FROM:
            self.analyzer.prepare(texts, self.n_jobs, min_texts=_PARALLEL_FROM)
        analyse = self.analyzer.analyse_cached
        ids, counts, lengths, weights = [], [], [], []
        title_weight = float(self.title_weight)
        for doc in docs:
            for text, weight in ((doc.title, title_weight), (doc.description, 1.0)):
                analysed = analyse(text) if text else None
                if analysed is None or len(analysed.ids) == 0:
                    lengths.append(0)
                    weights.append(weight)
                    continue
                ids.append(analysed.ids)
                counts.append(analysed.counts)
                lengths.append(len(analysed.ids))
                weights.append(weight)
        self.analyzer.save_new()
        n_tokens = len(self.analyzer.tokens)
        if not ids:
            return sp.csr_matrix((len(docs), n_tokens))
        lengths = np.array(lengths)
        rows = np.repeat(np.arange(len(lengths)) // 2, lengths)  # two texts per document
        values = np.concatenate(counts) * np.repeat(np.array(weights), lengths)
        coo = sp.coo_matrix((values, (rows, np.concatenate(ids))), shape=(len(docs), n_tokens))
        return coo.tocsr()  # sums a token present in both title and description

    def replaced(self, need_rows, needs, tech_rows, techs) -> LexicalSignal:
        """A copy whose rows ``need_rows``/``tech_rows`` hold these documents' vectors, weighed
        with this fit's vocabulary and idf (see :mod:`.updates`)."""
        updated = copy.copy(self)
        if need_rows:
            needs = [self._as_read(need) for need in needs]
            vectors = self.transform_texts((doc.title, doc.description) for doc in needs)
            updated.needs_matrix = _replace_rows(self.needs_matrix, need_rows, vectors)
            updated.needs_T = updated.needs_matrix.T.tocsr()
        if tech_rows:
            texts = [(doc.title, doc.description) for doc in techs]
            updated.techs_matrix = _replace_rows(
                self.techs_matrix, tech_rows, self.transform_texts(texts)
            )
            updated.techs_T = updated.techs_matrix.T.tocsr()
            updated.techs_named = _replace_rows(
                self.techs_named, tech_rows, self.transform_texts(texts, with_related=False)
            )
        self.analyzer.save_new()
        return updated

    def _learn_relations(self, n_tokens: int) -> None:
        """A tokens × tokens table of the glossary's related concepts (those seen so far)."""
        self.relations = None
        if not self.related_weight:
            return
        token_id = self.analyzer.token_id
        links = [
            (token_id(concept_token(key)), token_id(concept_token(other)))
            for key, other in self.related
        ]
        links = [(a, b) for a, b in links if a is not None and b is not None]
        if links:
            rows, columns = zip(*links, strict=True)
            self.relations = sp.csr_matrix(
                (np.ones(len(links)), (rows, columns)), shape=(n_tokens, n_tokens)
            )

    def _with_related(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Counts plus, for each concept related to one a document names, ``related_weight``
        (as much as a fraction of one mention; a concept it names itself keeps its count)."""
        if self.relations is None:
            return counts
        present = counts.copy()
        present.data = np.ones_like(present.data)
        related = present @ self.relations
        related.data = np.full_like(related.data, float(self.related_weight))
        related = related - related.multiply(present)
        expanded = (counts + related).tocsr()
        expanded.eliminate_zeros()
        return expanded

    def _with_related_tokens(self, tokens: np.ndarray, tf: np.ndarray):
        """What :meth:`_with_related` does, for one document's (sorted) tokens and counts."""
        starts, stops = self.relations.indptr[tokens], self.relations.indptr[tokens + 1]
        linked = [self.relations.indices[a:b] for a, b in zip(starts, stops, strict=True) if b > a]
        if not linked:
            return tokens, tf
        extra = np.setdiff1d(np.concatenate(linked), tokens)  # sorted, each once
        weights = np.full(len(extra), float(self.related_weight))
        return np.concatenate([tokens, extra]), np.concatenate([tf, weights])

    def _learn_vocabulary(self, counts: sp.csr_matrix) -> None:
        n_docs, n_tokens = counts.shape
        df = np.bincount(counts.indices, minlength=n_tokens)
        limit = self.max_df * n_docs if isinstance(self.max_df, float) else self.max_df
        if n_docs < _MAX_DF_FROM:
            limit = n_docs  # small corpora: nothing to save, and every shared term still counts
        # Terms in most documents say little and cost most: each pair of documents sharing a
        # term is one multiply-add when scoring. Dropping them speeds scoring several-fold.
        keep = (df >= 1) & (df <= limit)
        self.kept_columns = np.flatnonzero(keep)
        self.column_of_token = np.full(n_tokens, -1, dtype=np.int64)
        self.column_of_token[self.kept_columns] = np.arange(len(self.kept_columns))
        tokens = self.analyzer.tokens
        self.feature_names = [tokens[i] for i in self.kept_columns]
        self.feature_kinds = self.analyzer.token_kinds()[self.kept_columns]
        self.is_concept = self.feature_kinds == CONCEPT
        # Reasons name concepts and sectors, and only those specific enough to tell something.
        generic = self.is_concept & (df[self.kept_columns] > _GENERIC_CONCEPT_SHARE * n_docs)
        self.explains = (self.feature_kinds != TERM) & ~(generic & (n_docs >= _GENERIC_FROM))
        if n_docs and len(self.kept_columns):
            tfidf = TfidfTransformer(sublinear_tf=True, norm=None, smooth_idf=True)
            self.idf = tfidf.fit(counts[:, self.kept_columns]).idf_
        else:  # nothing to learn from yet (an empty database)
            self.idf = np.ones(len(self.kept_columns))
        feature_weights = np.select(
            [self.is_concept, self.feature_kinds == SECTOR],
            [float(self.concept_weight), float(self.sector_weight)],
            1.0,
        )
        self.column_scale = self.idf * feature_weights

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf × idf × feature weight, rows scaled to length 1 (as TfidfTransformer)."""
        matrix = counts.tocsr(copy=True)
        matrix.data = (np.log(matrix.data) + 1.0) * self.column_scale[matrix.indices]
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        lengths = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
        matrix.data /= lengths[rows]  # a row with data has a positive length
        return matrix

    # vectors ------------------------------------------------------------------------------
    def vector(
        self, title: str, description: str, with_related: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of one document's unit vector; the same arithmetic as fit."""
        ids, counts = [], []
        known_tokens = len(self.column_of_token)
        for text, weight in ((title, float(self.title_weight)), (description, 1.0)):
            if not text:
                continue
            analysed = self.analyzer.analyse_cached(text)
            inside = analysed.ids < known_tokens  # tokens first seen after the fit
            ids.append(analysed.ids[inside])
            counts.append(analysed.counts[inside] * weight)
        if not ids:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        tokens, position = np.unique(np.concatenate(ids), return_inverse=True)
        tf = np.bincount(position, weights=np.concatenate(counts))
        if with_related and self.relations is not None:
            tokens, tf = self._with_related_tokens(tokens, tf)
        columns = self.column_of_token[tokens]
        kept = columns >= 0
        order = np.argsort(columns[kept])
        merged, tf = columns[kept][order], tf[kept][order]
        data = (np.log(tf) + 1.0) * self.column_scale[merged]  # sublinear tf × idf × weight
        norm = np.sqrt(np.dot(data, data))
        if norm > 0:
            data /= norm
        return merged.astype(np.int32), data

    def transform_texts(
        self, texts: Iterable[tuple[str, str]], with_related: bool = True
    ) -> sp.csr_matrix:
        rows = [self.vector(title, description, with_related) for title, description in texts]
        if not rows:
            return sp.csr_matrix((0, len(self.feature_names)))
        indptr = np.cumsum([0] + [len(indices) for indices, _ in rows])
        return sp.csr_matrix(
            (
                np.concatenate([data for _, data in rows]),
                np.concatenate([indices for indices, _ in rows]),
                indptr,
            ),
            shape=(len(rows), len(self.feature_names)),
        )

    def need_vector(self, need: int | NeedDoc) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(need, NeedDoc):  # a draft: read as a fitted need is
            need = self._as_read(need, transient=True)
            return self.vector(need.title, need.description)
        return _row(self.needs_matrix, need)

    def _as_read(self, need: NeedDoc, transient: bool = False) -> NeedDoc:
        """The need as this signal reads it: with the concepts its title means, if any."""
        if self.concepts_meant is None:
            return need
        return self.concepts_meant.with_concepts_meant(need, transient)

    # scoring ------------------------------------------------------------------------------
    def score_fitted_needs(self, start: int, stop: int) -> np.ndarray:
        """Cosines of fitted needs ``start:stop`` × every technology."""
        return (self.needs_matrix[start:stop] @ self.techs_T).toarray()

    def score_need(self, need: int | NeedDoc) -> np.ndarray:
        """Cosines of one fitted (by row) or ad-hoc need × every technology (a 1 × n row)."""
        return (self._as_row(self.need_vector(need)) @ self.techs_T).toarray()

    def rows_sharing_concepts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the fitted needs and technologies that carry a concept found in ``text``."""
        columns, _weights = self.vector(text, "", with_related=False)
        columns = columns[self.is_concept[columns]]
        if len(columns) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Rows of the transposed matrices are columns: far cheaper than slicing columns.
        return np.unique(self.needs_T[columns].indices), np.unique(self.techs_T[columns].indices)

    def score_text_against_needs(self, text: NeedDoc) -> np.ndarray:
        """Cosines of an ad-hoc text (a search query, taken as written) × every fitted need."""
        vector = self.vector(text.title, text.description)
        return (self._as_row(vector) @ self.needs_T).toarray()[0]

    def score_technologies(self, first: int, last: int) -> np.ndarray:
        """Cosines of technologies ``first:last`` × every fitted need."""
        return (self.techs_matrix[first:last] @ self.needs_T).toarray()

    # explaining ---------------------------------------------------------------------------
    def contributions(self, need: int | NeedDoc, tech: int) -> list[tuple[Reason, float]]:
        """The concepts and sectors two documents share, each with its part of their cosine."""
        common, amounts = _shared(self.need_vector(need), _row(self.techs_matrix, tech))
        named, _weights = _row(self.techs_named, tech)
        keep = self.explains[common] & (~self.is_concept[common] | np.isin(common, named))
        common, amounts = common[keep], amounts[keep]
        found = []
        for i in np.lexsort((common, -amounts)):
            name = self.feature_names[common[i]]
            if name.startswith(CONCEPT_PREFIX):
                found.append((Reason(name[len(CONCEPT_PREFIX) :], "concept", 0.0), amounts[i]))
            elif name.startswith(SECTOR_PREFIX):
                found.append((Reason(name[len(SECTOR_PREFIX) :], "sector", 0.0), amounts[i]))
        return found

    def missing_concepts(self, need_rows: list[int], tech_first: int | None, tech_last: int, n):
        """Concepts weighty in these needs that technologies ``first:last`` never mention."""
        weight = np.asarray(self.needs_matrix[need_rows].sum(axis=0)).ravel()
        if tech_first is not None:
            weight[self.techs_matrix[tech_first:tech_last].indices] = 0.0
        weight[~self.is_concept] = 0.0
        chosen = [i for i in np.lexsort((np.arange(len(weight)), -weight))[:n] if weight[i] > 0]
        return [self.feature_names[i][len(CONCEPT_PREFIX) :] for i in chosen]

    def _as_row(self, parts: tuple[np.ndarray, np.ndarray]) -> sp.csr_matrix:
        indices, data = parts
        return sp.csr_matrix(
            (data, indices, np.array([0, len(indices)])), shape=(1, len(self.feature_names))
        )


def _row(matrix: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns, weights) of one CSR row without building a sparse matrix (much cheaper)."""
    start, stop = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:stop], matrix.data[start:stop]


def _shared(need_row, tech_row) -> tuple[np.ndarray, np.ndarray]:
    """Columns present in both rows and their weight products (need columns sorted)."""
    need_columns, need_weights = need_row
    tech_columns, tech_weights = tech_row
    if len(need_columns) == 0 or len(tech_columns) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    position = np.minimum(np.searchsorted(need_columns, tech_columns), len(need_columns) - 1)
    hit = need_columns[position] == tech_columns
    return tech_columns[hit], need_weights[position[hit]] * tech_weights[hit]


def _replace_rows(matrix: sp.csr_matrix, rows: Sequence[int], replacement: sp.csr_matrix):
    """A CSR matrix whose ``rows`` (distinct) are replaced by the rows of CSR ``replacement``,
    in the same order."""
    order = np.argsort(np.asarray(rows, dtype=np.int64), kind="stable")
    lengths = np.diff(matrix.indptr)
    indices, data = [], []
    start = 0
    for i in order:
        row = int(rows[i])
        low, high = matrix.indptr[start], matrix.indptr[row]
        indices.append(matrix.indices[low:high])
        data.append(matrix.data[low:high])
        first, last = replacement.indptr[i], replacement.indptr[i + 1]
        indices.append(replacement.indices[first:last])
        data.append(replacement.data[first:last])
        lengths[row] = last - first
        start = row + 1
    indices.append(matrix.indices[matrix.indptr[start] :])
    data.append(matrix.data[matrix.indptr[start] :])
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    result = sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), indptr), shape=matrix.shape
    )
    result.sort_indices()
    return result
