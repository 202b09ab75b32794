"""The upload allow-list: a file is accepted only when its extension is allowed and its bytes really
are that kind of file (recognised by extract.sniff, not by the name the browser sends), so a
renamed executable or HTML page is refused. Used for plan imports and evidence files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from .extract.sniff import OLE_KINDS, StreamSource, sniff


@dataclass(frozen=True)
class FileKind:
    extension: str  # without the dot, lower case
    label: str  # how the user knows it (Chinese)
    content_type: str
    sniffed: frozenset[str]  # what its bytes may be, as extract.sniff names kinds


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Plain text may be markup too: the engine then reads it as the web page it is.
_TEXT = frozenset({"text", "html", "mhtml"})
KINDS: dict[str, FileKind] = {
    kind.extension: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf", frozenset({"pdf"})),
        FileKind("jpg", "JPEG 图片", "image/jpeg", frozenset({"jpeg"})),
        FileKind("jpeg", "JPEG 图片", "image/jpeg", frozenset({"jpeg"})),
        FileKind("png", "PNG 图片", "image/png", frozenset({"png"})),
        # Evidence of the 97-2003 formats is checked by the compound-file header only; the engine
        # checks an imported one's streams itself.
        FileKind("doc", "Word 97-2003", "application/msword", OLE_KINDS),
        FileKind("xls", "Excel 97-2003", "application/vnd.ms-excel", OLE_KINDS),
        FileKind("ppt", "PowerPoint 97-2003", "application/vnd.ms-powerpoint", OLE_KINDS),
        FileKind("wps", "WPS 文字", "application/vnd.ms-works", frozenset({"doc"})),
        FileKind("et", "WPS 表格", "application/vnd.ms-excel", frozenset({"xls"})),
        FileKind("docx", "Word", _DOCX, frozenset({"docx"})),
        FileKind("xlsx", "Excel", _XLSX, frozenset({"xlsx"})),
        FileKind("pptx", "PowerPoint", _PPTX, frozenset({"pptx"})),
        FileKind("ofd", "OFD 版式文件", "application/ofd", frozenset({"ofd"})),
        FileKind("html", "网页", "text/html", frozenset({"html"})),
        FileKind("htm", "网页", "text/html", frozenset({"html"})),
        FileKind("mhtml", "网页存档", "multipart/related", frozenset({"mhtml"})),
        FileKind("mht", "网页存档", "multipart/related", frozenset({"mhtml"})),
        FileKind("txt", "文本", "text/plain", _TEXT),
        FileKind("md", "文本", "text/markdown", _TEXT),
    )
}

# The one list of plan files the extraction engine reads: the web import form accepts exactly these
# (each checked by its bytes above) and the import commands name them in their help.
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


class FileTypeError(ValueError):
    """The file is not what it claims to be, or not an allowed kind; the message is for the user."""


def extension_of(filename: str) -> str:
    return PurePath(filename or "").suffix.lower().lstrip(".")


def content_matches(extension: str, stream: BinaryIO) -> bool:
    """Whether the bytes are a file of the kind the extension names."""
    kind = KINDS.get(extension)
    return kind is not None and sniff(StreamSource(stream)) in kind.sniffed


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
