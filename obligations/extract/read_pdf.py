"""PDF with a text layer -> blocks (pdfplumber). Lines are regrouped into paragraphs by layout:
a line that stops short of the right margin ends a paragraph, an indented line starts one.
Ruled tables become table blocks. A PDF without text (a scan) is refused with a clear message."""

from __future__ import annotations

import io
import re
import statistics

import pdfplumber

from . import read_ocr
from .blocks import Block, Document
from .clauses import starts_with_key
from .labels import find_label
from .normalise import clean
from .notices import date_line, docno_line
from .progress import Progress
from .records import ExtractionError

NO_TEXT = "该 PDF 没有文本层（可能是扫描件），请先进行文字识别（OCR）或上传 Word/文本版本"
_PAGE_NUMBER = re.compile(r"^[-—－–\s]*\d{1,4}[-—－–\s]*$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")
MAX_PAGES = 2000
_CLAUSE_LINE = re.compile(
    r"^(?:牵头单位|责任单位|牵头部门|责任部门|配合单位|完成时限|完成时间|责任人)\s*[:：]"
)


def pdf_document(data: bytes, *, progress: Progress | None = None, ocr: bool = True) -> Document:
    """Text-layer pages read directly; pages without text are OCR'd (when ``ocr`` is on)."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        if "password" in str(exc).lower() or "encrypt" in type(exc).__name__.lower():
            raise ExtractionError("该 PDF 已加密，请先解除密码保护后再上传。") from exc
        raise ExtractionError("PDF 文件已损坏或不完整，无法读取。") from exc
    pages = []
    with pdf:
        for page in pdf.pages[:MAX_PAGES]:
            pages.append(_page_content(page))
    characters = sum(count for _, _, _, count in pages)
    blank = [number for number, (_, _, _, count) in enumerate(pages, start=1) if count == 0]
    warnings = []
    ocr_done: set[int] = set()
    if characters < 10 or blank:
        if ocr and (characters < 10 or read_ocr.available()):
            targets = list(range(1, len(pages) + 1)) if characters < 10 else blank
            for number, lines, width in read_ocr.ocr_pages(data, targets, progress=progress):
                pages[number - 1] = ([], lines, width, sum(len(line["text"]) for line in lines))
                ocr_done.add(number)
            if sum(count for _, _, _, count in pages) < 10:
                raise ExtractionError("扫描件经文字识别后仍没有可读的文字，请上传 Word/文本版本。")
            warnings.append(
                f"第 {_pages(sorted(ocr_done))} 页为扫描页，内容经文字识别（OCR）得到，请对照原件核对。"
            )
        elif characters < 10:
            raise ExtractionError(NO_TEXT)
        else:
            listed = "、".join(str(number) for number in blank)
            warnings.append(f"PDF 第 {listed} 页没有文本层（可能是扫描页），这些页的内容未被提取。")
    running = _running_lines([lines for _, lines, _, _ in pages])
    blocks: list[Block] = []
    for number, (tables, lines, width, _) in enumerate(pages, start=1):
        if running and lines:
            edges = {id(lines[0]), id(lines[-1])}
            lines = [line for line in lines if not (id(line) in edges and _shape(line["text"]) in running)]
        items: list[tuple[float, Block]] = [(bbox[1], Block(rows=rows, line=number)) for bbox, rows in tables]
        for top, text in paragraphs(lines, width):
            items.append((top, Block(text=text, line=number)))
        items.sort(key=lambda item: item[0])
        blocks.extend(block for _, block in items)
    return Document(blocks=blocks, kind="pdf", warnings=warnings, ocr_pages=ocr_done)


def _pages(numbers: list[int]) -> str:
    return "、".join(str(number) for number in numbers)


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _running_lines(pages: list[list[dict]]) -> set[str]:
    """Page headers and footers: the same first or last line on many pages ("XX市人民政府公报")."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        for shape in {_shape(lines[0]["text"]), _shape(lines[-1]["text"])} if lines else set():
            counts[shape] = counts.get(shape, 0) + 1
    threshold = max(3, int(0.4 * len(pages)))
    return {shape for shape, count in counts.items() if count >= threshold}


def _page_content(page: object) -> tuple[list, list[dict], float, int]:
    tables = []
    try:
        found = page.find_tables()  # type: ignore[attr-defined]
    except Exception:  # a malformed drawing must not cost the text
        found = []
    for table in found:
        rows = [[cell or "" for cell in row] for row in table.extract()]
        if rows and max(len(row) for row in rows) >= 2:
            tables.append((table.bbox, rows))
    lines = [
        line
        for line in page.extract_text_lines(return_chars=False)  # type: ignore[attr-defined]
        if line["text"].strip() and not _in_any(line, [bbox for bbox, _ in tables])
    ]
    count = sum(len(line["text"].strip()) for line in lines) + sum(
        len("".join(map(str, r))) for _, t in tables for r in t
    )
    return tables, lines, float(page.width), count  # type: ignore[attr-defined]


def _in_any(line: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    middle_x = (line["x0"] + line["x1"]) / 2
    middle_y = (line["top"] + line["bottom"]) / 2
    return any(x0 <= middle_x <= x1 and top <= middle_y <= bottom for x0, top, x1, bottom in boxes)


def paragraphs(lines: list[dict], width: float) -> list[tuple[float, str]]:
    """Join visual lines into paragraphs using the page's margins and character width."""
    lines = [line for line in lines if not _PAGE_NUMBER.match(line["text"].strip())]
    if not lines:
        return []
    widths = [(line["x1"] - line["x0"]) / max(1, len(line["text"])) for line in lines]
    char = statistics.median(widths) or 10.0
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    heights = [line["bottom"] - line["top"] for line in lines]
    height = statistics.median(heights) or 12.0
    out: list[tuple[float, str]] = []
    previous: dict | None = None
    for line in lines:
        text = line["text"].strip()
        if previous is None or _starts_paragraph(previous, line, left, right, char, height):
            out.append((line["top"], text))
        else:
            joiner = " " if out[-1][1][-1:].isascii() and text[:1].isascii() else ""
            out[-1] = (out[-1][0], out[-1][1] + joiner + text)
        previous = line
    return out


def _centred(line: dict, left: float, right: float, char: float) -> bool:
    before, after = line["x0"] - left, right - line["x1"]
    return before > 2 * char and after > 2 * char and abs(before - after) < 3 * char


def _starts_paragraph(
    previous: dict, line: dict, left: float, right: float, char: float, height: float
) -> bool:
    if line["top"] - previous["bottom"] > 1.2 * height:
        return True  # a blank line between
    text = clean(line["text"])
    if find_label(text) or starts_with_key(text):
        return True  # "三、…", "（一）…", "责任单位：…" start their own paragraph
    if _centred(previous, left, right, char) and _centred(line, left, right, char):
        wide = previous["x1"] - previous["x0"] > 0.6 * (right - left)
        if wide and not (docno_line(clean(line["text"])) or date_line(clean(line["text"]))):
            return False  # a long title set over two centred lines
    # The line before stopped short (its paragraph ended), or this one is indented (a first line).
    return previous["x1"] < right - 1.5 * char or line["x0"] > left + 1.5 * char
