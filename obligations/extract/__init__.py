"""Work-plan extraction engine: file -> text/blocks -> notices -> outline -> tasks. No Django here."""

from .records import ExtractedTask, ExtractionError, ExtractionResult, Notice

__all__ = ["ExtractedTask", "ExtractionError", "ExtractionResult", "Notice", "extract_bytes", "extract_file"]


def extract_file(path, *, year=None, max_bytes=None, calendar=None) -> ExtractionResult:
    from .pipeline import extract_file as _extract_file

    return _extract_file(path, year=year, max_bytes=max_bytes, calendar=calendar)


def extract_bytes(
    data: bytes, filename: str, *, year=None, max_bytes=None, calendar=None
) -> ExtractionResult:
    from .pipeline import extract_bytes as _extract_bytes

    return _extract_bytes(data, filename, year=year, max_bytes=max_bytes, calendar=calendar)
