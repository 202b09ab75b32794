"""The government level a unit name speaks of, so the directory never offers a cross-level match."""

from __future__ import annotations

import pytest

from obligations.extract.unit_levels import level_label, same_level, unit_level


@pytest.mark.parametrize(
    "name,level",
    [
        ("市司法局", "city"),
        ("区司法局", "district"),
        ("交通运输部", "central"),
        ("国家发展改革委", "central"),
        ("市交通运输局", "city"),
        ("省交通运输厅", "province"),
        ("淄博市张店区财政局", "district"),  # the last place named before the organ
        ("国家税务总局淄博市税务局", "city"),
        ("人民银行淄博市中心支行", "city"),
        ("市住房城乡建设局", "city"),  # 城乡 names no place
        ("市城市管理局", "city"),
        ("市民政局", "city"),  # 市 + 民政局, not 市民
        ("淄博市民政局", "city"),
        ("市政府市民投诉中心", "city"),
        ("市市场监管局", "city"),
        ("区市场监管局", "district"),
        ("张店区政府", "district"),
        ("高新区管委会", "district"),
        ("各区县政府", "district"),
        ("县级市政府", "district"),
        ("区政府办公室（区大数据局）", "district"),
        ("各镇（街道）", "township"),
        ("街道办事处", "township"),
        ("市场监管局", None),  # says no level: unknown, never "different"
        ("人民银行", None),
    ],
)
def test_unit_level(name, level):
    assert unit_level(name) == level


def test_same_level_refuses_only_known_different_levels():
    assert not same_level("区司法局", "市司法局")
    assert not same_level("交通运输部", "市交通运输局")
    assert same_level("市大数据中心", "市大数据局")
    assert same_level("市场监管局", "市市场监管局")  # unknown on one side
    assert level_label("区司法局") == "区县级" and level_label("人民银行") == "未标明层级"
