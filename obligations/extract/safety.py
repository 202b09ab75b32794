"""Refuse inputs that would cost too much before opening them: size limit and zip bombs."""

from __future__ import annotations

import io
import zipfile

from .records import ExtractionError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# An Office file inflates a few times, rarely more than 30x; a bomb inflates thousands of times.
MAX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 20_000


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f} MB"


def check_size(size: int, max_bytes: int | None) -> None:
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if size > limit:
        raise ExtractionError(f"文件过大（{_mb(size)}），上限为 {_mb(limit)}。")


def check_zip(data: bytes) -> None:
    """Read the zip directory only and refuse absurd expansion (a zip bomb) before anything inflates."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError("文件已损坏或不完整，无法作为 Office 文件读取。") from exc
    if len(entries) > MAX_ENTRIES:
        raise ExtractionError(f"文件结构异常（包含 {len(entries)} 个内部文件），已拒绝处理。")
    total = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    if total > MAX_UNCOMPRESSED:
        raise ExtractionError(f"文件解压后过大（{_mb(total)}），疑似压缩炸弹，已拒绝处理。")
    for entry in entries:
        ratio = entry.file_size / max(1, entry.compress_size)
        if entry.file_size > 10 * 1024 * 1024 and ratio > MAX_RATIO:
            raise ExtractionError(
                f"文件压缩比异常（{entry.filename} 约 {ratio:.0f} 倍），疑似压缩炸弹，已拒绝处理。"
            )
    if total > 20 * 1024 * 1024 and total / packed > MAX_RATIO:
        raise ExtractionError(f"文件压缩比异常（约 {total / packed:.0f} 倍），疑似压缩炸弹，已拒绝处理。")
