"""Scanned PDF pages -> text lines, by Tesseract's simplified-Chinese model.

Pages are rendered with pypdfium2 and handed to the ``tesseract`` program (Debian's tesseract-ocr
with tesseract-ocr-chi-sim) one at a time, with a time limit per page; its TSV output gives each
line's box, so the lines regroup into paragraphs exactly like a text PDF's. Every task read from an
OCR'd page is flagged for review with its page (pipeline.py).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Iterator

from .clauses import KEYS as CLAUSE_KEYS
from .progress import OCR, Progress, report
from .records import ExtractionError
from .subprocesses import TimedOut, run

OCR_DPI = int(os.environ.get("TRACKER_OCR_DPI", "200"))
OCR_PAGE_TIMEOUT = float(os.environ.get("TRACKER_OCR_PAGE_TIMEOUT", "120"))
OCR_MAX_PAGES = int(os.environ.get("TRACKER_OCR_MAX_PAGES", "300"))
LANGUAGE = "chi_sim"
MISSING = "该 PDF 没有文本层（可能是扫描件），本机未安装文字识别组件（tesseract-ocr、tesseract-ocr-chi-sim），请上传 Word/文本版本"


def tesseract() -> str | None:
    return shutil.which("tesseract")


def available() -> bool:
    """Tesseract with the simplified-Chinese model is installed."""
    program = tesseract()
    if program is None:
        return False
    try:
        listed = run([program, "--list-langs"], timeout=30)
    except (TimedOut, ExtractionError):
        return False
    return LANGUAGE in (listed.stdout + listed.stderr).decode("utf-8", "replace").split()


# Tesseract reads a full-width colon after a clause key as a semicolon ("牵头单位;市大数据局").
_KEY_SEMICOLON = re.compile(
    "("
    + "|".join(r"\s*".join(map(re.escape, key)) for key in sorted(CLAUSE_KEYS, key=len, reverse=True))
    + r")\s*[;；]"
)


def repair_ocr_text(text: str) -> str:
    """Undo the OCR confusions that change meaning for the later stages."""
    return _KEY_SEMICOLON.sub(r"\1：", text)


def _lines(tsv: str) -> list[dict]:
    """Word rows of Tesseract's TSV grouped into lines with boxes (x0, x1, top, bottom, text)."""
    lines: dict[tuple[str, str, str], dict] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        left, top = int(row["left"]), int(row["top"])
        right, bottom = left + int(row["width"]), top + int(row["height"])
        line = lines.get(key)
        if line is None:
            lines[key] = {
                "x0": left,
                "x1": right,
                "top": top,
                "bottom": bottom,
                "words": [row["text"].strip()],
            }
            continue
        line["x0"], line["x1"] = min(line["x0"], left), max(line["x1"], right)
        line["top"], line["bottom"] = min(line["top"], top), max(line["bottom"], bottom)
        line["words"].append(row["text"].strip())
    ordered = sorted(lines.values(), key=lambda line: (line["top"], line["x0"]))
    for line in ordered:
        line["text"] = repair_ocr_text(" ".join(line.pop("words")))
    return ordered


def ocr_pages(
    data: bytes, pages: list[int], *, progress: Progress | None = None
) -> Iterator[tuple[int, list[dict], float]]:
    """(page number, lines, page width in pixels) for each 1-based page asked for."""
    program = tesseract()
    if program is None or not available():
        raise ExtractionError(MISSING)
    if len(pages) > OCR_MAX_PAGES:
        raise ExtractionError(f"扫描件页数过多（{len(pages)} 页），文字识别上限为 {OCR_MAX_PAGES} 页。")
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ExtractionError("PDF 文件已损坏或已加密，无法进行文字识别。") from exc
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        for done, number in enumerate(pages):
            report(progress, OCR, done, len(pages))
            page = document[number - 1]
            try:
                image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            finally:
                page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            try:
                completed = run(
                    [program, "stdin", "stdout", "-l", LANGUAGE, "--psm", "4", "tsv"],
                    stdin=buffer.getvalue(),
                    timeout=OCR_PAGE_TIMEOUT,
                    env=env,
                    check_cancel=lambda done=done: report(progress, OCR, done, len(pages)),
                    missing=MISSING,
                )
            except TimedOut:
                raise ExtractionError(f"第 {number} 页文字识别超时，扫描件可能过于复杂。") from None
            if completed.returncode != 0:
                raise ExtractionError(f"第 {number} 页文字识别失败，扫描件可能已损坏。")
            yield number, _lines(completed.stdout.decode("utf-8", "replace")), float(image.width)
        report(progress, OCR, len(pages), len(pages))
    finally:
        document.close()
