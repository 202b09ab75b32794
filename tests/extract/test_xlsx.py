"""Spreadsheets built in the test: header below a title, merged cells, date cells, our ledger."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from obligations.extract import ExtractionError, extract_bytes
from obligations.extract.tables import read_task_rows, split_source


def save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def task_list() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.append(["北湖区2022年重点工作任务分解表"])
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时间"])  # header on row 3
    sheet.append(
        [
            1,
            "优化政务服务",
            "推进一网通办",
            "区行政审批服务局",
            "区大数据中心、区司法局",
            datetime.date(2022, 6, 30),
        ]
    )
    sheet.append([2, None, "推行告知承诺制", "区司法局", "区政府各部门", "2022年底前"])
    sheet.append([3, "强化要素保障", "加大信贷投放", "区金融办", None, datetime.datetime(2022, 9, 30, 0, 0)])
    sheet.append([4, None, "开展银企对接", None, None, None])  # no unit, no deadline: not a task
    sheet.merge_cells("B4:B5")
    sheet.append([5, "强化要素保障", "保障用地指标", "区自然资源局", None, "长期"])
    return save(workbook)


def ledger() -> bytes:
    """Our monthly ledger export: a title row, then the ledger header; a summary sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(["张店区督办事项月度进展台账（2021年5月）"])
    sheet.merge_cells("A1:K1")
    sheet.append(
        [
            "序号",
            "任务来源",
            "任务内容",
            "牵头单位",
            "责任单位",
            "责任人",
            "完成时限",
            "进展情况",
            "状态",
            "红黄绿灯",
            "备注",
        ]
    )
    source_a = "深化“放管服”改革优化营商环境2021年重点任务分工方案（张政办字〔2021〕21号）"
    source_b = "2021年张店区政务公开工作要点（张政办字〔2021〕22号）"
    sheet.append(
        [
            1,
            source_a,
            "规范行政许可事项管理",
            "区司法局",
            "区政府相关部门",
            "",
            datetime.date(2021, 12, 31),
            "推进中",
            "进行中",
            "绿",
            "",
        ]
    )
    sheet.append([2, source_a, "加强疫苗监管", "区市场监管局", "", "张三", "长期", "", "进行中", "蓝", ""])
    sheet.append(
        [
            3,
            source_b,
            "规范政府信息管理",
            "",
            "区政府各部门、各有关单位、各镇政府、街道办事处",
            "",
            datetime.date(2021, 6, 30),
            "",
            "",
            "黄",
            "",
        ]
    )
    summary = workbook.create_sheet("汇总")
    summary.append(["单位", "任务数", "逾期"])
    summary.append(["区司法局", 1, 0])
    return save(workbook)


def test_task_list_with_header_below_title_and_merged_cells() -> None:
    result = extract_bytes(task_list(), "tasks.xlsx").to_dict()
    notice = result["notices"][0]
    assert (notice["title"], notice["year"]) == ("北湖区2022年重点工作任务分解表", 2022)
    rows = [
        (t["number"], t["section"], t["text"], t["lead_units"], t["responsible_units"], t["deadline"])
        for t in notice["tasks"]
    ]
    assert rows == [
        (
            "1",
            ["优化政务服务"],
            "推进一网通办",
            ["区行政审批服务局"],
            ["区大数据中心", "区司法局"],
            "2022-06-30",
        ),
        ("2", ["优化政务服务"], "推行告知承诺制", ["区司法局"], ["区政府各部门"], "2022-12-31"),
        ("3", ["强化要素保障"], "加大信贷投放", ["区金融办"], [], "2022-09-30"),
        ("5", ["强化要素保障"], "保障用地指标", ["区自然资源局"], [], "ongoing"),
    ]


def test_our_ledger_round_trips() -> None:
    result = extract_bytes(ledger(), "ledger.xlsx").to_dict()
    notices = [(n["title"], n["number"], n["year"], len(n["tasks"])) for n in result["notices"]]
    assert notices == [
        ("深化“放管服”改革优化营商环境2021年重点任务分工方案", "张政办字〔2021〕21号", 2021, 2),
        ("2021年张店区政务公开工作要点", "张政办字〔2021〕22号", 2021, 1),
    ]
    first, second = result["notices"][0]["tasks"]
    assert (first["lead_units"], first["responsible_units"], first["deadline"]) == (
        ["区司法局"],
        ["区政府相关部门"],
        "2021-12-31",
    )
    assert (second["responsible_person"], second["deadline_raw"], second["deadline"]) == (
        "张三",
        "长期",
        "ongoing",
    )
    third = result["notices"][1]["tasks"][0]
    assert third["responsible_units"] == ["区政府各部门", "各有关单位", "各镇政府", "街道办事处"]


