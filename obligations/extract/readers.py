"""Dispatch bytes to the reader for their kind."""

from __future__ import annotations

from .blocks import Document
from .decode import decode_text
from .read_text import text_blocks
from .safety import check_zip


def read_document(data: bytes, kind: str) -> Document:
    if kind == "pdf":
        from .read_pdf import pdf_document

        return pdf_document(data)
    if kind == "docx":
        check_zip(data)
        from .read_docx import docx_document

        return docx_document(data)
    if kind == "xlsx":
        check_zip(data)
        from .read_xlsx import xlsx_document

        return xlsx_document(data)
    return Document(blocks=text_blocks(decode_text(data)), kind="text")
