"""Assignment clauses in every form the seeds use and the common ones beyond them."""

from __future__ import annotations

import pytest

from obligations.extract.clauses import find_clauses


def one(text: str) -> tuple[list[str], list[str], str | None, str | None]:
    clauses = find_clauses(text)
    assert len(clauses) == 1, clauses
    clause = clauses[0]
    return clause.lead, clause.responsible, clause.person, clause.deadline_raw


@pytest.mark.parametrize(
    ("text", "lead", "responsible", "person", "deadline"),
    [
        ("完善制度。(责任单位:市财政局、市税务局)", [], ["市财政局", "市税务局"], None, None),
        ("完善制度。（责任单位：市财政局，市税务局）", [], ["市财政局", "市税务局"], None, None),
        ("完善制度。(责任单 位:区交通 运输局、区财政局)", [], ["区交通运输局", "区财政局"], None, None),
        (
            "完善制度。〔责任单位：市财政局、各区县政府（含高新区、经济开发区，下同）〕",
            [],
            ["市财政局", "各区县政府（含高新区、经济开发区，下同）"],
            None,
            None,
        ),
        ("完善制度。[责任单位:市财政局]", [], ["市财政局"], None, None),
        (
            "牵头单位：市大数据局、市行政审批服务局；责任单位：市有关部门，有关单位，各区县政府。",
            ["市大数据局", "市行政审批服务局"],
            ["市有关部门", "有关单位", "各区县政府"],
            None,
            None,
        ),
        ("牵头单位:市大数据局;配合单位:市公安局", ["市大数据局"], ["市公安局"], None, None),
        (
            "强化监督。(区司法局牵头,区政府相关部门按职责分工负责)",
            ["区司法局"],
            ["区政府相关部门"],
            None,
            None,
        ),
        (
            "强化监督。（区司法局、区财政局牵头，区政府相关部门按职责分工负责）",
            ["区司法局", "区财政局"],
            ["区政府相关部门"],
            None,
            None,
        ),
        ("全覆盖检查。（区市场监管局牵头负责）", ["区市场监管局"], [], None, None),
        ("(区财政局、区地方金融监管局 牵头负责)", ["区财政局", "区地方金融监管局"], [], None, None),
        ("开展督查。（区财政局、区农业局分头负责）", [], ["区财政局", "区农业局"], None, None),
        (
            "（区住建局、周村供电中心负责落实；2018年9月底完成）",
            [],
            ["区住建局", "周村供电中心"],
            None,
            "2018年9月底完成",
        ),
        ("（周村供电中心负责；长期坚持）", [], ["周村供电中心"], None, "长期坚持"),
        ("抓好落实。(责任人:宋振波;责任单位:市税务局)", [], ["市税务局"], "宋振波", None),
        (
            "（责任单位：区政务服务中心管理办公室牵头，区公安分局、区民政局配合，"
            "区电政信息中心负责共享平台技术支持，完成时限：2018年9月30日）",
            ["区政务服务中心管理办公室"],
            ["区公安分局", "区民政局", "区电政信息中心"],
            None,
            "2018年9月30日",
        ),
        (
            "（责任单位：区住建局、周村供电中心，协调单位：区经信局）",
            [],
            ["区住建局", "周村供电中心", "区经信局"],
            None,
            None,
        ),
        (
            "（责任单位：区政府办公室、区编办牵头，各功能组、专项行动牵头部门参与）",
            ["区政府办公室", "区编办"],
            ["各功能组", "专项行动牵头部门"],
            None,
            None,
        ),
        (
            "(牵头部门:区地方金融监管局、区财政局,责任部门:区科技局)",
            ["区地方金融监管局", "区财政局"],
            ["区科技局"],
            None,
            None,
        ),
        ("(区税务局,区政府相关部门按职责分工负责)", [], ["区税务局", "区政府相关部门"], None, None),
        ("(完成时限:2020年7月31日)", [], [], None, "2020年7月31日"),
        (
            "（责任单位：区发改局牵头，区政府有关部门配合；完成时限2018年11月底前）",
            ["区发改局"],
            ["区政府有关部门"],
            None,
            "2018年11月底前",
        ),
        (
            "(责任单位:市行政审批服务局,各区县政府(以下简称“各区县政府”)。黑体字部门为牵头部门,以下每项工作都需要落实。)",
            [],
            ["市行政审批服务局", "各区县政府"],
            None,
            None,
        ),
        (
            "加强协作。（主办单位：区民政局；协办单位：区财政局；时间节点：2022年6月底前）",
            ["区民政局"],
            ["区财政局"],
            None,
            "2022年6月底前",
        ),
        ("加强协作。（区卫生健康局和区医疗保障局负责）", [], ["区卫生健康局", "区医疗保障局"], None, None),
        (
            "开展试点。（负责部门：人民银行、外汇局，适用范围：福建自贸试验区）",
            [],
            ["人民银行", "外汇局"],
            None,
            None,
        ),
        ("开展试点。（负责部门：商务部；适用范围：所有自贸试验区）", [], ["商务部"], None, None),
        ("推广技术。（工业和信息化部、商务部指导）", [], ["工业和信息化部", "商务部"], None, None),
        ("完善平台。（商务部指导，供销合作总社参与）", [], ["商务部", "供销合作总社"], None, None),
        (
            "强化分工。（生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出）",
            [],
            ["生态环境部", "试点城市政府"],
            None,
            None,
        ),
    ],
)
def test_clause_forms(
    text: str, lead: list[str], responsible: list[str], person: str | None, deadline: str | None
) -> None:
    assert one(text) == (lead, responsible, person, deadline)


