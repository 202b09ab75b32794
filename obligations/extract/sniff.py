"""What kind of file this is, from its first bytes (the extension is only a tie-breaker)."""

from __future__ import annotations

import io
import zipfile

from .records import ExtractionError

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<?xml version")


def detect_kind(data: bytes, filename: str = "") -> str:
    """Return "pdf", "docx", "xlsx", "doc", "xls", "ofd", "html", "mhtml" or "text"; raise
    ExtractionError for what we cannot read."""
    head = data[:1024]
    if not data.strip():
        raise ExtractionError("文件为空，没有可提取的内容。")
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(data, filename)
    if head.startswith(_OLE2):
        return _ole_kind(data)
    markup = _markup_kind(data, filename)
    if markup:
        return markup
    if head.startswith(b"{\\rtf"):
        raise ExtractionError("RTF 文件暂不支持，请另存为 .docx 或纯文本后再上传。")
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        raise ExtractionError("这是图片文件，请先进行文字识别（OCR）或上传 Word/文本版本。")
    return "text"


def _zip_kind(data: bytes, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        kind = _by_extension(filename) or "Office"
        raise ExtractionError(f"文件已损坏或不完整，无法作为 {kind} 文件读取。") from exc
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(name.startswith("ppt/") for name in names):
        raise ExtractionError("演示文稿（.pptx）暂不支持，请上传 Word、Excel、PDF 或文本文件。")
    if "content.xml" in names:
        raise ExtractionError("OpenDocument 文件（.odt/.ods）暂不支持，请另存为 .docx 或 .xlsx 后再上传。")
    raise ExtractionError("这是一个压缩包，不是可识别的 Word/Excel 文件，请解压后上传其中的文件。")


def _by_extension(filename: str) -> str | None:
    lowered = filename.lower()
    for extension in (".docx", ".xlsx", ".pdf"):
        if lowered.endswith(extension):
            return extension
    return None


def _directory_entry(data: bytes, name: bytes) -> bool:
    """``name`` starts a 128-byte directory entry after the 512-byte header (not just any bytes)."""
    position = data.find(name, 512)
    while position != -1:
        if position % 128 == 0:
            return True
        position = data.find(name, position + 1)
    return False


def _ole_kind(data: bytes) -> str:
    if len(data) < 1536 or data[28:30] != b"\xfe\xff" or data[30] not in (9, 12):
        raise ExtractionError("旧版 Office 文件已损坏或不完整，无法读取。")
    found = {kind for marker, kind in _OLE_STREAMS if _directory_entry(data, marker)}
    if "encrypted" in found:
        raise ExtractionError("文件已加密，请先解除密码保护后再上传。")
    if "doc" in found:
        return "doc"
    if "xls" in found:
        return "xls"
    if "ppt" in found:
        raise ExtractionError("演示文稿（.ppt）暂不支持，请上传 Word、Excel、PDF 或文本文件。")
    raise ExtractionError("旧版 Office 文件已损坏或类型无法识别，请另存为 .docx 或 .xlsx 后再上传。")


def _markup_kind(data: bytes, filename: str) -> str | None:
    """A web page saved as .html/.htm, or as .mhtml/.mht (a MIME message)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = head.lower()
    mime = lowered.startswith((b"mime-version:", b"from:", b"subject:", b"date:", b"content-type: multipart"))
    if mime and (b"multipart/related" in lowered or b"content-type: text/html" in lowered):
        return "mhtml"
    if lowered.startswith(_HTML_START) and (b"<html" in lowered or b"<body" in lowered or b"<div" in lowered):
        return "html"
    if filename.lower().endswith((".html", ".htm")) and lowered.startswith(b"<"):
        return "html"
    return None
