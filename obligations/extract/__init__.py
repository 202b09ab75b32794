"""Work-plan extraction engine: file -> text/blocks -> notices -> outline -> tasks. No Django here."""

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
