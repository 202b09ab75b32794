"""What kind of file this is, from its bytes (the extension is only a tie-breaker).

``sniff`` is the one place that recognises a file's kind by its content: the extraction uses it
through ``detect_kind`` (what it can read, or a clear refusal), and the web's upload check
(obligations.filetypes) compares it with the kind the file's extension promises. It reads a
``Source``: bytes in memory (the engine) or an uploaded file's stream, read in pieces.
"""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO, Protocol

from .records import ExtractionError

HEAD = 8192
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
IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "tiff", "bmp", "webp"})
# Everything a compound (OLE2) file can be named as; a .doc/.xls/.ppt upload only promises one.
OLE_KINDS = frozenset({"doc", "xls", "ppt", "encrypted", "ole", "broken-ole"})


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


# Stream names in an OLE2 compound file's directory (UTF-16LE) that say what the file is.
_OLE_STREAMS = (
    (_utf16("EncryptedPackage"), "encrypted"),
    (_utf16("WordDocument"), "doc"),
    (_utf16("Workbook"), "xls"),
    (_utf16("Book"), "xls"),
    (_utf16("PowerPoint Document"), "ppt"),
)
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<!--", b"<div", b"<p")
_MIME_START = (b"mime-version:", b"from:", b"subject:", b"date:", b"content-type:")
_EXECUTABLES = (b"\x7fELF", b"MZ")


class Source(Protocol):
    """A file as sniff reads it."""

    def head(self) -> bytes: ...  # the first HEAD bytes

    def size(self) -> int: ...

    def zip_names(self) -> set[str] | None: ...  # a zip's member names; None when unreadable

    def has_directory_entry(self, name: bytes) -> bool: ...  # an OLE2 directory entry of that name


class BytesSource:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def head(self) -> bytes:
        return self.data[:HEAD]

    def size(self) -> int:
        return len(self.data)

    def zip_names(self) -> set[str] | None:
        return _zip_names(io.BytesIO(self.data))

    def has_directory_entry(self, name: bytes) -> bool:
        position = self.data.find(name, 512)
        while position != -1:
            if position % 128 == 0:
                return True
            position = self.data.find(name, position + 1)
        return False


class StreamSource:
    """An uploaded file: read from its start in pieces, and left at its start again."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def head(self) -> bytes:
        self.stream.seek(0)
        head = self.stream.read(HEAD)
        self.stream.seek(0)
        return head

    def size(self) -> int:
        end = self.stream.seek(0, io.SEEK_END)
        self.stream.seek(0)
        return end

    def zip_names(self) -> set[str] | None:
        try:
            return _zip_names(self.stream)
        finally:
            self.stream.seek(0)

    def has_directory_entry(self, name: bytes) -> bool:
        # Entries are 128-byte aligned and the pieces a multiple of 128, so no entry spans two.
        self.stream.seek(0)
        try:
            offset = 0
            while chunk := self.stream.read(1 << 20):
                position = chunk.find(name)
                while position != -1:
                    if offset + position >= 512 and (offset + position) % 128 == 0:
                        return True
                    position = chunk.find(name, position + 1)
                offset += len(chunk)
            return False
        finally:
            self.stream.seek(0)


def _zip_names(stream: BinaryIO) -> set[str] | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            # Only the central directory is read: no member is decompressed here.
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def sniff(source: Source) -> str:
    """The kind of a file: pdf, docx, xlsx, pptx, ofd, odf, zip (another archive), broken-zip, doc,
    xls, ppt, encrypted (an encrypted Office file), ole (another compound file), broken-ole, html,
    mhtml, rtf, png, jpeg, gif, tiff, bmp, webp, empty (only white space), text, or binary."""
    head = source.head()
    if not head.strip():
        return "empty"
    # Readers accept a PDF header anywhere in the first kilobyte.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_SIGNATURES):
        return _zip_kind(source.zip_names())
    if head.startswith(OLE2):
        return _ole_kind(source, head)
    markup = _markup_kind(head)
    if markup:
        return markup
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


def _zip_kind(names: set[str] | None) -> str:
    if names is None:
        return "broken-zip"
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(name.startswith("ppt/") for name in names):
        return "pptx"
    if "content.xml" in names:
        return "odf"
    return "zip"


def _ole_kind(source: Source, head: bytes) -> str:
    # A compound file's header: byte order mark at 28, sector size 2**9 or 2**12 at 30.
    if source.size() < 1536 or head[28:30] != b"\xfe\xff" or head[30] not in (9, 12):
        return "broken-ole"
    found = {kind for marker, kind in _OLE_STREAMS if source.has_directory_entry(marker)}
    for kind in ("encrypted", "doc", "xls", "ppt"):
        if kind in found:
            return kind
    return "ole"


def _markup_kind(head: bytes) -> str | None:
    """A web page (.html/.htm), or one saved as a MIME message (.mhtml/.mht)."""
    lowered = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(_MIME_START) and (b"multipart/related" in lowered or b"text/html" in lowered):
        return "mhtml"
    if lowered.startswith(_HTML_START) or (lowered.startswith(b"<?xml") and b"<html" in lowered):
        return "html"
    return None


_REFUSALS = {
    "pptx": "演示文稿（.pptx）暂不支持，请上传 Word、Excel、PDF 或文本文件。",
    "ppt": "演示文稿（.ppt）暂不支持，请上传 Word、Excel、PDF 或文本文件。",
    "odf": "OpenDocument 文件（.odt/.ods）暂不支持，请另存为 .docx 或 .xlsx 后再上传。",
    "zip": "这是一个压缩包，不是可识别的 Word/Excel 文件，请解压后上传其中的文件。",
    "broken-ole": "旧版 Office 文件已损坏或不完整，无法读取。",
    "encrypted": "文件已加密，请先解除密码保护后再上传。",
    "ole": "旧版 Office 文件已损坏或类型无法识别，请另存为 .docx 或 .xlsx 后再上传。",
    "rtf": "RTF 文件暂不支持，请另存为 .docx 或纯文本后再上传。",
}
_READABLE = frozenset({"pdf", "docx", "xlsx", "doc", "xls", "ofd", "html", "mhtml"})


def detect_kind(data: bytes, filename: str = "") -> str:
    """Return "pdf", "docx", "xlsx", "doc", "xls", "ofd", "html", "mhtml" or "text"; raise
    ExtractionError for what we cannot read."""
    if not data.strip():
        raise ExtractionError("文件为空，没有可提取的内容。")
    kind = sniff(BytesSource(data))
    if kind in _READABLE:
        return kind
    if kind == "broken-zip":
        label = _by_extension(filename) or "Office"
        raise ExtractionError(f"文件已损坏或不完整，无法作为 {label} 文件读取。")
    if kind in _REFUSALS:
        raise ExtractionError(_REFUSALS[kind])
    if kind in IMAGE_KINDS:
        raise ExtractionError("这是图片文件，请先进行文字识别（OCR）或上传 Word/文本版本。")
    if filename.lower().endswith((".html", ".htm")) and data.lstrip()[:1] == b"<":
        return "html"  # markup that starts unusually: the name decides
    # Text, and anything else: decoding says clearly when it is not readable text.
    return "text"


def _by_extension(filename: str) -> str | None:
    lowered = filename.lower()
    for extension in (".docx", ".xlsx", ".pdf"):
        if lowered.endswith(extension):
            return extension
    return None
