"""Word documents built in the test: paragraphs, list numbering, a task table with merged cells."""

from __future__ import annotations

import io

import docx
import pytest

from obligations.extract import ExtractionError, extract_bytes


def build() -> bytes:
    document = docx.Document()
    for text in (
        "南河区人民政府办公室",
        "关于印发南河区2022年城市更新工作方案的通知",
        "南政办发〔2022〕9号",
        "各街道办事处，区政府各部门：",
        "《南河区2022年城市更新工作方案》已经区政府同意，现印发给你们，请认真贯彻执行。",
        "南河区人民政府办公室",
        "2022年4月6日",
        "南河区2022年城市更新工作方案",
    ):
        document.add_paragraph(text)
    document.add_heading("一、重点任务", level=1)
    document.add_paragraph(
        "（一）推进老旧小区改造。完成改造30个。（责任单位：区住建局；完成时限：2022年11月底前）"
    )
    document.add_paragraph("（二）完善配套设施。补齐养老托育短板。（区民政局牵头，区卫健局配合）")
    document.add_heading("二、任务分工", level=1)
    table = document.add_table(rows=5, cols=5)
    header = ["序号", "重点任务", "具体措施", "牵头单位", "完成时限"]
    rows = [
        ["1", "城市更新", "拆除违法建设", "区城管局", "2022年6月底前"],
        ["2", "", "修缮历史建筑", "区文旅局、区住建局", "长期坚持"],
        ["3", "绿化提升", "新建口袋公园", "区园林中心", "每季度末"],
    ]
    for column, name in enumerate(header):
        table.cell(0, column).text = name
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value:
                table.cell(row_index, column).text = value
    table.cell(1, 1).merge(table.cell(2, 1))  # 城市更新 spans two rows
    table.cell(4, 0).text = "说明"
    table.cell(4, 0).merge(table.cell(4, 4))  # a note row across the table
    document.add_paragraph("三、保障措施")
    for text in ("加强组织领导。（责任单位：区委组织部）", "强化资金保障。（责任单位：区财政局）"):
        document.add_paragraph(text, style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def result() -> dict:
    return extract_bytes(build(), "plan.docx").to_dict()


def test_notice(result: dict) -> None:
    assert result["jurisdiction"] == "南河区"
    notice = result["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"]) == (
        "南河区2022年城市更新工作方案",
        "南政办发〔2022〕9号",
        "2022-04-06",
    )


def test_paragraph_tasks(result: dict) -> None:
    tasks = result["notices"][0]["tasks"]
    assert tasks[0]["section"] == ["一、重点任务"]
    assert (tasks[0]["number"], tasks[0]["responsible_units"], tasks[0]["deadline"]) == (
        "（一）",
        ["区住建局"],
        "2022-11-30",
    )
    assert (tasks[1]["lead_units"], tasks[1]["responsible_units"]) == (["区民政局"], ["区卫健局"])


def test_table_rows_with_merged_cells(result: dict) -> None:
    rows = [task for task in result["notices"][0]["tasks"] if task["section"][:1] == ["二、任务分工"]]
    assert [(t["number"], t["section"][-1], t["text"], t["lead_units"], t["deadline"]) for t in rows] == [
        ("1", "城市更新", "拆除违法建设", ["区城管局"], "2022-06-30"),
        ("2", "城市更新", "修缮历史建筑", ["区文旅局", "区住建局"], "ongoing"),
        ("3", "绿化提升", "新建口袋公园", ["区园林中心"], "2022-06-30"),
    ]
    assert rows[2]["deadline_kind"] == "recurring"


def test_word_list_numbering_is_rendered(result: dict) -> None:
    tasks = [task for task in result["notices"][0]["tasks"] if task["section"] == ["三、保障措施"]]
    assert [(t["number"], t["text"], t["responsible_units"]) for t in tasks] == [
        ("1.", "加强组织领导。", ["区委组织部"]),
        ("2.", "强化资金保障。", ["区财政局"]),
    ]


def test_truncated_docx_is_refused() -> None:
    data = build()
    with pytest.raises(ExtractionError, match="损坏或不完整"):
        extract_bytes(data[: len(data) // 2], "plan.docx")


def test_units_in_bold_lead_when_the_plan_says_so() -> None:
    document = docx.Document()
    document.add_paragraph("北岸区2023年优化营商环境工作方案")
    document.add_paragraph("说明：责任单位中黑体字部门为牵头部门。")
    document.add_paragraph("一、重点任务")
    paragraph = document.add_paragraph("（一）压减审批时限。（责任单位：")
    paragraph.add_run("区行政").bold = True  # Word splits runs anywhere
    paragraph.add_run("审批服务局").bold = True
    paragraph.add_run("、区司法局、区大数据局）")
    buffer = io.BytesIO()
    document.save(buffer)
    (task,) = extract_bytes(buffer.getvalue(), "bold.docx").notices[0].tasks
    assert (task.lead_units, task.responsible_units) == (["区行政审批服务局"], ["区司法局", "区大数据局"])


def test_manual_line_breaks_separate_paragraphs() -> None:
    document = docx.Document()
    document.add_paragraph("南湖区2023年重点工作任务")
    paragraph = document.add_paragraph("一、重点任务")
    paragraph = document.add_paragraph("1.建立台账。（责任单位：区财政局）")
    paragraph.add_run().add_break()
    paragraph.add_run("2.完善制度。（责任单位：区司法局）")
    buffer = io.BytesIO()
    document.save(buffer)
    tasks = extract_bytes(buffer.getvalue(), "breaks.docx").notices[0].tasks
    assert [(t.number, t.text, t.responsible_units) for t in tasks] == [
        ("1.", "建立台账。", ["区财政局"]),
        ("2.", "完善制度。", ["区司法局"]),
    ]
