"""Quantities with units, in Japanese and English: ``5,000 m³/日`` and ``5000 m3/day`` both become
the term ``m3/day`` (on normalised text: NFKC has made ``m³`` into ``m3``)."""

import re

# A number followed by a unit becomes one unit token; the number itself is dropped.
UNITS: dict[str, tuple[str, ...]] = {
    "m3/day": (
        r"m3\s?/\s?(?:day|d|日)",
        r"m3\s+per\s+day",
        r"cubic\s+met(?:er|re)s?\s+per\s+day",
        r"立方メートル\s?/\s?日",
        r"m3\s?日",
        r"mld",
        r"ml\s?/\s?d(?:ay)?",
        r"million\s+lit(?:er|re)s\s+per\s+day",
    ),
    "m3/h": (r"m3\s?/\s?(?:hr|h|時間?)", r"m3\s+per\s+hour"),
    "m3/s": (r"m3\s?/\s?(?:sec|s|秒)", r"m3\s+per\s+second"),
    "l/s": (r"l\s?/\s?(?:sec|s|秒)", r"lps", r"lit(?:er|re)s\s+per\s+second", r"リットル\s?/\s?秒"),
    "t/day": (
        r"t\s?/\s?(?:day|d|日)",
        r"tpd",
        r"(?:metric\s+)?ton(?:ne)?s?\s+(?:per|a)\s+day",
        r"トン\s?/\s?日",
    ),
    "t/year": (
        r"t\s?/\s?(?:year|yr|y|年)",
        r"tpa",
        r"(?:metric\s+)?ton(?:ne)?s?\s+(?:per|a)\s+year",
        r"トン\s?/\s?年",
    ),
    "tco2": (r"t\s?[- ]?co2e?", r"ton(?:ne)?s?\s+(?:of\s+)?co2e?", r"トン\s?[- ]?co2"),
    "gwh": (r"gwh", r"ギガワット時"),
    "mwh": (r"mwh", r"メガワット時"),
    "kwh": (r"kwh", r"キロワット時"),
    "gw": (r"gwp?", r"ギガワット"),
    "mw": (r"mwp?", r"mwe", r"メガワット"),
    "kw": (r"kwp?", r"キロワット"),
    "km2": (r"km2", r"平方キロメートル", r"square\s+kilomet(?:er|re)s?"),
    "km": (r"km", r"キロメートル", r"kilomet(?:er|re)s?"),
    "ha": (r"ha", r"hectares?", r"ヘクタール"),
    "mg/l": (r"mg\s?/\s?l", r"ppm"),
}
UNIT_PATTERN = re.compile(
    # A digit first (so the engine skips ahead to digits), then: nothing number-like before it.
    r"\d(?<![a-z0-9.]\d)\d*(?:[.,]\d+)*\s?(?:万|千|百|million|thousand)?\s?(?:"
    + "|".join(f"(?P<u{i}>{'|'.join(forms)})" for i, forms in enumerate(UNITS.values()))
    + r")(?![a-z0-9])"
)
UNIT_NAMES = {f"u{i}": name for i, name in enumerate(UNITS)}
