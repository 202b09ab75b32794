"""Bad input through the command line: exit status 2, one clear line on stderr, no traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def run_command(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "true", "TRACKER_VAR_DIR": str(tmp_path / "var"), **extra_env}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "extract_plan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("（一）建立台账。（责任单位：区财政局）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["序号", "工作任务", "责任单位"])
    workbook.active.append([1, "建立台账", "区财政局"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def no_header_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "电话"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def blank_scan() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (600, 800), 255).save(buffer, format="PDF")
    return buffer.getvalue()


def ole(stream: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20 + b"\xfe\xff" + bytes([9]) + b"\0" * 481
    return header + stream.encode("utf-16-le").ljust(128, b"\0") + b"\0" * 1536


def ofd_bytes() -> bytes:
    return (DATA / "real" / "variants" / "r02_huaian_2022.ofd").read_bytes()


def ofd_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", "<OFD/>")
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", b"\0" * (40 * 1024 * 1024))
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

CASES = {
    "empty": ("empty.txt", lambda: b"", "文件为空"),
    "blank": ("blank.txt", lambda: b"   \n\n  ", "文件为空"),
    "binary junk": (
        "junk.bin",
        lambda: bytes((i * 37 + 11) % 256 for i in range(6000)),
        "无法识别文件编码|不是可识别的文本",
    ),
    "truncated docx": ("plan.docx", lambda: docx_bytes()[:1500], "损坏或不完整"),
    "truncated xlsx": ("plan.xlsx", lambda: xlsx_bytes()[:1500], "损坏或不完整"),
    "xlsx without header": ("people.xlsx", no_header_xlsx, "没有找到任务表头"),
    "zip bomb": ("bomb.docx", zip_bomb, "压缩炸弹"),
    "scan of a blank page": ("scan.pdf", blank_scan, "没有可读的文字|没有文本层"),
    "image": ("photo.png", lambda: PNG, "图片文件"),
    "unknown zip": ("archive.zip", plain_zip, "压缩包"),
    "legacy doc": ("old.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Office"),
    "broken pdf": ("broken.pdf", lambda: b"%PDF-1.7\n" + b"garbage" * 50, "PDF"),
    "encrypted office": ("locked.doc", lambda: ole("EncryptedPackage"), "已加密"),
    "truncated ofd": ("plan.ofd", lambda: ofd_bytes()[:300], "损坏或不完整"),
    "ofd zip bomb": ("bomb.ofd", ofd_bomb, "压缩炸弹"),
    "html without text": ("page.html", lambda: b"<html><body><script>x()</script></body></html>", "正文"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line(tmp_path: Path, case: str) -> None:
    name, make, expected = CASES[case]
    path = tmp_path / name
    path.write_bytes(make())
    completed = run_command(tmp_path, str(path))
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    import re

    assert re.search(expected, lines[0]), lines[0]


def test_conversion_time_out_exits_2(tmp_path: Path, libreoffice: None) -> None:
    completed = run_command(
        tmp_path, str(DATA / "real" / "variants" / "r01_lishan_2023.doc"), TRACKER_CONVERT_TIMEOUT="0.2"
    )
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "转换超时" in completed.stderr and "Traceback" not in completed.stderr


def test_missing_file(tmp_path: Path) -> None:
    completed = run_command(tmp_path, str(tmp_path / "nope.txt"))
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "无法读取文件" in completed.stderr


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    completed = run_command(
        tmp_path, str(ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"), "--max-bytes", "1000"
    )
    assert completed.returncode == 2
    assert "文件过大" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_command_prints_the_json_contract(tmp_path: Path) -> None:
    completed = run_command(
        tmp_path, str(ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"), "--year", "2020"
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert '  "notices": [' in completed.stdout  # indent 2
    assert "淄博市" in completed.stdout  # ensure_ascii=False
    notice = data["notices"][2]
    assert set(notice) >= {"title", "number", "issued", "tasks"}
    task = notice["tasks"][0]
    assert set(task) >= {
        "section",
        "number",
        "text",
        "lead_units",
        "responsible_units",
        "responsible_person",
        "deadline_raw",
        "deadline",
        "deadline_issue",
    }
    assert (notice["title"], task["number"], task["deadline"]) == (
        "淄博市建立政务服务“好差评”制度工作方案",
        "1.",
        "2020-08-31",
    )
