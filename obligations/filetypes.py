"""The upload allow-list: a file is accepted only when its extension is allowed and its bytes really
are that kind of file (recognised by extract.sniff, not by the name the browser sends), so a
renamed executable or HTML page is refused. Used for plan imports and evidence files.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from .extract.sniff import sniff


@dataclass(frozen=True)
class FileKind:
    extension: str  # without the dot, lower case
    label: str  # how the user knows it (Chinese)
    content_type: str
    sniffed: str  # what its bytes must be, as extract.sniff names kinds


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
KINDS: dict[str, FileKind] = {
    kind.extension: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf", "pdf"),
        FileKind("jpg", "JPEG 图片", "image/jpeg", "jpeg"),
        FileKind("jpeg", "JPEG 图片", "image/jpeg", "jpeg"),
        FileKind("png", "PNG 图片", "image/png", "png"),
        FileKind("doc", "Word 97-2003", "application/msword", "ole"),
        FileKind("xls", "Excel 97-2003", "application/vnd.ms-excel", "ole"),
        FileKind("ppt", "PowerPoint 97-2003", "application/vnd.ms-powerpoint", "ole"),
        FileKind("docx", "Word", _DOCX, "docx"),
        FileKind("xlsx", "Excel", _XLSX, "xlsx"),
        FileKind("pptx", "PowerPoint", _PPTX, "pptx"),
        FileKind("ofd", "OFD 版式文件", "application/ofd", "ofd"),
        FileKind("txt", "文本", "text/plain", "text"),
        FileKind("md", "文本", "text/markdown", "text"),
    )
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


def _zip_members(stream: BinaryIO) -> set[str] | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            # Only the central directory is read: no member is decompressed here.
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)


def content_matches(extension: str, stream: BinaryIO) -> bool:
    """Whether the bytes are a file of the kind the extension names."""
    kind = KINDS.get(extension)
    return kind is not None and sniff(_read_head(stream), lambda: _zip_members(stream)) == kind.sniffed


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
