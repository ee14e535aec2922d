"""The Japanese catalog is complete, compiled, and covers every string in the code.

To fix a failure here: ``make translations-extract``, translate the new or fuzzy
entries in ypmatch/translations/ja/LC_MESSAGES/messages.po, ``make translations-compile``,
and commit the .pot, .po and .mo together.
"""

import gettext
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
PO_PATH = ROOT / "ypmatch" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_DIRS = ("ypmatch", "templates")
# Babel's defaults (_, gettext, ngettext, ...) plus Flask-Babel's lazy functions;
# babel.cfg lists the same, this keeps the test right should it be trimmed.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
# A printf-style conversion: a named placeholder such as %(name)s or %(num)d, or %%.
CONVERSION = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")

FIX = "run `make translations-extract`, translate, then `make translations-compile`"


@pytest.fixture(scope="module")
def catalog():
    with PO_PATH.open("rb") as po:
        return read_po(po, locale="ja")


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in CONVERSION.finditer(text) if m.group(1))


def _formats(text: str, names: set[str]) -> bool:
    """Whether ``text % {...}`` works, as Jinja's new-style gettext always applies it."""
    try:
        text % dict.fromkeys(names, 1)
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _describe(message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
    return f"{_forms(message.id)[0]!r} ({where or 'no location'})"


@pytest.mark.no_db
def test_every_message_has_a_japanese_translation(catalog):
    assert catalog.num_plurals == 1, catalog.plural_forms
    problems = []
    for message in catalog:
        if not message.id:
            continue  # the header
        ids = _forms(message.id)
        strings = _forms(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {_describe(message)}")
        if len(strings) != (catalog.num_plurals if message.pluralizable else 1) or not all(
            s and s.strip() for s in strings
        ):
            problems.append(f"untranslated: {_describe(message)}")
            continue
        wanted = sorted(set().union(*(_placeholders(i) for i in ids)))
        names = {name for i in ids for name in CONVERSION.findall(i) if name}
        for string in strings:
            if sorted(set(_placeholders(string))) != wanted:
                problems.append(
                    f"placeholders {sorted(set(_placeholders(string)))} != {wanted}: "
                    f"{_describe(message)} -> {string!r}"
                )
            elif _formats(ids[0], names) and not _formats(string, names):
                problems.append(f"stray '%' (write '%%'): {_describe(message)} -> {string!r}")
    assert not problems, f"{PO_PATH.relative_to(ROOT)}: " + "\n  ".join(["", *problems])


def _entries(translations: gettext.GNUTranslations) -> set[tuple]:
    # GNUTranslations offers no public way to list its messages; _catalog has been
    # its storage since Python 2. The "" key is the header, compared separately.
    return {(key, value) for key, value in translations._catalog.items() if key != ""}


@pytest.mark.no_db
def test_compiled_catalog_matches_the_po_file(catalog):
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(ROOT)} is missing: {FIX}"
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)
    with MO_PATH.open("rb") as mo:
        committed = gettext.GNUTranslations(mo)

    stale = sorted(map(repr, _entries(committed) - _entries(expected)))
    missing = sorted(map(repr, _entries(expected) - _entries(committed)))
    assert not (stale or missing), (
        f"{MO_PATH.relative_to(ROOT)} is out of date with the .po file: {FIX}"
        + "".join(f"\n  only in .po: {entry}" for entry in missing)
        + "".join(f"\n  only in .mo: {entry}" for entry in stale)
    )
    assert committed.info().get("plural-forms") == expected.info().get("plural-forms")


def _only_source_dirs(dirpath: str) -> bool:
    parts = Path(dirpath).relative_to(ROOT).parts
    return parts[0] in SOURCE_DIRS and not any(p.startswith((".", "_")) for p in parts)


@pytest.mark.no_db
def test_every_string_in_the_code_is_in_the_catalog(catalog):
    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(BABEL_CFG))
    extracted = extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=_only_source_dirs,
    )
    seen = set()
    missing = []
    for filename, lineno, message, _comments, context in extracted:
        ids = _forms(message)
        seen.add(filename.split("/")[0])
        known = catalog.get(ids[0], context=context)
        if known is None or _forms(known.id) != ids:
            missing.append(f"{filename}:{lineno}: {' / '.join(map(repr, ids))}")
    assert seen == set(SOURCE_DIRS), f"nothing extracted from {set(SOURCE_DIRS) - seen}"
    assert not missing, (
        f"{len(missing)} message(s) in the code are not in {PO_PATH.relative_to(ROOT)} "
        f"({FIX}):\n  " + "\n  ".join(missing)
    )
