"""The bilingual domain glossary and the surface-form scanner built from it.

A concept (``non_revenue_water``) has surface forms in Japanese and English (無収水, NRW,
non-revenue water …).  The analyser emits one concept token wherever any of its forms occurs
in a text, so a Japanese technology and an English need meet on the same token.

Forms are matched on the *normalised* text (see :mod:`ypmatch.matching.normalise`), not on the
morphological analyser's words: every analyser splits domain compounds (無収水 → 無|収|水).
All forms go into one Aho-Corasick automaton (ahocorasick-rs), so a scan is one pass over the
text whatever the size of the glossary; the leftmost, then longest form wins. A trie-shaped
regular expression gives the same matches where the automaton is not installed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ypmatch.matching.normalise import normalise, stem_ascii_words

try:  # a compiled Aho-Corasick automaton: one pass over the text whatever the glossary size
    import ahocorasick_rs
except ImportError:  # pragma: no cover - the regex scanner gives the same matches, slower
    ahocorasick_rs = None

GLOSSARY_FORMAT = "ypmatch-glossary-v1"

_LATIN = "a-z0-9\u00c0-\u024f"
_ASCII_WORD_CHAR = re.compile(f"[{_LATIN}]")
# Forms that begin or end with a Latin letter or digit must sit on a word boundary there, so
# that "nrw" never fires inside "unrwrap" while "nrw削減" (Japanese right after) still matches.
_START_GUARD = f"(?<![{_LATIN}])"
_END_GUARD = f"(?![{_LATIN}])"


class GlossaryError(ValueError):
    """A glossary document that cannot be used (wrong format tag, missing keys …)."""


@dataclass(frozen=True, slots=True)
class Concept:
    """A domain concept, or (``outside_scope``) a trade outside the programme: restaurants,
    games, realty … whose technologies are never proposed for a city's needs, however many
    words they share with them (a city-building game speaks of water pipes and floods).

    ``related`` names the concepts a practitioner reaches for with this one: the remedies of a
    problem (water losses → leak detection, meters, pressure management) and the problem a
    remedy addresses. A city that writes of its losses and a firm that sells leak detection
    then meet even when neither names the other's concept."""

    key: str
    labels: Mapping[str, str]
    surface_forms: Mapping[str, tuple[str, ...]]
    sectors: tuple[str, ...]
    outside_scope: bool = False
    related: tuple[str, ...] = ()


