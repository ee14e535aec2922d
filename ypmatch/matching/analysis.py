"""Turning Japanese, English or mixed text into the tokens the matcher counts.

One text becomes a bag of tokens of three kinds:

* **concepts** ``c:<key>`` — a glossary surface form occurred (無収水, NRW, non-revenue water
  all give ``c:non_revenue_water``), found on the normalised text, leftmost-longest; the words
  of the match are not counted again as terms;
* **sector marks** ``s:<sector>`` — one per sector of each concept found: a faint topical
  signal shared by texts about different aspects of one field;
* **terms** — content words: Japanese nouns, verbs and adjectives (dictionary form) from MeCab
  with the UniDic dictionary (fugashi + unidic-lite), optionally noun compounds with their
  prefixes and suffixes (浄水場, 無収水率); English words minus stop words, lightly stemmed;
  quantities with units as one token each (``m3/day``, ``t/day``, ``mw``), numbers dropped.

Analysis of a text is cached by a hash of its content, so refitting after one edit only
analyses the edited document. An :class:`AnalysisStore` (the app keeps one in its database)
extends that cache across processes: a new process loads the analyses instead of running
MeCab over every text again.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ypmatch.matching.glossary import Glossary
from ypmatch.matching.normalise import normalise, stem, stem_ascii_words
from ypmatch.matching.units import UNIT_NAMES, UNIT_PATTERN

# Part of every analyser's version: raise it when a change here alters the tokens of any text,
# so that analyses kept by an earlier version are not read back.
ANALYSIS_CODE_VERSION = 1

CONCEPT_PREFIX = "c:"
SECTOR_PREFIX = "s:"
TERM, CONCEPT, SECTOR = 0, 1, 2  # token kinds

_JAPANESE_CHAR = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u3005\u3006\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN_TOKEN = re.compile(r"[a-z0-9\u00c0-\u024f]+")
_HAS_LETTER = re.compile(r"[a-z\u00c0-\u024f]")
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc]{4,}")

# Function-like nouns that carry no topic (こと, ため …): UniDic tags them as ordinary nouns.
_JAPANESE_STOP_WORDS = frozenset(
    """
    こと もの ため よう とき ところ など ほか 等 他 方 場合 際 中 為 事 物 様 時 所 上 下 前 後
    以上 以下 あたり 当たり よる 因る おく 置く いく 行く くる 来る それぞれ 各 内 化 的 性
    者 さん 当社 弊社 我々 私 本 同 当該
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_ENGLISH_STOP_WORDS = frozenset(stem(w) for w in ENGLISH_STOP_WORDS) | frozenset(ENGLISH_STOP_WORDS)
_NOUN_KINDS = frozenset({"普通名詞", "固有名詞"})
_COMPOUND_PIECES = frozenset({"名詞", "接頭辞", "接尾辞"})
_MAX_COMPOUND_PIECES = 4


def concept_token(key: str) -> str:
    return CONCEPT_PREFIX + key


def is_concept_token(token: str) -> bool:
    return token.startswith(CONCEPT_PREFIX)


def dominant_language(text: str) -> str:
    """ "ja" when at least a fifth of the letters are Japanese, else "en"."""
    japanese = len(_JAPANESE_CHAR.findall(text))
    latin = sum(len(m) for m in _LATIN_TOKEN.findall(text.casefold()))
    return "ja" if japanese and japanese * 5 >= japanese + latin else "en"


