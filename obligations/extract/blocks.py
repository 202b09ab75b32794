"""What the readers hand on: a flat list of paragraphs and tables in document order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Block:
    """A paragraph (``text``) or a table (``rows``), with where it came from."""

    text: str = ""
    rows: list[list[object]] | None = None  # cells: str, or date/datetime from a spreadsheet
    heading: int = 0  # markdown '#' count or Word heading level; 0 = body text
    line: int = 0  # 1-based line (text), paragraph (docx) or page (pdf) for messages
    sheet: str | None = None  # spreadsheet sheet name
    bold: list[str] = field(default_factory=list)  # bold runs (Word), for "黑体字为牵头单位"

    @property
    def is_table(self) -> bool:
        return self.rows is not None


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    kind: str = "text"  # text | docx | pdf | xlsx | ofd | html
    warnings: list[str] = field(default_factory=list)
    ocr_pages: set[int] = field(default_factory=set)  # pages read by OCR (their tasks need review)


def cell_text(value: object) -> str:
    """A table cell as text (dates as ISO), whitespace kept for the stages that repair it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
