"""Work-plan extraction engine: file -> text/blocks -> notices -> outline -> tasks. No Django here.

Stages and the module that does each:

* read: ``sniff`` (kind from magic bytes), ``safety`` (size limit, zip bombs), ``decode`` (text
  encodings), ``read_text`` / ``read_docx`` / ``read_xlsx`` / ``read_pdf`` (+ ``read_ocr`` for scans)
  / ``read_ofd`` / ``read_html`` (.html, .mhtml) -> ``blocks``; ``convert`` turns .doc/.wps/.xls/.et
  into .docx/.xlsx with LibreOffice (``subprocesses``: time limits, process groups); ``progress``
  (callback and cancellation for a background job)
* normalise: ``normalise`` (widths, markup, PDF spaces), ``chrome`` (web-page chrome),
  ``cell_lines`` (tables one cell per line), ``flat_tables`` (tables one row per line)
* notices: ``notices`` (table of contents, headers, 文号, signature date, attached plan)
* outline: ``labels`` (一、 （一） 1. …), ``outline`` (page-break repair, headings vs items)
* tasks: ``clauses`` (assignment clauses), ``units`` (unit names), ``deadlines`` (the deadline
  grammar; ``festivals`` dates 春节/国庆节…), ``tables`` (task tables), ``tasks`` (items -> ``records.ExtractedTask``)
* ``pipeline`` ties them together; ``text`` holds the character-level helpers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .progress import Progress
from .records import ExtractedTask, ExtractionCancelled, ExtractionError, ExtractionResult, Notice

if TYPE_CHECKING:
    from ..workdays import WorkdayCalendar

__all__ = [
    "ExtractedTask",
    "ExtractionCancelled",
    "ExtractionError",
    "ExtractionResult",
    "Notice",
    "Progress",
    "extract_bytes",
    "extract_file",
]


def extract_file(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ExtractionResult:
    """Extract a plan file. ``progress(stage, done, total)`` hears about slow stages (conversion,
    OCR page n of m) and may raise ExtractionCancelled to stop; ``ocr=False`` refuses scans."""
    from .pipeline import extract_file as _extract_file

    return _extract_file(path, year=year, max_bytes=max_bytes, calendar=calendar, progress=progress, ocr=ocr)


def extract_bytes(
    data: bytes,
    filename: str,
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ExtractionResult:
    from .pipeline import extract_bytes as _extract_bytes

    return _extract_bytes(
        data, filename, year=year, max_bytes=max_bytes, calendar=calendar, progress=progress, ocr=ocr
    )
