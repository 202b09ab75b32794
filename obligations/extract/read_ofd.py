"""OFD (GB/T 33190) -> blocks: the text layer of each page, in reading order.

An OFD file is a zip: OFD.xml names the document root (Doc_0/Document.xml), which lists the pages
(Pages/Page_N/Content.xml). Text sits in TextObject elements (a Boundary "x y w h" in millimetres)
holding TextCode runs (X/Y offsets inside the boundary). Runs are put on lines by their baseline and
ordered left to right; lines are regrouped into paragraphs like a PDF's (read_pdf._paragraphs).
The zip's directory is checked for bombs before anything inflates, and every member read is capped.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

from .blocks import Block, Document
from .read_pdf import paragraphs
from .records import ExtractionError

MAX_PAGES = 2000
MAX_MEMBER = 50 * 1024 * 1024  # bytes of one XML member once inflated


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element.iter() if _local(child.tag) == name]


def _read(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ExtractionError(f"OFD 文件不完整（缺少 {name}），无法读取。") from None
    if info.file_size > MAX_MEMBER:
        raise ExtractionError("OFD 文件内容过大，已拒绝处理。")
    with archive.open(info) as member:
        data = member.read(MAX_MEMBER + 1)
    if len(data) > MAX_MEMBER:
        raise ExtractionError("OFD 文件内容过大，已拒绝处理。")
    try:
        return ElementTree.fromstring(data)  # noqa: S314 - stdlib parser expands no external entities
    except ElementTree.ParseError as exc:
        raise ExtractionError("OFD 文件已损坏，无法解析其内容。") from exc


def _resolve(base: str, location: str) -> str:
    location = location.strip()
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), location))


def _box(text: str | None) -> tuple[float, float, float, float]:
    parts = [float(value) for value in (text or "").split()] if text else []
    return tuple(([*parts, 0.0, 0.0, 0.0, 0.0])[:4])  # type: ignore[return-value]


def _page_lines(page: ElementTree.Element) -> list[dict]:
    """Text runs of one page as lines: dicts with x0, x1, top, bottom, text (like pdfplumber's)."""
    runs: list[tuple[float, float, float, float, str]] = []
    for text_object in _children(page, "TextObject"):
        x, y, _, height = _box(text_object.get("Boundary"))
        size = float(text_object.get("Size") or height or 3.5)
        for code in _children(text_object, "TextCode"):
            content = code.text or ""
            if not content.strip():
                continue
            left = x + float(code.get("X") or 0)
            baseline = y + float(code.get("Y") or size)
            runs.append((baseline, left, left + size * len(content), size, content))
    runs.sort(key=lambda run: (round(run[0], 1), run[1]))
    lines: list[dict] = []
    for baseline, left, right, size, content in runs:
        if lines and abs(lines[-1]["baseline"] - baseline) < size * 0.4:
            line = lines[-1]
            gap = left - line["x1"]
            line["text"] += (" " if gap > size * 0.8 and content[:1].isascii() else "") + content
            line["x1"] = max(line["x1"], right)
            continue
        lines.append(
            {
                "baseline": baseline,
                "x0": left,
                "x1": right,
                "top": baseline - size,
                "bottom": baseline,
                "text": content,
            }
        )
    return lines


def ofd_document(data: bytes) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError("OFD 文件已损坏或不完整，无法读取。") from exc
    with archive:
        names = {name.lower(): name for name in archive.namelist()}
        root = _read(archive, names.get("ofd.xml", "OFD.xml"))
        doc_roots = [element.text or "" for element in _children(root, "DocRoot")]
        if not doc_roots or not doc_roots[0].strip():
            raise ExtractionError("OFD 文件结构不完整（缺少 DocRoot），无法读取。")
        document_path = _resolve("OFD.xml", doc_roots[0])
        document = _read(archive, document_path)
        boxes = [_box(node.text)[2] for node in _children(document, "PhysicalBox")]
        width = max(boxes) if boxes else 210.0
        pages = _children(document, "Page")[:MAX_PAGES]
        blocks: list[Block] = []
        empty = 0
        for number, page in enumerate(pages, start=1):
            location = page.get("BaseLoc")
            if not location:
                continue
            content = _read(archive, _resolve(document_path, location))
            lines = _page_lines(content)
            if not lines:
                empty += 1
            for _, text in paragraphs(lines, width):
                blocks.append(Block(text=text, line=number))
    if not blocks:
        raise ExtractionError("该 OFD 文件没有文字层（可能是扫描件），请上传 Word/文本版本。")
    warnings = [f"OFD 有 {empty} 页没有文字层，这些页的内容未被提取。"] if empty else []
    return Document(blocks=blocks, kind="ofd", warnings=warnings)
