"""Shapes found in real published plans (issue 14): web copies, key lines after short targets,
clause forms, the document's own lead rule, people, and deadlines named by a holiday or season."""

from __future__ import annotations

import pytest

from obligations.extract import extract_bytes
from obligations.extract.chrome import is_chrome
from obligations.extract.deadlines import DeadlineContext, find_text_deadline, parse_deadline

HEADER = """关于印发某市2024年优化营商环境重点任务分工方案的通知
某政办发〔2024〕3号
各区县人民政府，市政府各部门：
现将方案印发给你们，请认真贯彻落实。
某市人民政府办公室
2024年3月5日
某市2024年优化营商环境重点任务分工方案
一、重点任务
"""


def tasks(body: str, header: str = HEADER) -> list[dict]:
    result = extract_bytes((header + body).encode("utf-8"), "plan.txt").to_dict()
    return [task for notice in result["notices"] for task in notice["tasks"]]


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("发布时间:2020-10-21 16:21 来源:宣城市卫生健康委员会 浏览次数: 字体:[ ]", True),
        ("字体大小：【大 中 小】", True),
        ("分享", True),
        ("打印 关闭窗口", True),
        ("您现在的位置: 首页 > 政策前沿", True),
        ("浏览次数：1234", True),
        ("牵头单位：区发改局", False),
        ("来源于各部门的数据要及时共享。", False),
        ("完成时间：2023年底前", False),
    ],
)
def test_site_chrome_lines(line: str, chrome: bool) -> None:
    assert is_chrome(line) is chrome


def test_web_copy_with_chrome_blank_lines_and_a_table_one_cell_per_line() -> None:
    page = """首页 > 政务公开 > 政府文件

某市人民政府办公室关于印发2023年重点工作责任分解的通知

发布时间:2023-03-03 09:37 信息来源:市政府办公室 浏览次数:

字体大小【大 中 小】

某市2023年重点工作责任分解

任务项

重点工作内容

牵头责任单位

完成时限

1

建成城市大脑二期,实现一网统管。

市大数据局

2023年国庆节前

2

新增城镇就业1万人。

市人力资源社会保障局

长期坚持

分享

打印

关闭窗口
"""
    found = tasks(page, header="")
    assert [(t["text"], t["lead_units"], t["deadline"]) for t in found] == [
        ("建成城市大脑二期,实现一网统管。", ["市大数据局"], "2023-09-30"),
        ("新增城镇就业1万人。", ["市人力资源社会保障局"], "ongoing"),
    ]


def test_key_lines_after_a_short_numbered_target() -> None:
    body = "1.地区生产总值增长6%左右。\n\n牵头单位:区发改局\n\n责任单位:区统计局,各街道\n\n2.新增市场主体2000户。\n\n牵头单位:区市场局\n"
    found = tasks(body)
    assert [(t["number"], t["lead_units"], t["responsible_units"]) for t in found] == [
        ("1.", ["区发改局"], ["区统计局", "各街道"]),
        ("2.", ["区市场局"], []),
    ]


@pytest.mark.parametrize(
    ("clause", "lead", "responsible"),
    [
        ("（市政务服务局会同市发展改革委负责）", ["市政务服务局"], ["市发展改革委"]),
        (
            "（市政务服务局、市大数据局会同市财政局、市审计局按职责分工负责）",
            ["市政务服务局", "市大数据局"],
            ["市财政局", "市审计局"],
        ),
        ("（市市场监管局牵头，市司法局配合）", ["市市场监管局"], ["市司法局"]),
        ("(市市场监管局牵头,市司法局配合)", ["市市场监管局"], ["市司法局"]),
        ("（市大数据局、市政务服务局按职责分工负责）", [], ["市大数据局", "市政务服务局"]),
        ("（市委宣传部等有关部门和单位负责）", [], ["市委宣传部等有关部门和单位"]),
        ("（各省级人民政府负责）", [], ["各省级人民政府"]),
    ],
)
def test_clause_forms(clause: str, lead: list[str], responsible: list[str]) -> None:
    (task,) = tasks(f"（一）推进审批提速。全面梳理事项清单。{clause}\n")
    assert (task["lead_units"], task["responsible_units"]) == (lead, responsible)