class Glossary:
    """A set of concepts with a fast scanner over their surface forms."""

    def __init__(self, concepts: Iterable[Concept]):
        self._concepts: dict[str, Concept] = {}
        for concept in concepts:
            if concept.key in self._concepts:
                raise GlossaryError(f"concept {concept.key!r} is defined twice")
            self._concepts[concept.key] = concept
        self._form_keys: dict[str, tuple[str, ...]] | None = None
        self._pattern: re.Pattern[str] | None = None
        self._aho = None
        self._fingerprint: tuple | None = None

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_concepts(cls, concepts: Iterable[Mapping]) -> Glossary:
        """Build from concept dicts in the ``ypmatch-glossary-v1`` shape (JSON or database)."""
        built = []
        for position, raw in enumerate(concepts):
            if not isinstance(raw, Mapping):
                raise GlossaryError(f"concept #{position} is not an object")
            key = raw.get("key")
            if not isinstance(key, str) or not key.strip():
                raise GlossaryError(f"concept #{position} has no 'key'")
            forms_raw = raw.get("surface_forms") or {}
            if not isinstance(forms_raw, Mapping):
                raise GlossaryError(f"concept {key!r}: 'surface_forms' must be an object")
            labels = {
                lang[len("label_") :]: str(value)
                for lang, value in raw.items()
                if lang.startswith("label_") and value
            }
            forms: dict[str, tuple[str, ...]] = {}
            for lang, values in forms_raw.items():
                if isinstance(values, str) or not isinstance(values, Sequence):
                    raise GlossaryError(
                        f"concept {key!r}: surface forms for {lang!r} must be a list"
                    )
                forms[lang] = tuple(str(v) for v in values if str(v).strip())
            # A label is a surface form too, even when the curator forgot to repeat it.
            for lang, label in labels.items():
                if label not in forms.get(lang, ()):
                    forms[lang] = (*forms.get(lang, ()), label)
            sectors = tuple(str(s) for s in raw.get("sectors") or ())
            outside = bool(raw.get("outside_scope", False))
            related = raw.get("related") or ()
            if isinstance(related, str) or not isinstance(related, Sequence):
                raise GlossaryError(f"concept {key!r}: 'related' must be a list of keys")
            related = tuple(str(other).strip() for other in related if str(other).strip())
            built.append(Concept(key.strip(), labels, forms, sectors, outside, related))
        return cls(built)

    def to_concepts(self) -> list[dict]:
        """The concepts as ``ypmatch-glossary-v1`` dicts (what :meth:`from_concepts` reads)."""
        return [
            {
                "key": c.key,
                **{f"label_{lang}": label for lang, label in c.labels.items()},
                "surface_forms": {lang: list(forms) for lang, forms in c.surface_forms.items()},
                "sectors": list(c.sectors),
                **({"outside_scope": True} if c.outside_scope else {}),
                **({"related": list(c.related)} if c.related else {}),
            }
            for c in self._concepts.values()
        ]

    @classmethod
    def from_json(cls, document: Mapping) -> Glossary:
        if not isinstance(document, Mapping) or document.get("format") != GLOSSARY_FORMAT:
            raise GlossaryError(f"not a glossary document: expected format {GLOSSARY_FORMAT!r}")
        concepts = document.get("concepts")
        if not isinstance(concepts, list):
            raise GlossaryError("glossary document has no 'concepts' list")
        return cls.from_concepts(concepts)

    @classmethod
    def default(cls) -> Glossary:
        """The seed glossary shipped with the package (loaded once per process)."""
        return _default_glossary()

    @classmethod
    def empty(cls) -> Glossary:
        return cls(())

    # lookup -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._concepts)

    def __contains__(self, key: object) -> bool:
        return key in self._concepts

    def __iter__(self):
        return iter(self._concepts.values())

    def concept(self, key: str) -> Concept:
        return self._concepts[key]

    def related_pairs(self) -> list[tuple[str, str]]:
        """(concept, related concept) links between concepts of the programme; links to
        unknown keys (a concept archived since) or to trades outside it are left out."""
        return [
            (concept.key, other)
            for concept in self._concepts.values()
            if not concept.outside_scope
            for other in concept.related
            if other != concept.key
            and other in self._concepts
            and not self._concepts[other].outside_scope
        ]

    def label(self, key: str, lang: str = "en") -> str:
        """The concept's label in ``lang``, falling back to English, then to the key."""
        concept = self._concepts.get(key)
        if concept is None:
            return key
        return concept.labels.get(lang) or concept.labels.get("en") or key

    @property
    def fingerprint(self) -> tuple:
        """Changes whenever anything affecting the analysis changes (used by caches)."""
        if self._fingerprint is None:
            sectors = tuple(
                sorted((c.key, c.sectors, c.outside_scope) for c in self._concepts.values())
            )
            self._fingerprint = (tuple(sorted(self.form_keys().items())), sectors)
        return self._fingerprint

    # scanning -----------------------------------------------------------------------------
    def form_keys(self) -> dict[str, tuple[str, ...]]:
        """Normalised surface form → concept keys (a form may belong to several concepts)."""
        if self._form_keys is None:
            table: dict[str, list[str]] = {}
            for concept in self._concepts.values():
                for forms in concept.surface_forms.values():
                    for form in forms:
                        canonical = stem_ascii_words(normalise(form)).strip()
                        if canonical:
                            keys = table.setdefault(canonical, [])
                            if concept.key not in keys:
                                keys.append(concept.key)
            self._form_keys = {form: tuple(keys) for form, keys in table.items()}
        return self._form_keys

    def _scanner(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.form_keys():
            self._pattern = re.compile(_trie_pattern(self.form_keys()))
        return self._pattern

    def _automaton(self):
        if self._aho is None and self.form_keys():
            forms = list(self.form_keys())
            self._aho = (
                ahocorasick_rs.AhoCorasick(forms, matchkind=ahocorasick_rs.MatchKind.Standard),
                [
                    (
                        self._form_keys[form],
                        bool(_ASCII_WORD_CHAR.match(form[0])),
                        bool(_ASCII_WORD_CHAR.match(form[-1])),
                    )
                    for form in forms
                ],
            )
        return self._aho

    def scan(self, canonical_text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """Matches ``(start, end, concept keys)`` in text already normalised and stemmed.

        Leftmost, then longest, non-overlapping; forms starting or ending with a Latin letter
        or digit only count on a word boundary there.
        """
        if ahocorasick_rs is None:
            return self._scan_with_regex(canonical_text)
        built = self._automaton()
        if built is None:
            return []
        automaton, forms = built
        last = len(canonical_text) - 1
        candidates = []
        for index, start, end in automaton.find_matches_as_indexes(
            canonical_text, overlapping=True
        ):
            keys, guard_start, guard_end = forms[index]
            if guard_start and start > 0 and _ASCII_WORD_CHAR.match(canonical_text[start - 1]):
                continue
            if guard_end and end <= last and _ASCII_WORD_CHAR.match(canonical_text[end]):
                continue
            candidates.append((start, -end, keys))
        # Leftmost first, then longest; overlapping shorter matches give way.
        candidates.sort(key=lambda c: (c[0], c[1]))
        found = []
        covered = 0
        for start, negative_end, keys in candidates:
            if start >= covered:
                covered = -negative_end
                found.append((start, covered, keys))
        return found

    def _scan_with_regex(self, canonical_text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        # Same matches without the C automaton, slower on large glossaries (kept as fallback).
        pattern = self._scanner()
        if pattern is None:
            return []
        table = self.form_keys()
        return [(m.start(), m.end(), table[m.group()]) for m in pattern.finditer(canonical_text)]

    def trades_outside_scope_in(self, text: str) -> list[str]:
        """Keys of the trades outside the programme that raw ``text`` names."""
        return [key for key in self.concepts_in(text) if self._concepts[key].outside_scope]

    def concepts_in(self, text: str) -> list[str]:
        """Concept keys found in raw ``text``, each once, in order of first appearance."""
        seen: dict[str, None] = {}
        for _start, _end, keys in self.scan(stem_ascii_words(normalise(text))):
            for key in keys:
                seen.setdefault(key, None)
        return list(seen)

    def sectors_for(self, keys: Iterable[str]) -> list[tuple[str, int]]:
        """Sector slugs suggested by concept keys, with how many keys point at each.

        Sorted by count (descending), then slug, so suggestions are stable.
        """
        counts: Counter[str] = Counter()
        for key in keys:
            concept = self._concepts.get(key)
            if concept is not None:
                counts.update(set(concept.sectors))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _trie_pattern(forms: Iterable[str]) -> str:
    """One regex for all forms, shaped as a trie so matching is a single left-to-right pass.

    At each node the children are tried before the end of a shorter form, so the longest form
    starting at a position wins.  Forms beginning or ending with a word character are guarded.
    """
    end = ""  # marker key: a form ends here
    guarded_end = "\x00"  # marker key: a form ends here and needs a word boundary after it
    roots: dict[bool, dict] = {True: {}, False: {}}
    for form in forms:
        node = roots[bool(_ASCII_WORD_CHAR.match(form[0]))]
        for char in form:
            node = node.setdefault(char, {})
        node[guarded_end if _ASCII_WORD_CHAR.match(form[-1]) else end] = None

    def render(node: dict) -> str:
        branches = []
        for char in sorted(k for k in node if k not in (end, guarded_end)):
            branches.append(re.escape(char) + render(node[char]))
        if guarded_end in node:
            branches.append(_END_GUARD)
        if end in node:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    parts = []
    if roots[True]:
        parts.append(_START_GUARD + render(roots[True]))
    if roots[False]:
        parts.append(render(roots[False]))
    return "|".join(f"(?:{part})" for part in parts)


@cache
def _default_glossary() -> Glossary:
    data = resources.files("ypmatch.matching").joinpath("data", "glossary.json")
    return Glossary.from_json(json.loads(data.read_text(encoding="utf-8")))
