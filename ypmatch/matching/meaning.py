"""Concepts a need means without naming them: found from its title by meaning.

A city that titles its need "A third of our water is never paid for" names no glossary
concept, so the lexical signal has nothing to offer it but loose words, and a firm whose
catalogue says 無収水 and 漏水探知 shares neither with it. The sentence encoder, though, puts
that title close to the label "non-revenue water". So a need whose text names fewer than
``FEW_CONCEPTS`` concepts is lent the concepts whose labels (English or Japanese) lie within
``MIN_COSINE`` of its title (at most ``MOST_CONCEPTS``, closest first): their English labels
are added to the text the lexical signal reads, as if the need had named them once. A need that
already speaks the glossary's language is left as written.

Chosen on the development data only (title alone, 0.40 and three concepts: the best of
cosines 0.35–0.55 and of 2–5 concepts; see docs/matching.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ypmatch.matching.documents import NeedDoc
from ypmatch.matching.glossary import Glossary

FEW_CONCEPTS = 3
MIN_COSINE = 0.40
MOST_CONCEPTS = 5


def label_texts(glossary: Glossary) -> list[str]:
    """The texts whose embeddings the search by meaning compares titles with."""
    return [label for _key, label in _labels(glossary)]


def _labels(glossary: Glossary) -> list[tuple[str, str]]:
    """(concept key, label) for both labels of every concept of the programme."""
    return [
        (concept.key, concept.labels[language])
        for concept in glossary
        if not concept.outside_scope
        for language in ("en", "ja")
        if concept.labels.get(language)
    ]


class ConceptsByMeaning:
    """Lends a need the concepts its title means (see the module)."""

    def __init__(self, glossary: Glossary, encoder):
        self.glossary = glossary
        self.encoder = encoder
        labels = _labels(glossary)
        self.keys = [key for key, _label in labels]  # the concept of each label row
        self.label_vectors = (
            encoder.encode([label for _key, label in labels]) if labels else np.zeros((0, 0))
        )

    def concepts_meant(self, need: NeedDoc, transient: bool = False) -> list[str]:
        """Keys of the concepts lent to ``need`` (none when it names enough itself).
        ``transient``: a draft, whose title is not worth keeping an embedding of."""
        if not self.keys or not need.title:
            return []
        named = set(self.glossary.concepts_in(f"{need.title}\n{need.description}"))
        if len(named) >= FEW_CONCEPTS:
            return []
        encode = self.encoder.encode
        if transient:
            encode = getattr(self.encoder, "encode_transient", encode)
        title = encode([need.title])[0]
        cosines = self.label_vectors @ title
        meant: list[str] = []
        for row in np.argsort(-cosines, kind="stable"):
            if cosines[row] < MIN_COSINE or len(meant) == MOST_CONCEPTS:
                break
            if self.keys[row] not in named and self.keys[row] not in meant:
                meant.append(self.keys[row])
        return meant

    def with_concepts_meant(self, need: NeedDoc, transient: bool = False) -> NeedDoc:
        """``need`` with the labels of the concepts it means added to its description."""
        meant = self.concepts_meant(need, transient)
        if not meant:
            return need
        labels = " ".join(self.glossary.concept(key).labels.get("en", "") for key in meant)
        description = f"{need.description}\n{labels}" if need.description else labels
        return dataclasses.replace(need, description=description)
