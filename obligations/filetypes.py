"""Recognising uploaded files by their content (magic bytes), not by the name the browser sends.

Used for plan imports and evidence files: a file is accepted only when its extension is allowed
and its bytes really are that kind of file, so a renamed executable or HTML page is refused.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO


@dataclass(frozen=True)
class FileKind:
    extension: str  # without the dot, lower case
    label: str  # how the user knows it (Chinese)
    content_type: str


KINDS: dict[str, FileKind] = {
    kind.extension: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf"),
        FileKind("jpg", "JPEG 图片", "image/jpeg"),
        FileKind("jpeg", "JPEG 图片", "image/jpeg"),
        FileKind("png", "PNG 图片", "image/png"),
        FileKind("doc", "Word 97-2003", "application/msword"),
        FileKind("xls", "Excel 97-2003", "application/vnd.ms-excel"),
        FileKind("ppt", "PowerPoint 97-2003", "application/vnd.ms-powerpoint"),
        FileKind("docx", "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        FileKind("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        FileKind(
            "pptx", "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        ),
        FileKind("ofd", "OFD 版式文件", "application/ofd"),
        FileKind("wps", "WPS 文字", "application/vnd.ms-works"),
        FileKind("et", "WPS 表格", "application/vnd.ms-excel"),
        FileKind("html", "网页", "text/html"),
        FileKind("htm", "网页", "text/html"),
        FileKind("mhtml", "网页存档", "multipart/related"),
        FileKind("mht", "网页存档", "multipart/related"),
        FileKind("txt", "文本", "text/plain"),
        FileKind("md", "文本", "text/markdown"),
    )
}

# Plan files the extraction engine reads (the import form's list of allowed extensions).
IMPORT_EXTENSIONS = (
    "txt",
    "md",
    "docx",
    "doc",
    "wps",
    "xlsx",
    "xls",
    "et",
    "pdf",
    "ofd",
    "html",
    "htm",
    "mhtml",
    "mht",
)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# WPS names for the OLE formats; their stream is checked too (.doc/.xls/.ppt keep the header check
# that evidence uploads rely on; the extraction engine checks every OLE file's streams on import).
_OLE_STREAMS = {
    "wps": ("WordDocument",),
    "et": ("Workbook", "Book"),
}

_ZIP = b"PK\x03\x04"
# The member an Office Open XML / OFD package must contain to be that kind of document.
_ZIP_MARKERS = {
    "docx": ("word/document.xml",),
    "xlsx": ("xl/workbook.xml",),
    "pptx": ("ppt/presentation.xml",),
    "ofd": ("OFD.xml",),
}
_HEAD = 8192


class FileTypeError(ValueError):
    """The file is not what it claims to be, or not an allowed kind; the message is for the user."""


def extension_of(filename: str) -> str:
    return PurePath(filename or "").suffix.lower().lstrip(".")


def _read_head(stream: BinaryIO) -> bytes:
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    return head


def _zip_members(stream: BinaryIO) -> set[str]:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            # Only the central directory is read: no member is decompressed here.
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    finally:
        stream.seek(0)


def _looks_like_text(head: bytes) -> bool:
    if not head.strip():
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # binary, or UTF-16 without a BOM (which the importer cannot read either)
    return not head.startswith((_ZIP, _OLE, b"%PDF", b"\x7fELF", b"MZ"))


def _ole_has_stream(stream: BinaryIO, names: tuple[str, ...]) -> bool:
    """Whether the compound file's directory names one of these streams: the UTF-16LE name starts a
    128-byte directory entry after the 512-byte header. Read in chunks, not all at once."""
    markers = [name.encode("utf-16-le") for name in names]
    stream.seek(0)
    try:
        offset = 0
        while chunk := stream.read(1 << 20):
            for marker in markers:
                position = chunk.find(marker)
                while position != -1:
                    absolute = offset + position
                    if absolute >= 512 and absolute % 128 == 0:
                        return True
                    position = chunk.find(marker, position + 1)
            offset += len(chunk)
        return False
    finally:
        stream.seek(0)


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return lowered.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<!--", b"<div", b"<p")
    ) or (lowered.startswith(b"<?xml") and b"<html" in lowered)


def content_matches(extension: str, stream: BinaryIO) -> bool:
    """Whether the bytes are a file of the kind the extension names."""
    head = _read_head(stream)
    if extension == "pdf":
        return head.lstrip()[:5] == b"%PDF-"
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(_OLE)
    if extension in _OLE_STREAMS:
        return head.startswith(_OLE) and _ole_has_stream(stream, _OLE_STREAMS[extension])
    if extension in ("html", "htm"):
        return _looks_like_html(head)
    if extension in ("mhtml", "mht"):
        lowered = head.lstrip().lower()
        return lowered.startswith((b"mime-version:", b"from:", b"subject:", b"date:", b"content-type:")) and (
            b"multipart/related" in lowered or b"text/html" in lowered
        )
    if extension in _ZIP_MARKERS:
        if not head.startswith(_ZIP):
            return False
        members = _zip_members(stream)
        return any(marker in members for marker in _ZIP_MARKERS[extension])
    if extension in ("txt", "md"):
        return _looks_like_text(head)
    return False


def check_upload(filename: str, stream: BinaryIO, allowed: tuple[str, ...]) -> FileKind:
    """Return the file's kind, or raise FileTypeError with a Chinese message."""
    extension = extension_of(filename)
    if extension not in allowed:
        names = "、".join(f".{ext}" for ext in allowed)
        raise FileTypeError(f"不支持的文件类型“.{extension or '（无扩展名）'}”，仅支持 {names}。")
    if not content_matches(extension, stream):
        raise FileTypeError(
            f"文件“{PurePath(filename).name}”的内容不是有效的{KINDS[extension].label}文件，"
            "请确认文件未损坏且扩展名正确。"
        )
    return KINDS[extension]
