"""Text as it may go into a spreadsheet cell: never a formula, never an illegal character.

Task text comes from published documents and from users, so a cell must not turn into a formula
(CSV/formula injection, OWASP): text starting with = + - @, a tab or a carriage return gets a
leading single quote, and is always written as a string (data type "s"), never as a formula.
The full-width forms (＝＋－＠) are quoted too: some spreadsheet input methods convert them.
"""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (openpyxl refuses them); PDF extraction leaves form feeds and such.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32_767


def safe_text(value: str) -> str:
    """Make user text safe and valid for a string cell."""
    if not value:
        return ""
    quote = value.startswith(FORMULA_TRIGGERS)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if quote:
        value = "'" + value
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value
