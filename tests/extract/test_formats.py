"""Formats offices send: legacy Office through LibreOffice, OFD, saved web pages and MHTML; bad input
in each of them; progress reports and cancellation for a background job."""

from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from obligations.extract import ExtractionCancelled, ExtractionError, convert, extract_bytes, extract_file
from obligations.extract.sniff import detect_kind

VARIANTS = Path(__file__).parent / "data" / "real" / "variants"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole(stream: str, body: bytes = b"") -> bytes:
    """A compound-file header and one directory entry naming ``stream`` (no real content)."""
    header = OLE + b"\0" * 20 + b"\xfe\xff" + bytes([9]) + b"\0" * (512 - 31)
    entry = stream.encode("utf-16-le").ljust(128, b"\0")
    return header + entry + body.ljust(1536, b"\0")


def tasks(result: object) -> list[dict]:
    return [task for notice in result.to_dict()["notices"] for task in notice["tasks"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("r01_lishan_2023.doc", "doc"),
        ("r01_lishan_2023.wps", "doc"),
        ("r06_huoshan_2025.xls", "xls"),
        ("r06_huoshan_2025.et", "xls"),
        ("r02_huaian_2022.ofd", "ofd"),
        ("r03_guandu_2016.html", "html"),
        ("r05_caidian_2023.mhtml", "mhtml"),
    ],
)
def test_kind_is_sniffed_from_the_bytes(name: str, kind: str) -> None:
    assert detect_kind((VARIANTS / name).read_bytes(), "upload.bin") == kind


def test_legacy_word_and_wps(libreoffice: None) -> None:
    for name in ("r01_lishan_2023.doc", "r01_lishan_2023.wps"):
        found = tasks(extract_file(VARIANTS / name))
        assert [(t["number"], t["lead_units"]) for t in found][:2] == [
            ("1.", ["区发改局"]),
            ("2.", ["区工信局"]),
        ]
        assert len(found) == 6


def test_legacy_excel_and_et(libreoffice: None) -> None:
    for name in ("r06_huoshan_2025.xls", "r06_huoshan_2025.et"):
        found = tasks(extract_file(VARIANTS / name))
        first = found[0]
        assert (first["responsible_units"], first["responsible_person"], first["deadline"]) == (
            ["招商工作部", "安商工作部"],
            "叶林",
            "2025-12-31",
        )


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of this test's own: another test run on the machine (converting at the
    same moment) must not show up as this one's leftovers."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_conversion_leaves_no_temporary_files(libreoffice: None, private_tmp: Path) -> None:
    extract_file(VARIANTS / "r01_lishan_2023.doc")
    assert list(private_tmp.glob("extract-convert-*")) == []


def test_conversion_time_out_kills_libreoffice(
    libreoffice: None, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convert, "CONVERT_TIMEOUT", 0.2)
    with pytest.raises(ExtractionError, match="转换超时"):
        extract_file(VARIANTS / "r01_lishan_2023.doc")
    assert list(private_tmp.glob("extract-convert-*")) == []
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    leftover = [line for line in processes.splitlines() if str(private_tmp) in line]
    assert leftover == []


def test_cancelling_a_conversion(libreoffice: None) -> None:
    stages: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        stages.append((stage, done, total))
        if stage == "convert" and len(stages) > 1:
            raise ExtractionCancelled

    with pytest.raises(ExtractionCancelled):
        extract_file(VARIANTS / "r01_lishan_2023.doc", progress=progress)
    assert stages[0] == ("convert", 0, 1)


def test_progress_reports_stages(libreoffice: None) -> None:
    stages: list[str] = []
    extract_file(VARIANTS / "r06_huoshan_2025.xls", progress=lambda stage, done, total: stages.append(stage))
    assert stages[0] == "convert" and "convert" in stages


def test_ofd_text_layer_in_reading_order_with_pages() -> None:
    found = tasks(extract_file(VARIANTS / "r02_huaian_2022.ofd"))
    assert [t["responsible_units"] for t in found] == [
        ["市工信局", "市财政局等有关部门", "各县区人民政府", "园区管委会"],
        ["市工信局", "市财政局"],
    ]
    assert all(t["page"] == 1 for t in found)
    assert found[0]["text"].endswith("绿色制造企业培育等方面给予扶持。")  # wrapped lines joined


