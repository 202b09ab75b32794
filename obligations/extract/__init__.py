"""Work-plan extraction engine: file -> text/blocks -> notices -> outline -> tasks. No Django here.

Stages and the module that does each:

* read: ``sniff`` (kind from magic bytes), ``safety`` (size limit, zip bombs), ``decode`` (text
  encodings), ``read_text`` / ``read_docx`` / ``read_xlsx`` / ``read_pdf`` -> ``blocks``
* normalise: ``normalise`` (widths, markup, PDF spaces), ``flat_tables`` (tables lost in text)
* notices: ``notices`` (table of contents, headers, 文号, signature date, attached plan)
* outline: ``labels`` (一、 （一） 1. …), ``outline`` (page-break repair, headings vs items)
* tasks: ``clauses`` (assignment clauses), ``units`` (unit names), ``deadlines`` (the deadline
  grammar), ``tables`` (task tables), ``tasks`` (items -> ``records.ExtractedTask``)
* ``pipeline`` ties them together; ``text`` holds the character-level helpers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .records import ExtractedTask, ExtractionError, ExtractionResult, Notice

if TYPE_CHECKING:
    from ..workdays import WorkdayCalendar

__all__ = ["ExtractedTask", "ExtractionError", "ExtractionResult", "Notice", "extract_bytes", "extract_file"]


def extract_file(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
) -> ExtractionResult:
    from .pipeline import extract_file as _extract_file

    return _extract_file(path, year=year, max_bytes=max_bytes, calendar=calendar)


def extract_bytes(
    data: bytes,
    filename: str,
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
) -> ExtractionResult:
    from .pipeline import extract_bytes as _extract_bytes

    return _extract_bytes(data, filename, year=year, max_bytes=max_bytes, calendar=calendar)