def test_lead_rule_stated_once_applies_from_there_on() -> None:
    body = (
        "（一）建立台账。（市财政局、市审计局负责）\n"
        "（二）推进共享。（市大数据局、市政务服务局负责，列第一位者为牵头单位，下同）\n"
        "（三）开展评估。（市统计局、市发展改革委负责）\n"
    )
    found = tasks(body)
    assert [(t["lead_units"], t["responsible_units"]) for t in found] == [
        ([], ["市财政局", "市审计局"]),
        (["市大数据局"], ["市政务服务局"]),
        (["市统计局"], ["市发展改革委"]),
    ]


def test_lead_rule_in_the_notice_says_which_unit_is_first() -> None:
    header = HEADER.replace("请认真贯彻落实。", "请认真贯彻落实。排在第一位的部门为牵头部门。")
    (task,) = tasks("（一）建立台账。（市财政局、市审计局负责）\n", header=header)
    assert (task["lead_units"], task["responsible_units"]) == (["市财政局"], ["市审计局"])


def test_leaders_and_persons_are_people_not_units() -> None:
    body = "1.推进数据共享。\n牵头单位：市大数据局\n牵头负责领导：张三\n责任人：李四\n"
    (task,) = tasks(body)
    assert task["lead_units"] == ["市大数据局"]
    assert task["responsible_units"] == []
    assert task["responsible_person"] == "张三、李四"


