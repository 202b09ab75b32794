"""The government level a unit's name speaks of: 国家 (部委), 省, 市, 区/县, 镇/街道.

Used to keep the unit directory from offering a mapping across levels as a safe match: 区司法局 is
not 市司法局, and 交通运输部 is not 市交通运输局, however alike the words. The level is read from
the place part of the name (the last administrative marker before the organ's own words: 淄博市张店区
财政局 is a district's), after words that merely contain a marker (市场, 城乡, 社区 …) are set aside
and bracketed notes dropped. A name that says no level (市场监管局, 人民银行) has none: unknown, not
different. Framework-free, like the rest of the engine.
"""

from __future__ import annotations

import re

CENTRAL, PROVINCE, CITY, DISTRICT, TOWNSHIP = "central", "province", "city", "district", "township"
LABELS = {CENTRAL: "国家级", PROVINCE: "省级", CITY: "市级", DISTRICT: "区县级", TOWNSHIP: "镇街级"}

# Words that contain a marker character but name no place.
_NOT_PLACES = re.compile(
    r"市场|城市|市民(?=投诉|之家|卡|服务|热线)|市容|市政(?!府)|超市|城乡|乡村|乡镇企业|区域|社区|园区(?!管)"
    r"|景区|小区|街区|辖区|城区|郊区|县域|镇村"
)
# A name that starts with its level (市民政局, 区市场监管局) says it in its first character.
_LEADING = re.compile(r"^(?!市场)(省|市|区|县|镇|乡)")
_COUNTY_CITY = re.compile(r"县级市|县市区|市辖区")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_MARKERS = re.compile(r"自治区|特别行政区|省|自治州|市|州|盟|区|县|旗|街道|镇|乡|苏木")
_LEVEL_OF_MARKER = {
    "自治区": PROVINCE,
    "特别行政区": PROVINCE,
    "省": PROVINCE,
    "自治州": CITY,
    "市": CITY,
    "州": CITY,
    "盟": CITY,
    "区": DISTRICT,
    "县": DISTRICT,
    "旗": DISTRICT,
    "街道": TOWNSHIP,
    "镇": TOWNSHIP,
    "乡": TOWNSHIP,
    "苏木": TOWNSHIP,
}
_CENTRAL = re.compile(r"^(国务院|国家|中央|全国|中共中央)|[^市区县省]部$")


def unit_level(name: str) -> str | None:
    """The level a unit name speaks of, or None when it does not say."""
    text = _BRACKETS.sub("", name or "").strip().removeprefix("各")
    text = _COUNTY_CITY.sub("县", text)
    leading = _LEADING.match(text)
    head, rest = (leading.group(), text[1:]) if leading else ("", text)
    markers = list(_MARKERS.finditer(_NOT_PLACES.sub("··", rest)))
    if markers:
        return _LEVEL_OF_MARKER[markers[-1].group()]
    if head:
        return _LEVEL_OF_MARKER[head]
    text = rest
    if _CENTRAL.search(text):
        return CENTRAL
    return None


def same_level(a: str, b: str) -> bool:
    """False only when both names say a level and the levels differ."""
    level_a, level_b = unit_level(a), unit_level(b)
    return level_a is None or level_b is None or level_a == level_b


def level_label(name: str) -> str:
    """国家级 / 省级 / 市级 / 区县级 / 镇街级, or 未标明层级."""
    return LABELS.get(unit_level(name) or "", "未标明层级")
