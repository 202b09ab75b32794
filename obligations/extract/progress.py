"""Progress reporting and cancellation for slow readers (OCR, conversion), for a background job.

A caller passes ``progress(stage, done, total)``; readers call it as they go ("ocr", 3, 12). To
cancel, the callback raises ``ExtractionCancelled``; the engine lets that exception through
unchanged, after cleaning up (temporary files, child processes).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]

# Stage names a progress callback receives.
READING = "read"
CONVERTING = "convert"
OCR = "ocr"
EXTRACTING = "extract"


def no_progress(stage: str, done: int, total: int) -> None:
    """The default callback: says nothing, never cancels."""


def report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
