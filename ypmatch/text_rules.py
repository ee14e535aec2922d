"""What text a one-line field (a name, a title, a reference) may hold: one rule for the
web forms, the API and the importer.

A line break in a company name ends up in an email header, a CSV row or a calendar line,
where it starts something new; direction controls (right-to-left override and its kin)
make one name look like another. Neither has a place in a name.
"""

import re

# Everything Unicode or a mail header treats as the end of a line.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# Embeddings, overrides and isolates; the plain left-to-right and right-to-left marks
# (U+200E, U+200F) stay allowed.
DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# The importer's one-line cells: names, titles, references and the like are at most this
# long; longer fields are prose and may break lines.
ONE_LINE_MAX_LENGTH = 300

_LINE_BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")


def one_line_problem(text: str) -> str | None:
    """ "line break" or "direction control" when ``text`` holds one, else None."""
    if _LINE_BREAK.search(text):
        return "line break"
    if _DIRECTION_CONTROL.search(text):
        return "direction control"
    return None


def json_schema_character_class() -> str:
    """The characters a one-line string may not hold, as JSON Schema (ECMA) escapes."""
    return "".join(f"\\u{ord(char):04x}" for char in LINE_BREAKS + DIRECTION_CONTROLS)
