"""Legacy Office files (.doc/.wps, .xls/.et) -> .docx/.xlsx with LibreOffice headless.

Each conversion gets a private profile directory (two conversions never share or lock a profile), a
time limit after which the whole LibreOffice process group is killed, and its temporary files are
removed whatever happens.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .records import ExtractionError
from .subprocesses import TimedOut, run

CONVERT_TIMEOUT = float(os.environ.get("TRACKER_CONVERT_TIMEOUT", "120"))
_TARGETS = {"doc": ("docx", "docx:MS Word 2007 XML"), "xls": ("xlsx", "xlsx:Calc MS Excel 2007 XML")}
_NAMES = {"doc": "Word/WPS 文字", "xls": "Excel/WPS 表格"}


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_legacy(
    data: bytes, kind: str, *, timeout: float | None = None, check_cancel: Callable[[], None] | None = None
) -> bytes:
    """Bytes of a .doc/.wps (kind "doc") or .xls/.et (kind "xls") -> bytes of .docx/.xlsx."""
    program = soffice()
    name = _NAMES[kind]
    if program is None:
        raise ExtractionError(
            f"旧版 {name} 文件需要 LibreOffice 转换，但本机未安装，请另存为新格式后再上传。"
        )
    target, filter_name = _TARGETS[kind]
    work = Path(tempfile.mkdtemp(prefix="extract-convert-"))
    try:
        source = work / f"plan.{kind}"  # .wps/.et are the same binary formats as .doc/.xls
        source.write_bytes(data)
        out_dir = work / "out"
        profile = (work / "profile").as_uri()
        command = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--nofirststartwizard",
            "--convert-to",
            filter_name,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        try:
            run(
                command,
                timeout=timeout or CONVERT_TIMEOUT,
                env=env,
                cwd=str(work),
                check_cancel=check_cancel,
                missing=f"旧版 {name} 文件需要 LibreOffice 转换，但本机未安装。",
            )
        except TimedOut:
            raise ExtractionError(
                f"旧版 {name} 文件转换超时（超过 {int(timeout or CONVERT_TIMEOUT)} 秒），文件可能已损坏或过于复杂。"
            ) from None
        result = out_dir / f"plan.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise ExtractionError(f"旧版 {name} 文件无法转换，可能已损坏或已加密。")
        return result.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
