"""Whole plans in text form: notices, outline, page breaks, clause layouts, tables, encodings."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from obligations.extract import ExtractionError, extract_bytes, extract_file

SYNTHETIC = Path(__file__).parent / "data" / "synthetic"
COUNTY = SYNTHETIC / "county_plan.txt"


def tasks_of(result: object) -> list[dict]:
    return [task for notice in result.to_dict()["notices"] for task in notice["tasks"]]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def county() -> dict:
    return extract_file(COUNTY).to_dict()


def test_county_notice_header(county: dict) -> None:
    assert county["jurisdiction"] == "河东县"
    assert len(county["notices"]) == 1  # the table of contents makes no notice
    notice = county["notices"][0]
    assert notice["title"] == "河东县2022年项目建设攻坚行动实施方案"  # the plan the 通知 carries
    assert notice["number"] == "河政办发〔2022〕15号"
    assert notice["issued"] == "2022-03-01"  # 二〇二二年三月一日
    assert notice["issuer"] == "河东县人民政府办公室"
    assert notice["year"] == 2022


def test_county_tasks(county: dict) -> None:
    tasks = county["notices"][0]["tasks"]
    assert [task["number"] for task in tasks] == ["1.", "2.", "3.", "4.", "一是", "二是", "三是", "（二）"]
    first = tasks[0]
    assert first["section"] == ["二、重点任务", "（一）加快项目前期工作"]
    assert (
        first["text"] == "完善项目储备库。建立县级重点项目储备库，实行动态管理，定期更新入库项目。"
    )  # line wrap mended
    # the plan says 列第一位的为牵头单位
    assert (first["lead_units"], first["responsible_units"]) == (["县发展改革局"], ["县财政局"])
    assert (first["deadline_raw"], first["deadline"], first["deadline_kind"]) == (
        "2022年6月底前",
        "2022-06-30",
        "date",
    )


def test_separate_clause_lines_make_one_task(county: dict) -> None:
    second = county["notices"][0]["tasks"][1]
    assert second["text"] == "加快审批手续办理。推行“容缺受理”，压缩审批时限。"
    assert second["lead_units"] == ["县行政审批服务局"]
    assert second["responsible_units"] == ["县自然资源局", "县住建局"]
    assert second["deadline_kind"] == "recurring"
    assert second["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=10"
    assert second["deadline"] == "2022-03-10"


def test_inline_clause_with_deadline_and_working_days(county: dict) -> None:
    tasks = county["notices"][0]["tasks"]
    assert (tasks[2]["lead_units"], tasks[2]["responsible_units"], tasks[2]["deadline"]) == (
        ["县自然资源局"],
        ["各乡镇人民政府"],
        "ongoing",
    )
    assert tasks[2]["generic_units"] == ["各乡镇人民政府"]
    # 10 working days from Tuesday 2022-03-01
    assert tasks[3]["deadline"] == "2022-03-15"


def test_one_task_per_enumerated_clause(county: dict) -> None:
    tasks = county["notices"][0]["tasks"][4:7]
    assert [task["text"] for task in tasks] == [
        "建立县级领导联系重点项目制度",
        "建立项目专班",
        "定期通报进度",
    ]
    assert all(task["section"][-1] == "5.落实联系制度" for task in tasks)
    assert [task["lead_units"] for task in tasks] == [["县委办"], ["县发展改革局"], ["县政府办公室"]]


def test_item_without_unit_or_deadline_is_not_a_task(county: dict) -> None:
    texts = [task["text"] for task in county["notices"][0]["tasks"]]
    assert not any(text.startswith("做好宣传报道") for text in texts)
    assert not any(text.startswith("加强组织领导") for text in texts)


def test_invalid_date_is_flagged(county: dict) -> None:
    last = county["notices"][0]["tasks"][-1]
    assert last["section"] == ["三、保障措施"]
    assert last["deadline"] == "2022-11-30"
    assert "11月只有30天" in last["deadline_issue"]


def test_markdown_plan_with_pipe_table() -> None:
    result = extract_file(SYNTHETIC / "markdown_plan.md").to_dict()
    assert result["jurisdiction"] == "西城区"
    notice = result["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"]) == (
        "西城区2023年政务公开工作要点",
        "西政办字〔2023〕7号",
        "2023-04-10",
    )
    tasks = notice["tasks"]
    first = tasks[0]
    assert first["number"] == "1."
    assert first["section"] == ["一、加强政策解读"]  # stray spaces in the heading removed
    assert first["text"].startswith(
        "做好政策解读。主动公开的政策性文件均应开展解读，6月底前完成解读材料目录梳理。"
    )
    # the clause was cut by a page break and its tail printed as a markdown heading
    assert (first["lead_units"], first["responsible_units"]) == (["区政府办公室"], ["区政府各部门"])
    assert first["deadline"] == "2023-06-30"
    rows = tasks[2:]
    assert [(t["number"], t["text"], t["responsible_units"], t["deadline"]) for t in rows] == [
        ("1", "更新政府信息公开指南", ["区政府办公室"], "2023-03-31"),
        ("2", "编制年度报告", ["区政府办公室", "区司法局"], "2023-12-31"),
        ("3", "开展政府开放日活动", ["各街道办事处"], "2023-06-30"),
    ]
    assert rows[2]["recurrence"] == "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
    assert rows[0]["section"] == ["二、重点任务清单"]


def test_tab_separated_task_table() -> None:
    text = (
        "某区2022年民生实事任务分工方案\n\n"
        "序号\t工作任务\t牵头单位\t配合单位\t完成时限\n"
        "1\t新建口袋公园5处\t区住建局\t区财政局、区自然资源局\t2022年10月底前\n"
        "2\t改造老旧小区10个\t区住建局\t各街道办事处\t年底前\n"
        "3\t建立工作台账\t\t\t\n"
    )
    result = extract_bytes(text.encode(), "plan.txt", year=2022)
    tasks = tasks_of(result)
    assert [(t["number"], t["lead_units"], t["responsible_units"], t["deadline"]) for t in tasks] == [
        ("1", ["区住建局"], ["区财政局", "区自然资源局"], "2022-10-31"),
        ("2", ["区住建局"], ["各街道办事处"], "2022-12-31"),
    ]


def test_page_break_inside_a_unit_name_and_clause() -> None:
    text = (
        "关于加强安全生产的实施方案\n\n一、重点任务\n\n"
        "（一）开展隐患排查。对重点行业开展全覆盖排查整治。（责任单位：区应急局、各镇政\n\n府、街道办事处）\n\n"
        "（二）完善应急预案。修订完善各类应急预案。（完成时\n\n限：2021年9月30日）\n"
    )
    tasks = tasks_of(extract_bytes(text.encode(), "plan.txt"))
    assert tasks[0]["responsible_units"] == ["区应急局", "各镇政府", "街道办事处"]
    assert tasks[1]["deadline"] == "2021-09-30"
    assert (tasks[1]["lead_units"], tasks[1]["responsible_units"]) == ([], [])


GBK_TEXT = (
    "关于推进工作的方案\n\n一、重点任务\n\n1.建立台账。（责任单位：区财政局；完成时限：2021年6月底前）\n"
)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("gbk", b""),
        ("gb18030", b""),
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(prefix + GBK_TEXT.encode(encoding))
    tasks = tasks_of(extract_file(path))
    assert [(t["text"], t["responsible_units"], t["deadline"]) for t in tasks] == [
        ("建立台账。", ["区财政局"], "2021-06-30")
    ]


def test_short_gbk_text_is_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes("（责任单位：区财政局）".encode("gbk"))
    result = extract_file(path)
    assert result.notices[0].tasks == [] or result.notices[0].tasks[0].responsible_units == ["区财政局"]


def test_gb18030_beyond_gbk(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(GBK_TEXT.replace("建立台账", "建立䶮台账").encode("gb18030"))
    assert tasks_of(extract_file(path))[0]["text"] == "建立䶮台账。"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_junk_is_refused(seed: int) -> None:
    junk = random.Random(seed).randbytes(5000)
    with pytest.raises(ExtractionError, match=r"无法识别文件编码|不是可识别的文本"):
        extract_bytes(junk, "junk.txt")


def test_decimal_outline_two_line_title_and_bracket_forms() -> None:
    result = extract_file(SYNTHETIC / "city_plan_decimal.txt").to_dict()
    notice = result["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"]) == (
        "东江市2024年数字政府建设工作要点",  # the 通知 title was set over two lines
        "东政发〔2024〕3号",
        "2024-02-20",
    )
    rows = [
        (
            t["section"],
            t["number"],
            t["lead_units"],
            t["responsible_units"],
            t["deadline"],
            t["deadline_kind"],
        )
        for t in notice["tasks"]
    ]
    assert rows == [
        # "市大数据局（牵头）、市财政局，2024年9月底前完成"
        (["1 夯实数字基础设施"], "1.1", ["市大数据局"], ["市财政局"], "2024-09-30", "date"),
        # a bare list of units closing the item
        (["1 夯实数字基础设施"], "1.2", [], ["市大数据局", "各县（市、区）人民政府"], None, "none"),
        # keys without separators between them; 按季度 in the deadline position
        (
            ["2 提升政务服务效能"],
            "2.1",
            ["市政务服务中心"],
            ["市大数据局", "市司法局"],
            "2024-03-31",
            "recurring",
        ),
        (["2 提升政务服务效能"], "2.2", [], ["市政务服务中心"], "2024-12-31", "date"),
    ]


def test_table_flattened_into_lines_is_rebuilt() -> None:
    text = (
        "关于推进政务服务的工作方案\n\n一、任务分工\n\n"
        "序号 工作任务 责任单位 完成时限\n"
        "1 建立完善政务服务事项清单 区行政审批服务局 2021年6月底前\n"
        "2 推进一网通办 区大数据中心、区行政审批 2021年12月底前\n"
        "服务局\n"
        "3 开展政务服务 好差评 区政务服务中心 区司法局 长期\n"
        "二、保障措施\n"
    )
    tasks = tasks_of(extract_bytes(text.encode(), "plan.txt", year=2021))
    assert [(t["section"], t["number"], t["text"], t["responsible_units"], t["deadline"]) for t in tasks] == [
        (["一、任务分工"], "1", "建立完善政务服务事项清单", ["区行政审批服务局"], "2021-06-30"),
        (["一、任务分工"], "2", "推进一网通办", ["区大数据中心", "区行政审批服务局"], "2021-12-31"),
        (["一、任务分工"], "3", "开展政务服务好差评", ["区政务服务中心", "区司法局"], "ongoing"),
    ]


def test_provincial_plan_in_another_house_style() -> None:
    result = extract_file(SYNTHETIC / "province_plan.txt").to_dict()
    assert result["jurisdiction"] == "广东省"
    notice = result["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"], notice["issuer"]) == (
        "广东省推进数字政府建设2023年工作要点",
        "粤办函〔2023〕88号",
        "2023-04-12",
        "广东省人民政府办公厅",
    )
    rows = [(t["number"], t["lead_units"], t["responsible_units"], t["deadline"]) for t in notice["tasks"]]
    assert rows == [
        ("1.", ["省政务服务数据管理局"], ["省发展改革委", "省财政厅等"], None),
        ("2.", [], ["省政务服务数据管理局", "各地级以上市人民政府"], "2023-12-31"),
        ("3.", ["省政务服务数据管理局"], ["省有关单位"], None),
        ("4.", ["省政务服务数据管理局"], [], "2023-09-30"),
        ("5.", [], ["省委网信办", "省公安厅"], "ongoing"),
    ]


def test_docno_written_after_the_title() -> None:
    text = (
        "河西区人民政府办公室关于印发河西区2022年为民办实事项目实施方案的通知（西政办发〔2022〕5号）\n\n"
        "各街道办事处，区政府各部门：\n"
        "现将《河西区2022年为民办实事项目实施方案》印发给你们，请认真组织实施。\n\n"
        "河西区人民政府办公室\n2022年2月10日\n\n河西区2022年为民办实事项目实施方案\n\n"
        "一、改造老旧小区20个。（责任单位：区住建局；完成时限：2022年11月底前）\n"
        "二、新增公办幼儿园学位1000个。（区教体局牵头，区财政局配合）\n"
    )
    notice = extract_bytes(text.encode(), "x.txt").to_dict()["notices"][0]
    assert (notice["title"], notice["number"], notice["issued"]) == (
        "河西区2022年为民办实事项目实施方案",
        "西政办发〔2022〕5号",
        "2022-02-10",
    )
    rows = [(t["number"], t["lead_units"], t["responsible_units"], t["deadline"]) for t in notice["tasks"]]
    assert rows == [
        ("一、", [], ["区住建局"], "2022-11-30"),
        ("二、", ["区教体局"], ["区财政局"], None),
    ]


def test_a_plan_without_tasks_says_so() -> None:
    result = extract_bytes("关于召开会议的通知\n\n定于下周召开全体会议。\n".encode(), "x.txt")
    assert result.task_count == 0
    assert result.warnings == ["未识别到带责任单位或完成时限的任务。"]


@pytest.mark.parametrize(
    "rule", ["列第一位者为牵头单位", "排在第一位的为牵头单位", "责任单位排名第一的为牵头单位"]
)
def test_first_listed_unit_leads_when_the_plan_says_so(rule: str) -> None:
    text = (
        f"南城区2022年重点工作方案\n\n（注：{rule}。）\n\n一、重点任务\n\n"
        "1.建立台账。（责任单位：区财政局、区审计局、区统计局）\n"
    )
    (task,) = tasks_of(extract_bytes(text.encode(), "x.txt"))
    assert (task["lead_units"], task["responsible_units"]) == (["区财政局"], ["区审计局", "区统计局"])


def test_without_such_a_rule_all_listed_units_are_responsible() -> None:
    text = "南城区2022年重点工作方案\n\n一、重点任务\n\n1.建立台账。（责任单位：区财政局、区审计局）\n"
    (task,) = tasks_of(extract_bytes(text.encode(), "x.txt"))
    assert (task["lead_units"], task["responsible_units"]) == ([], ["区财政局", "区审计局"])
