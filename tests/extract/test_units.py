"""Unit names: splitting, normalising for matching, recognising groups."""

from __future__ import annotations

import pytest

from obligations.extract.units import is_generic_group, looks_like_unit, normalise_unit_name, split_units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "市财政局、市税务局，市人民银行,淄博银保监分局；各区县政府",
            ["市财政局", "市税务局", "市人民银行", "淄博银保监分局", "各区县政府"],
        ),
        ("区 行政 审批服务局、区司 法局", ["区行政审批服务局", "区司法局"]),
        ("区政府办公室（区大数据局）、区发改局", ["区政府办公室（区大数据局）", "区发改局"]),
        ("区政府办公室(区大数据局)、区发改局", ["区政府办公室(区大数据局)", "区发改局"]),
        (
            "市有关部门,各区县政府(含高新区、经济开发区、文昌湖区管委会,下同)",
            ["市有关部门", "各区县政府(含高新区、经济开发区、文昌湖区管委会,下同)"],
        ),
        ("文昌湖旅游度假区管委会(以下简称“各区县政府”)", ["文昌湖旅游度假区管委会"]),
        ("区政府相关部门按职责分工负责", ["区政府相关部门"]),
        ("区医保局等按部门职责分工负责", ["区医保局等"]),
        ("区电政信息中心负责共享平台技术支持", ["区电政信息中心"]),
        ("各功能组、专项行动牵头部门", ["各功能组", "专项行动牵头部门"]),
        # 和/及 split only between two specific units, never inside a name
        ("区卫生健康局和区医疗保障局", ["区卫生健康局", "区医疗保障局"]),
        ("市工业和信息化局、区文化和旅游局", ["市工业和信息化局", "区文化和旅游局"]),
        ("区应急局及有关部门", ["区应急局及有关部门"]),
        ("区交通运输局和有关执法机构", ["区交通运输局和有关执法机构"]),
        ("区大数据中心等部门", ["区大数据中心等部门"]),
        ("市财政局、市财政局", ["市财政局"]),
        # "各区、县级市": each district and each county-level city; a district named on its own
        ("市人力资源和社会保障局，各区、县级市", ["市人力资源和社会保障局", "各区", "县级市"]),
        ("市财政局、越秀区", ["市财政局", "越秀区"]),
        # "等" closes an enumeration; a joiner right after it adds another party
        (
            "全国总工会、共青团中央、全国妇联等和各省级人民政府负责",
            ["全国总工会", "共青团中央", "全国妇联等", "各省级人民政府"],
        ),
        ("商务部等及各有关省级人民政府", ["商务部等", "各有关省级人民政府"]),
        ("区教育局等与区财政局", ["区教育局等", "区财政局"]),
        ("教育部等有关部门和单位", ["教育部等有关部门和单位"]),  # the joiner is not right after 等
        ("中央和国家机关工委、民盟中央", ["中央和国家机关工委", "民盟中央"]),
        ("", []),
    ],
)
def test_split_units(text: str, expected: list[str]) -> None:
    assert split_units(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("区 大数据中心等部门", "区大数据中心"),
        ("区司法局等区政府相关部门", "区司法局"),
        ("区政府办公室(区大数据局)", "区政府办公室（区大数据局）"),
        ("区财政局按职责分工负责", "区财政局"),
        ("市工商联等", "市工商联"),
        ("市工业和信息化局", "市工业和信息化局"),
        ("  市 税务局 。", "市税务局"),
    ],
)
def test_normalise_unit_name(name: str, expected: str) -> None:
    assert normalise_unit_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "各区县政府",
        "各镇人民政府",
        "区政府相关部门",
        "各有关单位",
        "市有关部门",
        "区政府各部门",
        "有关执法机构",
        "街道办事处",
        "县级市",
    ],
)
def test_generic_groups(name: str) -> None:
    assert is_generic_group(name)


@pytest.mark.parametrize(
    "name", ["区财政局", "光明路街道办事处", "区政府办公室（区大数据局）", "淄博银保监分局"]
)
def test_specific_units(name: str) -> None:
    assert not is_generic_group(name)


@pytest.mark.parametrize(
    ("name", "unit"), [("越秀区", True), ("长阳县", True), ("试点城市", False), ("示范区", False)]
)
def test_places_named_on_their_own(name: str, unit: bool) -> None:
    assert looks_like_unit(name) is unit


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("共青团中央", True),  # a people's organisation's central body
        ("民盟中央", True),
        ("团中央", True),
        ("市委党组", True),
        ("市军分区", True),
        ("中央", False),  # the word alone names nobody
    ],
)
def test_bodies_named_by_their_own_word(name: str, expected: bool) -> None:
    assert looks_like_unit(name) is expected
