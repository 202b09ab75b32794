"""PDFs: a text-layer plan (generated once by data/make_pdf_fixtures.py) and a scan without text."""

from __future__ import annotations

from pathlib import Path

import pytest

from obligations.extract import ExtractionError, extract_file

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def plan() -> dict:
    return extract_file(DATA / "plan_text_layer.pdf").to_dict()


def test_pdf_notice(plan: dict) -> None:
    assert plan["jurisdiction"] == "兰山区"
    notice = plan["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"], notice["issuer"]) == (
        "兰山区2022年优化营商环境重点任务清单",
        "兰政办发〔2022〕12号",
        "2022-03-15",
        "临沂市兰山区人民政府办公室",
    )


def test_pdf_paragraph_tasks(plan: dict) -> None:
    tasks = plan["notices"][0]["tasks"]
    first = tasks[0]
    assert first["number"] == "（一）"
    assert first["text"].startswith("推进“一网通办”。全面梳理依申请政务服务事项，坚持问题导向")
    assert first["text"].endswith("6月底前实现高频事项“全程网办”。")  # wrapped lines joined
    assert first["responsible_units"] == ["区行政审批服务局", "区大数据中心"]
    assert first["deadline"] == "2022-12-31"  # the 完成时限 clause wins over 6月底前 in the text
    assert (tasks[1]["lead_units"], tasks[1]["responsible_units"]) == (
        ["区发展改革局"],
        ["区财政局", "区市场监管局"],
    )
    assert tasks[2]["deadline_kind"] == "recurring"
    # (三) runs over two page breaks; the running header "兰山区人民政府公报" and the footer are dropped
    assert tasks[2]["text"].endswith(
        "坚持问题导向和目标导向，聚焦企业和群众办事的难点堵点，逐项梳理办理流程，"
        "压减办理环节和申请材料，每季度末报送工作进展。"
    )
    assert "公报" not in tasks[2]["text"] and "—" not in tasks[2]["text"]
    assert (tasks[3]["lead_units"], tasks[3]["deadline"]) == (["区工商联"], "ongoing")


def test_pdf_table_split_across_pages(plan: dict) -> None:
    rows = [task for task in plan["notices"][0]["tasks"] if task["section"] == ["三、任务分工表"]]
    assert [(t["number"], t["text"], t["responsible_units"], t["deadline"]) for t in rows] == [
        ("1", "建设企业服务中心", ["区商务局"], "2022-09-30"),
        ("2", "编制营商环境白皮书", ["区发展改革局", "区司法局"], "2022-12-31"),
    ]


def test_scanned_pdf_is_refused_with_an_ocr_hint_when_ocr_is_off() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_file(DATA / "plan_scanned.pdf", ocr=False)
    assert (
        str(caught.value) == "该 PDF 没有文本层（可能是扫描件），请先进行文字识别（OCR）或上传 Word/文本版本"
    )


def test_scanned_pdf_is_read_by_ocr_and_every_task_flagged_with_its_page(tesseract: None) -> None:
    result = extract_file(DATA / "plan_scanned.pdf").to_dict()
    tasks = [task for notice in result["notices"] for task in notice["tasks"]]
    assert tasks
    assert all(task["page"] == 1 for task in tasks)
    assert all(
        any("文字识别" in flag and "第 1 页" in flag for flag in task["review_flags"]) for task in tasks
    )
    assert any("文字识别" in warning for warning in result["warnings"])