def test_saved_web_page_main_text_only() -> None:
    result = extract_file(VARIANTS / "r03_guandu_2016.html")
    found = tasks(result)
    assert len(found) == 4
    text = " ".join(t["text"] for t in found)
    for chrome in ("设为首页", "浏览次数", "关闭窗口", "备案号", "政务公开"):
        assert chrome not in text


def test_mhtml_web_archive() -> None:
    found = tasks(extract_file(VARIANTS / "r05_caidian_2023.mhtml"))
    assert [(t["number"], t["responsible_units"]) for t in found] == [
        ("(一)", ["区发展和改革局"]),
        ("(二)", ["区科技和经信局"]),
        ("(三)", ["区发展和改革局"]),
    ]


def test_web_page_with_a_data_table_and_gbk() -> None:
    page = (
        '<html><head><meta charset="gb2312"></head><body><div class="nav"><a>首页</a><a>新闻</a><a>公开</a></div>'
        "<p>某区2024年重点任务清单</p><table><tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
        "<tr><td>1</td><td>建成政务服务中心</td><td>区行政审批局</td><td>2024年国庆节前</td></tr></table></body></html>"
    )
    found = tasks(extract_bytes(page.encode("gb18030"), "page.html"))
    assert [(t["text"], t["responsible_units"], t["deadline"]) for t in found] == [
        ("建成政务服务中心", ["区行政审批局"], "2024-09-30")
    ]


def test_web_page_table_with_guiding_departments_and_band_rows() -> None:
    page = (
        "<html><body><table><tr><td>标题：</td><td>关于推广改革举措的通知</td></tr></table>"
        "<table border='1'><tr><td>序号</td><td>改革举措</td><td>主 要 内 容</td><td>指导部门</td><td>推广范围</td></tr>"
        "<tr><td colspan='5'>一、知识产权保护方面（共1项）</td></tr>"
        "<tr><td>1</td><td>专利保险机制</td><td>开发专利保险产品，降低侵权损失。</td>"
        "<td>国家知识产权局、中国银保监会</td><td>全国</td></tr></table></body></html>"
    )
    found = tasks(extract_bytes(page.encode(), "page.html"))
    assert [(t["number"], t["text"], t["lead_units"], t["responsible_units"]) for t in found] == [
        ("1", "开发专利保险产品，降低侵权损失。", [], ["国家知识产权局", "中国银保监会"])
    ]
    assert found[0]["section"] == ["一、知识产权保护方面（共1项）", "专利保险机制"]


def _ofd(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.doc", ole("WordDocument", b"garbage" * 100), "无法转换|转换超时|没有任何内容|损坏"),
        ("fake.doc", OLE + "WordDocument".encode("utf-16-le") + b"\0" * 2000, "损坏"),
        ("locked.docx", ole("EncryptedPackage"), "已加密"),
        ("slides.ppt", ole("PowerPoint Document"), "演示文稿"),
        ("odd.doc", ole("Something"), "旧版 Office"),
        ("broken.ofd", _ofd({"OFD.xml": b"<ofd:OFD xmlns:ofd='x'><ofd:DocBody>"}), "OFD"),
        (
            "partial.ofd",
            _ofd({"OFD.xml": b"<OFD><DocBody><DocRoot>Doc_0/Document.xml</DocRoot></DocBody></OFD>"}),
            "不完整",
        ),
        ("bomb.ofd", _ofd({"OFD.xml": b"<OFD/>", "Doc_0/big.xml": b"\0" * (40 * 1024 * 1024)}), "压缩炸弹"),
        ("empty.html", b"<html><body><div class='nav'><a>a</a><a>b</a><a>c</a></div></body></html>", "正文"),
        (
            "empty.mhtml",
            b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x--\r\n",
            "MHTML",
        ),
    ],
)
def test_bad_input_in_the_new_formats(name: str, data: bytes, message: str) -> None:
    if name == "bad.doc" and convert.soffice() is None:
        message = "LibreOffice"
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(data, name)