def content_hash(text: str) -> str:
    """The SHA-256 of a text: the key under which its analysis and embedding are kept."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AnalysisStore(Protocol):
    """Analyses kept outside the process, by analyser version and content hash."""

    def get_many(self, version: str, keys: list[str]) -> Mapping[str, Mapping[str, int]]: ...

    def save(self, version: str, analyses: Mapping[str, Mapping[str, int]]) -> None: ...


@dataclass(frozen=True, slots=True)
class AnalysedText:
    """Token ids (in the analyser's vocabulary) and their counts for one text."""

    ids: np.ndarray  # int32, unique, sorted
    counts: np.ndarray  # float64, same length


class _MeCab:
    """A MeCab tagger with UniDic printing only the four fields we read (fast to parse)."""

    _FORMAT = r"""-O "" '-F%m\t%f[0]\t%f[1]\t%f[10]\n' '-U%m\t%f[0]\t%f[1]\t\n' '-E\n'"""

    def __init__(self):
        import fugashi
        import unidic_lite

        dicdir = unidic_lite.DICDIR
        rc = os.path.join(dicdir, "mecabrc")
        self._tagger = fugashi.GenericTagger(f'-r "{rc}" -d "{dicdir}" {self._FORMAT}')

    def parse(self, text: str) -> str:
        return self._tagger.parse(text)


class Analyzer:
    """Text → tokens, with a content-hash cache and a growing token vocabulary.

    ``sector_tokens`` adds the sector marks; ``concept_words`` also counts the words inside a
    glossary match as terms ("leak detection" → ``c:leak_detection``, ``leak``, ``detection``);
    ``japanese_compounds`` adds noun compounds (浄水場 besides 浄水). The defaults are the
    matcher's; ``cache_size`` bounds the number of cached texts.
    """

    def __init__(
        self,
        glossary: Glossary | None = None,
        *,
        use_glossary: bool = True,
        sector_tokens: bool = True,
        concept_words: bool = False,
        japanese_compounds: bool = False,
        cache_size: int = 400_000,
        store: AnalysisStore | None = None,
    ):
        self.glossary = glossary if glossary is not None else Glossary.default()
        self.use_glossary = use_glossary
        self.sector_tokens = sector_tokens
        self._concept_sectors = {
            concept.key: tuple(SECTOR_PREFIX + sector for sector in concept.sectors)
            for concept in self.glossary
            if sector_tokens
        }
        self.concept_words = concept_words
        self.japanese_compounds = japanese_compounds
        self.cache_size = cache_size
        self.store = store
        self._unsaved: dict[str, dict[str, int]] = {}  # content hash → counts, for the store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, int], AnalysedText] = {}
        self._line_actions: dict[str, tuple[str | None, int, str]] = {}
        self._trades: dict[str, tuple[str, ...]] = {}
        self._token_ids: dict[str, int] = {}
        self._tokens: list[str] = []
        self._kinds: list[int] = []
        self.cache_hits = 0
        self.cache_misses = 0

    @property
    def config(self) -> tuple:
        """Everything that changes the output: a refit reuses this analyser only if equal."""
        return (
            self.glossary.fingerprint if self.use_glossary else None,
            self.use_glossary,
            self.sector_tokens,
            self.concept_words,
            self.japanese_compounds,
        )

    @functools.cached_property  # its settings are fixed at creation; the repr takes 10 ms
    def version(self) -> str:
        """Names what this analyser outputs: equal versions give equal tokens for any text."""
        fingerprint = repr((ANALYSIS_CODE_VERSION, self.config)).encode("utf-8")
        return hashlib.sha256(fingerprint).hexdigest()[:40]

    # vocabulary ---------------------------------------------------------------------------
    @property
    def tokens(self) -> list[str]:
        """Token strings by id (ids only ever grow, so this list is append-only)."""
        return self._tokens

    def token_kinds(self) -> np.ndarray:
        """For every token id: TERM, CONCEPT or SECTOR."""
        return np.array(self._kinds, dtype=np.int8)

    def token_id(self, token: str) -> int | None:
        return self._token_ids.get(token)

    # analysis -----------------------------------------------------------------------------
    def analyse(self, text: str) -> Counter[str]:
        """The bag of tokens of ``text`` (uncached; for explanations, tests and debugging)."""
        counts: dict[str, int] = {}
        if not text:
            return Counter()
        canonical = normalise(text)
        canonical = UNIT_PATTERN.sub(lambda m: self._unit(m, counts), canonical)
        canonical = stem_ascii_words(canonical)
        if self.use_glossary:
            spans = self.glossary.scan(canonical)
            sectors_of = self._concept_sectors
            for _start, _end, keys in spans:
                for key in keys:
                    token = CONCEPT_PREFIX + key
                    counts[token] = counts.get(token, 0) + 1
                    for sector_token in sectors_of.get(key, ()):
                        counts[sector_token] = counts.get(sector_token, 0) + 1
            if spans and not self.concept_words:
                canonical = _blank_spans(canonical, spans)
        for token in _LATIN_TOKEN.findall(canonical):
            if _HAS_LETTER.search(token) and len(token) > 1 and token not in _ENGLISH_STOP_WORDS:
                counts[token] = counts.get(token, 0) + 1
        if _JAPANESE_CHAR.search(canonical):
            self._japanese_terms(canonical, counts)
        return Counter(counts)

    def analyse_cached(self, text: str) -> AnalysedText:
        # Python's string hash (SipHash, cached on the string) plus the length: a 64-bit
        # content key whose collision odds at a million texts are about 1 in 10^7.
        key = (hash(text), len(text))
        hit = self._cache.get(key)
        if hit is not None:
            self.cache_hits += 1
            return hit
        self.cache_misses += 1
        counts = self.analyse(text)
        self._remember_for_store(text, counts)
        return self._store(key, counts)

    def trades_outside_scope(self, text: str) -> tuple[str, ...]:
        """The glossary's trades outside the programme that ``text`` names (cached)."""
        if not self.use_glossary:
            return ()
        found = self._trades.get(text)
        if found is None:
            found = tuple(self.glossary.trades_outside_scope_in(text))
            if len(self._trades) >= self.cache_size:
                self._trades.clear()
            self._trades[text] = found
        return found

    # the store ----------------------------------------------------------------------------
    def load_stored(self, texts: Iterable[str]) -> int:
        """Take the analyses of uncached texts from the store; returns how many it had."""
        if self.store is None:
            return 0
        missing: dict[str, tuple[int, int]] = {}
        for text in texts:
            if text and (hash(text), len(text)) not in self._cache:
                missing[content_hash(text)] = (hash(text), len(text))
        if not missing:
            return 0
        found = self.store.get_many(self.version, list(missing))
        for digest, counts in found.items():
            self._store(missing[digest], dict(counts))
        return len(found)

    def save_new(self) -> None:
        """Hand the analyses made since the last call to the store."""
        if self.store is not None and self._unsaved:
            unsaved, self._unsaved = self._unsaved, {}
            self.store.save(self.version, unsaved)

    def _remember_for_store(self, text: str, counts: Mapping[str, int]) -> None:
        if self.store is not None:
            self._unsaved[content_hash(text)] = dict(counts)

    def _store(self, key: tuple[int, int], counts: dict[str, int]) -> AnalysedText:
        with self._lock:
            known = self._token_ids.get
            ids = np.array(
                [known(token) or self._intern(token) for token in counts], dtype=np.int32
            )
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            order = np.argsort(ids)
            result = AnalysedText(ids[order], values[order])
            if len(self._cache) >= self.cache_size:
                # Drop the older half (dicts keep insertion order): cheap and good enough.
                for stale in list(self._cache)[: self.cache_size // 2]:
                    del self._cache[stale]
            self._cache[key] = result
        return result

    def prepare(self, texts: Iterable[str], n_jobs: int = -1, min_texts: int = 4_000) -> int:
        """Analyse the uncached texts in ``n_jobs`` forked processes (-1: one per CPU).

        Does nothing unless at least ``min_texts`` texts are uncached and the process can
        fork safely (Linux, no other threads running); what it leaves is analysed as usual by
        :meth:`analyse_cached`. Returns how many texts it analysed; results are identical.
        """
        missing: dict[tuple[int, int], str] = {}
        for text in texts:
            if text:
                key = (hash(text), len(text))
                if key not in self._cache:
                    missing[key] = text
        workers = min(n_jobs if n_jobs > 0 else (os.cpu_count() or 1), len(missing))
        if workers <= 1 or len(missing) < min_texts or not _can_fork():
            return 0
        keys, batch = list(missing), list(missing.values())
        chunk = max(1, len(batch) // (workers * 4) + 1)
        pieces = [batch[i : i + chunk] for i in range(0, len(batch), chunk)]
        global _worker_analyzer
        _worker_analyzer = self  # forked workers inherit it, glossary and tagger included
        done = 0
        try:
            with ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("fork")
            ) as pool:
                for results in pool.map(_analyse_in_worker, pieces):
                    for counts in results:
                        self.cache_misses += 1
                        self._remember_for_store(batch[done], counts)
                        self._store(keys[done], counts)
                        done += 1
        except (OSError, BrokenProcessPool):
            pass  # whatever is left is analysed in this process, as usual
        finally:
            _worker_analyzer = None
        return done

    def clear_cache(self) -> None:
        self._cache.clear()

    # internals ----------------------------------------------------------------------------
    def _intern(self, token: str) -> int:
        found = self._token_ids.get(token)
        if found is None:
            found = len(self._tokens)
            self._token_ids[token] = found
            self._tokens.append(token)
            self._kinds.append(
                CONCEPT
                if token.startswith(CONCEPT_PREFIX)
                else SECTOR
                if token.startswith(SECTOR_PREFIX)
                else TERM
            )
        return found

    @staticmethod
    def _unit(match: re.Match[str], counts: dict[str, int]) -> str:
        for group, name in UNIT_NAMES.items():
            if match.group(group) is not None:
                counts[name] = counts.get(name, 0) + 1
                break
        return " "

    def _mecab(self) -> _MeCab:
        tagger = getattr(self._local, "mecab", None)
        if tagger is None:
            tagger = self._local.mecab = _MeCab()
        return tagger

    def _japanese_terms(self, text: str, counts: dict[str, int]) -> None:
        # MeCab prints one line per word; the same lines recur endlessly, so what to do with
        # each distinct line is worked out once and remembered.
        lines = self._mecab().parse(text).split("\n")
        if not self.japanese_compounds:
            actions = self._line_actions
            for line, times in Counter(lines).items():
                action = actions.get(line) or self._line_action(line)
                term = action[0]
                if term is not None:
                    counts[term] = counts.get(term, 0) + times
            return
        compound: list[str] = []
        for line in lines:
            term, role, surface = self._line_action(line)
            if term is not None:
                counts[term] = counts.get(term, 0) + 1
            if role == _OPENS or (role == _CONTINUES and compound):
                compound.append(surface)
            elif compound:
                if 2 <= len(compound) <= _MAX_COMPOUND_PIECES:
                    joined = "".join(compound)
                    counts[joined] = counts.get(joined, 0) + 1
                compound = []

    def _line_action(self, line: str) -> tuple[str | None, int, str]:
        action = self._line_actions.get(line)
        if action is None:
            action = _line_action(line)
            if len(self._line_actions) < _MAX_REMEMBERED_LINES:
                self._line_actions[line] = action
        return action


_BREAKS, _CONTINUES, _OPENS = 0, 1, 2
_MAX_REMEMBERED_LINES = 1_000_000


def _line_action(line: str) -> tuple[str | None, int, str]:
    """(term to count or None, role in a noun compound, surface) for one MeCab output line."""
    fields = line.split("\t")
    surface = fields[0]
    if not surface or not _JAPANESE_CHAR.search(surface):
        # Latin words and numbers are counted outside MeCab; they also end a compound.
        return None, _BREAKS, surface
    pos1 = fields[1] if len(fields) > 1 else ""
    pos2 = fields[2] if len(fields) > 2 else ""
    base = fields[3] if len(fields) > 3 and fields[3] else surface
    role = _BREAKS
    if pos1 in _COMPOUND_PIECES and pos2 not in ("数詞", "代名詞"):
        # A suffix cannot open a compound: after a number (1日あたり) it is a counter.
        role = _CONTINUES if pos1 == "接尾辞" else _OPENS
    term = None
    if pos1 == "名詞":
        if pos2 in _NOUN_KINDS:
            term = _fold_katakana(base)
    elif pos1 in ("動詞", "形容詞", "形状詞") and pos2 == "一般":
        term = base
    if term is not None and (term in _JAPANESE_STOP_WORDS or _is_single_kana(term)):
        term = None
    return term, role, surface


_worker_analyzer: Analyzer | None = None


def _can_fork() -> bool:
    # Forking is instant (no re-import) but only safe on Linux from a single-threaded process:
    # a lock held by another thread would stay locked forever in the child.
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _analyse_in_worker(texts: list[str]) -> list[dict[str, int]]:
    assert _worker_analyzer is not None
    return [dict(_worker_analyzer.analyse(text)) for text in texts]


def _fold_katakana(word: str) -> str:
    """センサー and センサ are one word (long-vowel marks at the end of loanwords vary)."""
    if word.endswith("ー") and _KATAKANA_WORD.fullmatch(word):
        return word[:-1]
    return word


def _is_single_kana(word: str) -> bool:
    return len(word) == 1 and "\u3041" <= word <= "\u30fa"


def _blank_spans(text: str, spans: list[tuple[int, int, tuple[str, ...]]]) -> str:
    pieces = []
    position = 0
    for start, end, _keys in spans:
        pieces.append(text[position:start])
        pieces.append(" ")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