@pytest.mark.parametrize(
    "text",
    [
        "成立领导小组（以下简称“领导小组”），统筹推进。",
        "填写调研表（见附件1），报送汇总。",
        "对市级以上（含市级）机构给予补助。",
        "联系人（联系人：何晨，联系电话：6195599）。",
        "项目建设（2019-2021年）专账管理。",
        "由财政部门牵头负责资产移交等工作；档案部门负责有关档案管理。",  # prose, not a clause
        "开展培训（在专家指导下），提升能力。",
    ],
)
def test_not_clauses(text: str) -> None:
    assert find_clauses(text) == []


def test_several_clauses_in_one_item_stay_separate() -> None:
    text = (
        "一是排查整治安全隐患(责任单位:区交通运输局);二是打击违法犯罪行为(责任单位:区公安分局);"
        "三是加大资金投入(责任单位:区财政局)。"
    )
    clauses = find_clauses(text)
    assert [clause.responsible for clause in clauses] == [["区交通运输局"], ["区公安分局"], ["区财政局"]]


def test_clause_cut_by_a_page_break_is_read_to_the_end() -> None:
    clauses = find_clauses("加强疫苗监管。(区人社局牵头,区政府相关部门按职责分")
    assert len(clauses) == 1
    assert clauses[0].lead == ["区人社局"]


def test_nested_garbage_keeps_the_real_clause() -> None:
    text = "推进评价。(区发索推 进评价。(区发改局、 区行政审批服务局牵头,区人社局按职责分工负 责)"
    clause = one(text)
    assert clause[:2] == (["区发改局", "区行政审批服务局"], ["区人社局"])


def test_key_right_after_the_text() -> None:
    assert one("完善项目储备库，实行动态管理责任单位：县发改局；完成时限：2022年6月底前") == (
        [],
        ["县发改局"],
        None,
        "2022年6月底前",
    )


def test_bare_unit_list_only_where_it_closes_the_item() -> None:
    assert one("推进项目建设。（市发展改革委、市财政局）")[:2] == ([], ["市发展改革委", "市财政局"])
    assert find_clauses("报市政府办公室（市政务服务中心）备案后实施。") == []
    assert find_clauses("适用于市属国有企业（以下简称国有企业）。") == []
