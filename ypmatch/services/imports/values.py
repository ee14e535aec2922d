"""Cell values: codes looked up by code or name in either language, with suggestions.

A curator types "港北区", "Kohoku" or "kohoku-ku"; a sector as its code, its English or
its Japanese name. Exact matches (after folding width, case and spacing) are accepted;
anything else is an error that names the closest known values.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _

LIST_SEPARATORS = re.compile(r"[;,、，；\n]+")
_SPACING = re.compile(r"[\s_\-‐－]+")
_NAME_PARTS = re.compile(r"\s*(?:・|/|／|、|,| and | or )\s*")
# Legal forms dropped when company names are compared.
_CORPORATE_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|\(株\)|\(有\)|\(同\)"
    r"|\bco\s*\.?\s*,?\s*ltd\b\.?|\bcorporation\b|\bcorp\b\.?|\binc\b\.?|\bltd\b\.?"
    r"|\blimited\b|\bk\s*\.?\s*k\b\.?|\bllc\b|\bco\b\.?"
)
_NAME_PUNCTUATION = re.compile(r"[\s.,・･'\"“”‘’()\[\]「」&＆\-‐–—/]+")


def fold(text: str) -> str:
    """Width, case and spacing folded: the form in which codes and names are compared."""
    return _SPACING.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def normalise_name(name: str) -> str:
    """A company name as matched: "Kohoku Aqua Co., Ltd." and "KOHOKU AQUA" are one;
    so are "港北アクア株式会社" and "㈱港北アクア"."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = _CORPORATE_FORMS.sub(" ", folded)
    return _NAME_PUNCTUATION.sub("", folded)


def normalise_title(title: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def split_list(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


class InvalidValue(ValueError):
    """A cell value that cannot be used; the message is for the person importing."""


@dataclass(frozen=True)
class Term:
    code: str
    name_en: str
    name_ja: str
    aliases: tuple[str, ...] = ()


class Vocabulary:
    """Known values of one kind (sectors, cities, wards …) and how to find them."""

    def __init__(self, noun: str, terms: Iterable[Term]):
        self.noun = noun
        self.terms = {term.code: term for term in terms}
        self._exact: dict[str, str] = {}
        self._suggest: dict[str, str] = {}
        for term in self.terms.values():
            for name in (term.code, term.name_en, term.name_ja, *term.aliases):
                if name:
                    self._exact.setdefault(fold(name), term.code)
                    self._suggest.setdefault(fold(name), term.code)
                    # Parts of names ("下水道" of "下水道・汚泥処理") only suggest.
                    for part in _NAME_PARTS.split(fold(name)):
                        if len(part) > 1:
                            self._suggest.setdefault(part, term.code)

    def __contains__(self, code: str) -> bool:
        return code in self.terms

    def resolve(self, text: str) -> str:
        code = self._exact.get(fold(text))
        if code is None:
            raise InvalidValue(self.unknown_message(text))
        return code

    def resolve_list(self, text: str) -> list[str]:
        codes, unknown = [], []
        for part in split_list(text):
            try:
                code = self.resolve(part)
            except InvalidValue as error:
                unknown.append(str(error))
                continue
            if code not in codes:
                codes.append(code)
        if unknown:
            raise InvalidValue("; ".join(unknown))
        return sorted(codes)

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        key = fold(text)
        found: list[str] = []
        for name, code in self._suggest.items():
            # One inside the other, and not a mere fragment ("es" in "philipines").
            shorter, longer = sorted((key, name), key=len)
            fragment = len(shorter) < max(2, 0.4 * len(longer))
            if shorter in longer and not fragment and code not in found:
                found.append(code)
        for name in difflib.get_close_matches(key, list(self._suggest), n=limit, cutoff=0.6):
            code = self._suggest[name]
            if code not in found:
                found.append(code)
        return found[:limit]

    def describe(self, code: str, japanese: bool) -> str:
        """The code, and its name in the language typed (or the other one when that name
        only repeats the code)."""
        term = self.terms[code]
        names = (term.name_ja, term.name_en) if japanese else (term.name_en, term.name_ja)
        name = next((n for n in names if n and fold(n) != fold(code)), "")
        return f"'{code}' ({name})" if name else f"'{code}'"

    def unknown_message(self, text: str) -> str:
        japanese = any(ord(char) > 0x2E7F for char in text)
        suggested = [self.describe(code, japanese) for code in self.suggestions(text)]
        if suggested:
            return _(
                "unknown %(noun)s '%(value)s'; did you mean %(suggestions)s?",
                noun=self.noun,
                value=text,
                suggestions=_(" or ").join(suggested),
            )
        return _(
            "unknown %(noun)s '%(value)s'; known values: %(known)s",
            noun=self.noun,
            value=text,
            known=", ".join(list(self.terms)[:12]) + (" …" if len(self.terms) > 12 else ""),
        )


def vocabulary_from_labels(
    noun: str, mapping: dict, aliases: dict[str, tuple[str, ...]] | None = None
) -> Vocabulary:
    """A vocabulary of stored codes whose names are their display labels in both languages."""
    with force_locale("en"):
        english = {code: str(label) for code, label in mapping.items()}
    with force_locale("ja"):
        japanese = {code: str(label) for code, label in mapping.items()}
    return Vocabulary(
        noun,
        (
            Term(code, english[code], japanese[code], (aliases or {}).get(code, ()))
            for code in mapping
        ),
    )


# Babel's territories that are regions or groupings, not countries.
NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "ZZ"}


def country_vocabulary(noun: str, labelled: dict) -> Vocabulary:
    """Every ISO 3166 alpha-2 country, named in English and Japanese (CLDR data via Babel);
    the app's own country labels are accepted as names too."""
    from babel import Locale

    english, japanese = Locale("en").territories, Locale("ja").territories
    with force_locale("en"):
        own_en = {code: str(label) for code, label in labelled.items()}
    with force_locale("ja"):
        own_ja = {code: str(label) for code, label in labelled.items()}
    return Vocabulary(
        noun,
        (
            Term(
                code,
                english[code],
                japanese.get(code, ""),
                tuple(name for name in (own_en.get(code), own_ja.get(code)) if name),
            )
            for code in sorted(english)
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
        ),
    )


YES = {"yes", "y", "true", "1", "はい", "○", "〇", "有", "あり"}
NO = {"no", "n", "false", "0", "いいえ", "×", "無", "なし"}


def parse_bool(text: str) -> bool:
    folded = fold(text)
    if not folded or folded in NO:
        return False
    if folded in YES:
        return True
    raise InvalidValue(_("'%(value)s' is not yes or no", value=text))


def parse_date(text: str) -> date | None:
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = re.sub(r"[年月/.]", "-", cleaned).rstrip("日")
    try:
        return datetime.strptime(cleaned, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidValue(
            _("'%(value)s' is not a date; write it as YYYY-MM-DD", value=text)
        ) from None
