"""What kind of file this is, from its first bytes (the extension is only a tie-breaker).

``sniff`` is the one place that recognises a file's kind by its content; the extraction uses it
through ``detect_kind`` (what it can read, or a clear refusal), and the web's upload check
(obligations.filetypes) compares it with the kind the file's extension promises.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from .records import ExtractionError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
)
# The member a zip package must contain to be that kind of document, in the order they are tried.
_ZIP_MARKERS = (
    ("docx", "word/document.xml"),
    ("xlsx", "xl/workbook.xml"),
    ("pptx", "ppt/presentation.xml"),
    ("ofd", "OFD.xml"),
    ("odf", "content.xml"),
)
_EXECUTABLES = (b"\x7fELF", b"MZ")


def sniff(head: bytes, members: Callable[[], set[str] | None]) -> str:
    """The kind of a file from its first bytes, and for a zip the names ``members()`` returns
    (None when the archive cannot be read).

    One of: pdf, docx, xlsx, pptx, ofd, odf, zip (another archive), broken-zip, ole (a legacy Office
    file), rtf, png, jpeg, gif, tiff, bmp, webp, empty (only white space), text, or binary.
    """
    if not head.strip():
        return "empty"
    # Readers accept a PDF header anywhere in the first kilobyte.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_SIGNATURES):
        names = members()
        if names is None:
            return "broken-zip"
        for kind, marker in _ZIP_MARKERS:
            if marker in names:
                return kind
        if any(name.startswith("ppt/") for name in names):
            return "pptx"
        return "zip"
    if head.startswith(OLE2):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(_EXECUTABLES):
        return "binary"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"  # or UTF-16 without a BOM, which the importer cannot read either
    return "text"


def zip_names(data: bytes) -> set[str] | None:
    """The member names of a zip archive (only its central directory is read), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


_IMAGE_KINDS = {"png", "jpeg", "gif", "tiff", "bmp", "webp"}


def detect_kind(data: bytes, filename: str = "") -> str:
    """Return "pdf", "docx", "xlsx" or "text"; raise ExtractionError for what we cannot read."""
    if not data.strip():
        raise ExtractionError("文件为空，没有可提取的内容。")
    kind = sniff(data[:1024], lambda: zip_names(data))
    if kind in ("pdf", "docx", "xlsx"):
        return kind
    if kind == "broken-zip":
        label = _by_extension(filename) or "Office"
        raise ExtractionError(f"文件已损坏或不完整，无法作为 {label} 文件读取。")
    if kind == "pptx":
        raise ExtractionError("演示文稿（.pptx）暂不支持，请上传 Word、Excel、PDF 或文本文件。")
    if kind == "odf":
        raise ExtractionError("OpenDocument 文件（.odt/.ods）暂不支持，请另存为 .docx 或 .xlsx 后再上传。")
    if kind in ("zip", "ofd"):
        raise ExtractionError("这是一个压缩包，不是可识别的 Word/Excel 文件，请解压后上传其中的文件。")
    if kind == "ole":
        raise ExtractionError("旧版 Office 文件（.doc/.xls）暂不支持，请另存为 .docx 或 .xlsx 后再上传。")
    if kind == "rtf":
        raise ExtractionError("RTF 文件暂不支持，请另存为 .docx 或纯文本后再上传。")
    if kind in _IMAGE_KINDS:
        raise ExtractionError("这是图片文件，请先进行文字识别（OCR）或上传 Word/文本版本。")
    # Text, and anything else: decoding says clearly when it is not readable text.
    return "text"


def _by_extension(filename: str) -> str | None:
    lowered = filename.lower()
    for extension in (".docx", ".xlsx", ".pdf"):
        if lowered.endswith(extension):
            return extension
    return None
