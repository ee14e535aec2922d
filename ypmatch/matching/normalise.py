"""Text normalisation shared by the analyser and the glossary scanner.

Both sides must see text in exactly the same shape, or a glossary form written one way would
miss a description written another: NFKC (full-width Latin and half-width kana folded, ³ → 3,
㎥ → m3), case folding, hyphens between letters read as spaces ("non-revenue" = "non revenue"),
whitespace collapsed, and a light English stemmer (plural endings, British spellings) applied
to Latin words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The dash comes first so the regex engine can skip ahead to dashes; the lookbehind then checks
# the letter before it (two characters: letter, dash).
_DASHES = re.compile(r"[-‐‑‒–—―](?<=[^\W\d_].)(?=[^\W\d_])")

# Spelling variants are folded to one form, so "fibre" and "fiber" meet.
_BRITISH = {
    "metre": "meter",
    "litre": "liter",
    "centre": "center",
    "fibre": "fiber",
    "kilometre": "kilometer",
    "harbour": "harbor",
    "colour": "color",
    "programme": "program",
    "tonne": "ton",
    "aluminium": "aluminum",
    "sulphur": "sulfur",
    "modelling": "modeling",
    "travelling": "traveling",
    "labour": "labor",
    "neighbourhood": "neighborhood",
}
_INVARIANT = frozenset({"series", "species", "news", "means", "lens", "physics", "economics"})
_IRREGULAR = {"gases": "gas", "buses": "bus", "busses": "bus"}
_L = "a-z\u00c0-\u024f"
# Only words that stem() can change (plural -s, British -ise/-yse/-isation, the spelling list):
# the others are left alone without a Python call, which makes stemming a text several times
# faster.
_STEMMABLE = re.compile(
    f"(?<![{_L}])(?:[{_L}]*(?:s|ise|yse|isation)|{'|'.join(sorted(_BRITISH))})(?![{_L}])"
)
_NO_PLURAL_ENDINGS = ("ss", "us", "is", "ys", "os", "as")
# British -ise verbs; "enterprise", "noise" and "exercise" are not among these endings.
_ISE_ENDINGS = ("imise", "ilise", "alise", "ganise", "ognise", "orise", "itise", "erise")


def normalise(text: str) -> str:
    """NFKC, case-fold, hyphens between letters to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if "-" in text or "‐" in text or "–" in text or "—" in text or "‑" in text:
        text = _DASHES.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Light, predictable English stemming: plurals and a few spelling variants.

    Deliberately conservative (no -ing/-ed stripping): a curator must be able to recognise
    the stem shown in an explanation as the word in the text.
    """
    if len(word) <= 3 or word in _INVARIANT:
        return _IRREGULAR.get(word, word)
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses") or word.endswith(("ches", "shes", "xes", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(_NO_PLURAL_ENDINGS):
        word = word[:-1]
    if "isation" in word:
        word = word.replace("isation", "ization")
    elif word.endswith(_ISE_ENDINGS):
        word = word[:-3] + "ize"
    elif word.endswith("yse"):
        word = word[:-3] + "yze"
    return _BRITISH.get(word, word)


def stem_ascii_words(text: str) -> str:
    """Replace every Latin word in normalised text by its stem (Japanese left untouched)."""
    return _STEMMABLE.sub(_stem_match, text)


def _stem_match(match: re.Match[str]) -> str:
    return stem(match.group())
