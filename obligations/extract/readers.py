"""Dispatch bytes to the reader for their kind."""

from __future__ import annotations

from .blocks import Document
from .decode import decode_text
from .progress import CONVERTING, Progress, report
from .read_text import text_blocks
from .records import ExtractionError
from .safety import check_zip


def read_document(
    data: bytes,
    kind: str,
    *,
    progress: Progress | None = None,
    ocr: bool = True,
) -> Document:
    def check_cancel() -> None:
        report(progress, CONVERTING, 0, 1)

    if kind == "pdf":
        from .read_pdf import pdf_document

        return pdf_document(data, progress=progress, ocr=ocr)
    if kind in ("doc", "xls"):
        from .convert import convert_legacy

        report(progress, CONVERTING, 0, 1)
        converted = convert_legacy(data, kind, check_cancel=check_cancel)
        report(progress, CONVERTING, 1, 1)
        document = read_document(converted, "docx" if kind == "doc" else "xlsx")
        if not any(
            block.text.strip() or any(any(map(str, row)) for row in block.rows or [])
            for block in document.blocks
        ):
            raise ExtractionError("旧版 Office 文件转换后没有任何内容，文件可能已损坏。")
        return document
    if kind == "docx":
        check_zip(data)
        from .read_docx import docx_document

        return docx_document(data)
    if kind == "xlsx":
        check_zip(data)
        from .read_xlsx import xlsx_document

        return xlsx_document(data)
    if kind == "ofd":
        check_zip(data)
        from .read_ofd import ofd_document

        return ofd_document(data)
    if kind in ("html", "mhtml"):
        from .read_html import html_document, mhtml_document

        return html_document(data) if kind == "html" else mhtml_document(data)
    return Document(blocks=text_blocks(decode_text(data)), kind="text")