CTX = DeadlineContext(year=2024, issued=__import__("datetime").date(2024, 3, 5))


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2026年国庆节前", "2026-09-30"),  # never 2026-12-31 from "2026年"
        ("国庆节前", "2024-09-30"),
        ("春节前", "2025-01-28"),  # the first 春节 after the issue date: 2025-01-29, so 除夕
        ("2024年春节前", "2024-02-09"),
        ("元旦前", "2024-12-31"),
        ("五一前", "2024-04-30"),
        ("年中前", "2024-06-30"),
        ("下半年", "2024-12-31"),
        ("中秋节前", "2024-09-16"),
    ],
)
def test_holiday_and_season_deadlines(phrase: str, expected: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None and (deadline.value, deadline.issue) == (expected, None)


@pytest.mark.parametrize("phrase", ["汛期前", "2026年秋收前", "2026年开学前"])
def test_undatable_points_in_time_are_flagged_never_dated(phrase: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None and deadline.value is None and deadline.issue


def test_holiday_without_issue_date_uses_the_plan_year_and_says_so() -> None:
    deadline = parse_deadline("春节前", DeadlineContext(year=2024))
    assert deadline is not None and deadline.value == "2024-02-09"
    assert deadline.flags


def test_deadline_in_text_named_by_holiday_and_ongoing_tail() -> None:
    assert find_text_deadline("压缩报装时间，2026年国庆节前完成。", CTX).value == "2026-09-30"  # type: ignore[union-attr]
    ongoing = find_text_deadline("定期开展评估，长期坚持。", CTX)
    assert ongoing is not None and (ongoing.raw, ongoing.value) == ("长期坚持", "ongoing")


def test_relative_to_issue_date_and_flagged_without_it() -> None:
    (task,) = tasks("（一）制定细则。方案印发后一个月内出台。（市司法局负责）\n")
    assert task["deadline"] == "2024-04-05"
    (task,) = tasks("（一）制定细则。方案印发后一个月内出台。（市司法局负责）\n", header="")
    assert task["deadline"] is None and task["deadline_issue"]


def flat_plan() -> str:
    """A plan whose line breaks were lost: one line, labels after sentence ends and after clauses."""
    measure = "完善服务机制，推进信息共享，建立工作台账，定期通报进展情况，确保各项措施落地见效。" * 5
    return (
        "各区县人民政府，市政府各部门：为优化营商环境，现制定如下分工方案。"
        "一、提升审批效率（一）精简审批环节。" + measure + "（市政务服务局牵头，市直有关部门按职责分工负责）"
        "具体措施：1.2024年6月底前公布审批事项清单。" + measure + "（市政务服务局负责）"
        "2.推行告知承诺制。" + measure + "（市司法局及各区县按职责分工负责）"
        "（二）压减办理时限。" + measure + "（市住建局牵头，市自然资源局参与）"
        "二、加强监管（三）规范执法检查。" + measure + "（市市场监管局负责）"
        "具体措施：2024年底前建立检查计划统筹机制。" + measure + "（市市场监管局负责）\n"
    )


def test_a_plan_that_lost_its_line_breaks_is_cut_back_at_its_labels() -> None:
    found = tasks(flat_plan(), header="")
    assert [(t["number"], t["text"][:6], t["lead_units"], t["responsible_units"]) for t in found] == [
        ("（一）", "精简审批环节", ["市政务服务局"], ["市直有关部门"]),
        ("1.", "2024年6", [], ["市政务服务局"]),
        ("2.", "推行告知承诺", [], ["市司法局及各区县"]),
        ("（二）", "压减办理时限", ["市住建局"], ["市自然资源局"]),
        ("（三）", "规范执法检查", [], ["市市场监管局"]),
        (None, "2024年底", [], ["市市场监管局"]),
    ]
    assert [t["deadline"] for t in found] == [None, "2024-06-30", None, None, None, "2024-12-31"]


@pytest.mark.parametrize(
    "text",
    [
        "完成一、二级备案。" * 60,  # an enumeration inside a sentence is not a label
        "增长3.2%，其中（一）类项目占比提高。" * 40,
    ],
)
def test_long_paragraphs_without_an_outline_stay_whole(text: str) -> None:
    from obligations.extract.blocks import Block
    from obligations.extract.flattened import split_flattened

    assert len(split_flattened([Block(text=text)])) == 1


def test_a_number_that_continues_the_sequence_is_a_label_even_before_digits() -> None:
    body = (
        "10.学者岗位项目。设立特聘岗位。（牵头单位：市委组织部，配合单位：各有关单位）\n"
        "11.121人才梯队项目。重点培养后备人才。（牵头单位：市人社局，配合单位：各区、县级市）\n"
    )
    found = tasks(body)
    assert [(t["number"], t["text"][:6], t["responsible_units"]) for t in found] == [
        ("10.", "学者岗位项目", ["各有关单位"]),
        ("11.", "121人才梯", ["各区", "县级市"]),
    ]


def test_a_plan_without_header_takes_its_year_from_its_first_full_date_and_says_so() -> None:
    body = (
        "2020年9月11日，全国电视电话会议部署了重点任务，现制定如下分工方案。\n"
        "(一)完善一体化政务服务平台，年底前完成对接。(国务院办公厅牵头，各地区、各部门负责)\n"
    )
    found = tasks(body, header="")
    assert [(t["deadline_raw"], t["deadline"]) for t in found] == [("年底前", "2020-12-31")]
    assert any("按正文所写的 2020 年计算" in flag for flag in found[0]["review_flags"])


def test_a_clause_on_its_own_line_after_sub_items_closes_their_parent() -> None:
    body = (
        "(一)“一案三制”建设\n"
        "1.完善应急预案体系\n"
        "(1)加强应急预案管理,规范应急预案编制。\n"
        "(2)推进应急预案“精编化”,及时修订完善现有应急预案。\n"
        "(3)加强应急预案演练,完善演练管理制度。\n"
        "(责任单位:市直各有关单位、各县(市、区)人民政府)\n"
        "2.健全应急管理体制\n"
        "(1)理顺应急管理机构职能。(责任单位:市应急办)\n"
        "(2)加强基层应急管理。(责任单位:各县(市、区)人民政府)\n"
    )
    found = tasks(body)
    assert [(t["number"], t["text"][:12], t["responsible_units"]) for t in found] == [
        ("1.", "完善应急预案体系(1)加", ["市直各有关单位", "各县(市、区)人民政府"]),
        ("(1)", "理顺应急管理机构职能。", ["市应急办"]),
        ("(2)", "加强基层应急管理。", ["各县(市、区)人民政府"]),
    ]