def test_no_recognisable_header_is_refused() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "电话"])
    workbook.active.append(["张三", "123"])
    with pytest.raises(ExtractionError, match="没有找到任务表头"):
        extract_bytes(save(workbook), "people.xlsx")


def test_truncated_xlsx_is_refused() -> None:
    data = task_list()
    with pytest.raises(ExtractionError, match="损坏或不完整"):
        extract_bytes(data[:-200], "tasks.xlsx")


def test_read_task_rows_is_reusable() -> None:
    rows = [
        ["附件", None, None],
        ["序号", "工作任务", "责任单位（排在第一位的为牵头单位）", "完成时限"],
        ["1", "编制规划", "区发改局、区自然资源局", "2022年6月30日"],
    ]
    (row,) = read_task_rows(rows)
    assert (row.number, row.text, row.responsible, row.deadline_cell) == (
        "1",
        "编制规划",
        ["区发改局", "区自然资源局"],
        "2022年6月30日",
    )


def test_lead_rule_in_a_table_header() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "工作任务", "责任单位（排在第一位的为牵头单位）", "完成时限"])
    sheet.append([1, "编制规划", "区发改局、区自然资源局", "2022年6月30日"])
    (task,) = extract_bytes(save(workbook), "t.xlsx").notices[0].tasks
    assert (task.lead_units, task.responsible_units, task.deadline) == (
        ["区发改局"],
        ["区自然资源局"],
        "2022-06-30",
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("深化改革方案（张政办字〔2021〕21号）", ("深化改革方案", "张政办字〔2021〕21号")),
        ("深化改革方案(市中政办发[2021]5号)", ("深化改革方案", "市中政办发〔2021〕5号")),
        ("区长交办事项", ("区长交办事项", None)),
    ],
)
def test_split_source(source: str, expected: tuple[str, str | None]) -> None:
    assert split_source(source) == expected


def test_unit_cells_with_one_name_per_line_and_long_header_names() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "工作任务及要求", "责任单位\n（部门）", "完成\n时限"])
    sheet.append([1, "建设智慧\n停车平台", "区城管局\n区公安分局\n区大数据中心", "2023年9月底前"])
    sheet.append([2, "整治背街小巷", "区住建局 区城管局", "2023年12月31日"])
    tasks = extract_bytes(save(workbook), "t.xlsx").notices[0].tasks
    assert [(t.text, t.responsible_units, t.deadline) for t in tasks] == [
        ("建设智慧停车平台", ["区城管局", "区公安分局", "区大数据中心"], "2023-09-30"),
        ("整治背街小巷", ["区住建局", "区城管局"], "2023-12-31"),
    ]


def test_a_date_typed_as_a_number_is_read_as_an_excel_date() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "工作任务", "责任单位", "完成时限"])
    sheet.append([1, "编制规划", "区发改局", 44926])  # 2022-12-31 without a date format
    (task,) = extract_bytes(save(workbook), "t.xlsx").notices[0].tasks
    assert task.deadline == "2022-12-31"


def test_an_apostrophe_escaping_a_formula_is_dropped_other_apostrophes_stay() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "任务内容", "牵头单位", "完成时限"])
    sheet.append([1, '\'=HYPERLINK("http://x")开展专项整治', "区司法局", "2022年6月底前"])
    sheet.append([2, "'+加强督查", "区金融办", "2022年底前"])
    sheet.append([3, "'一网通办'改革", "区大数据中心", "2022年底前"])
    tasks = extract_bytes(save(workbook), "tasks.xlsx").to_dict()["notices"][0]["tasks"]
    assert [t["text"] for t in tasks] == [
        '=HYPERLINK("http://x")开展专项整治',
        "+加强督查",
        "'一网通办'改革",
    ]
