"""Bytes of a text file -> str: BOMs, strict UTF-8, strict GB18030, then charset-normalizer."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .records import ExtractionError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BAD = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def decode_text(data: bytes) -> str:
    """Decode a plan's text. charset-normalizer alone misreads short Chinese text (as Korean), so it
    only gets the bytes that are neither UTF-8 nor GB18030."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace"))
    if _looks_utf16(data):
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return _checked(data.decode(encoding, errors="replace"))
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError("无法识别文件编码，也不是支持的 Word/Excel/PDF 文件。")
    return _checked(str(best))


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 8:
        return False
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    return max(even_zeros, odd_zeros) > half * 0.3 and min(even_zeros, odd_zeros) < half * 0.05


def _checked(text: str) -> str:
    """Refuse binary junk that happened to decode: too many control characters or replacements."""
    sample = text[:20000]
    if not sample.strip():
        raise ExtractionError("文件为空，没有可提取的内容。")
    bad = len(_BAD.findall(sample))
    if bad > max(4, len(sample) // 50):
        raise ExtractionError("文件内容不是可识别的文本（可能是二进制文件或已损坏）。")
    return text
