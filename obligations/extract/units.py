"""Unit names: splitting a clause's unit list, normalising a name for matching, recognising groups.

The engine reports names as the plan writes them (the gold annotation's convention: "区大数据中心等部门"
stays whole); ``normalise_unit_name`` is what the application uses to match registered units and
aliases, and it is where tails such as "等部门" and role verbs are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import CLOSE_BRACKETS, OPEN_BRACKETS, fold, squash, strip_markup

_SEPARATORS = frozenset("、，,；;／/")
_QUOTE_OPEN = "“《「『‘"
_QUOTE_CLOSE = "”》」』’"

# What a unit name ends with. Used to tell a unit list from prose inside brackets.
_UNIT_SUFFIX = re.compile(
    r"(?:局|委|办|厅|部|处|科|所|站|队|院|馆|社|会|组|班|室|中心|政府|办事处|街道|镇|乡|村|社区|管委会|委员会|"
    r"开发区|高新区|度假区|园区|新区|公司|集团|银行|支行|分行|海关|法院|检察院|机构|单位|部门|企业|学校|"
    r"医院|协会|商会|联合会|总工会|团委|妇联|残联|科协|侨联|工商联|红十字会|指挥部|专班|小组|平台|"
    r"供电部|分中心|大队|中队|支队|总队|分局|监狱|电视台|报社|研究院|研究所|基地|市场|交易所|服务局|股权|"
    r"署|大学|学院|党校|文联|研究会|基金会|合作社|电台|融媒体中心|"
    # A body's own word for itself after its name: a people's organisation's or party's central body
    # (共青团中央, 民盟中央; "中央" alone, as in 中央和国家机关工委, is not one), a party group (党组),
    # the army's local commands (军分区, 警备区).
    r"(?<=[\u4e00-\u9fff])(?:中央|党组)|军区|军分区|警备区|"
    r"镇街|镇办|各级|各区县|各县区|各市|各区|各县)(?:（[^（）]*）|\([^()]*\))?(?:等[^、，,；;]{0,20})?$"
)
_GENERIC = re.compile(
    r"^(?:各|有关|相关|其他|其它)|(?:有关|相关|其他|其它|各)(?:部门|单位|机构|方面|地区)|成员单位|各部门|各单位|各级|"
    r"^(?:街道|街道办事处|镇|乡镇|镇街|镇（街道）|镇\(街道\)|单位|部门|企业|学校|县级市|县区|区县|市县|县市区)$"
)
# A district, county or city named on its own ("越秀区", "长阳县"): short, so prose ("试点城市") stays out.
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,3}(?<![城验范护能景])(?:区|县|市|旗)$")
# Verb tails that say what the unit does rather than name it.
_ROLE_TAIL = re.compile(
    r"(?:按(?:照)?(?:部门)?(?:各自)?职责(?:分工)?(?:负责|落实|抓好落实|做好)?.*|"
    r"分工负责.*|分头负责.*|共同负责.*|负责落实.*|具体负责.*|牵头(?!部门|单位).*|配合(?!部门|单位).*|参与.*|协助.*|协办.*|"
    r"负责.*|落实|指导)$"
)
_LEADING_NOISE = re.compile(r"^(?:由|请|会同|以及|及|和|与|并)")
_NOTE_PAREN = re.compile(r"[（(](?:以下(?:简称|统称|称)|简称)[^（）()]*[）)]")
_ETC_TAIL = re.compile(r"等(?:[^、，,；;]{0,20})$")
_TRAILING_PUNCT = re.compile(r"[。．.，,、；;：:\s]+$")
_JOINER = re.compile(r"(?<=.)(?:和|及|与|以及)(?=.)")
# "等" closes an enumeration ("A、B等" = A, B and others); a joiner right after it adds another party:
# "B等和各省级人民政府" is "B等" and "各省级人民政府".
_ETC_JOINER = re.compile(r"(?<=.)等(?:以及|和|及|与)(?=.)")


@lru_cache(maxsize=32)
def _structure(separators: frozenset[str]) -> re.Pattern[str]:
    """The characters split_top_level has to look at: brackets, quotes and these separators."""
    return re.compile(
        "["
        + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS + _QUOTE_OPEN + _QUOTE_CLOSE)
        + "".join(re.escape(char) for char in sorted(separators))
        + "]"
    )


def split_top_level(text: str, separators: frozenset[str] = _SEPARATORS) -> list[str]:
    """Split on separators that are outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = 0
    start = 0
    for match in _structure(separators).finditer(text):
        index, char = match.start(), match.group()
        if char in OPEN_BRACKETS:
            depth += 1
        elif char in CLOSE_BRACKETS:
            depth = max(0, depth - 1)
        elif char in _QUOTE_OPEN:
            quote += 1
        elif char in _QUOTE_CLOSE:
            quote = max(0, quote - 1)
        elif char in separators and depth == 0 and quote == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def looks_like_unit(name: str) -> bool:
    """A plausible unit name: short, ends like an organisation, or names a group."""
    name = squash(name)
    if not 2 <= len(name) <= 60 or "。" in name:
        return False
    return bool(_UNIT_SUFFIX.search(name) or _GENERIC.search(name) or _PLACE.match(name))


def is_generic_group(name: str) -> bool:
    """A group of units rather than one unit ("各区县政府", "区政府相关部门", "各有关单位")."""
    name = normalise_unit_name(name) or squash(name)
    return bool(_GENERIC.search(name))


def _clean(part: str) -> str:
    part = squash(strip_markup(fold(part)))
    part = _NOTE_PAREN.sub("", part)
    part = _LEADING_NOISE.sub("", part)
    part = _TRAILING_PUNCT.sub("", part)
    tail = _ROLE_TAIL.search(part)
    if tail and tail.start() > 0:
        part = part[: tail.start()]
    return _TRAILING_PUNCT.sub("", part)


def _split_joined(name: str) -> list[str]:
    """Split "A和B"/"A及B" only when both sides are specific units (not "区应急局及有关部门"), and
    "A等和B" whenever both sides name units (B may be a group: "各省级人民政府")."""
    for match in _ETC_JOINER.finditer(name):
        left, right = name[: match.start() + 1], name[match.end() :]
        if not depth_at(name, match.start()) and looks_like_unit(left) and looks_like_unit(right):
            return [left, *_split_joined(right)]
    for match in _JOINER.finditer(name):
        left, right = name[: match.start()], name[match.end() :]
        if depth_at(name, match.start()):
            continue
        if (
            looks_like_unit(left)
            and looks_like_unit(right)
            and not _GENERIC.search(left)
            and not _GENERIC.search(right)
            and _UNIT_SUFFIX.search(left)
            and not _ETC_TAIL.search(left)
        ):
            return [left, *_split_joined(right)]
    return [name]


def depth_at(text: str, index: int) -> int:
    depth = 0
    for char in text[:index]:
        if char in OPEN_BRACKETS:
            depth += 1
        elif char in CLOSE_BRACKETS:
            depth = max(0, depth - 1)
    return depth


def split_units(text: str) -> list[str]:
    """Split a unit list as a plan writes it into names.

    Splits on 、，,；; outside brackets, on 和/及 only between two specific units, and after a "等"
    that closes an enumeration ("A等和B"); removes
    whitespace (PDF layout), notes such as "（以下简称…）" and role verbs ("牵头", "按职责分工负责").
    """
    names: list[str] = []
    for part in split_top_level(text):
        cleaned = _clean(part)
        if not cleaned or cleaned in {"等", "等部门", "等单位"}:
            continue
        for name in _split_joined(cleaned):
            if name and name not in names:
                names.append(name)
    return names


def normalise_unit_name(name: str) -> str:
    """The key used to match a name against registered units and aliases.

    No whitespace, full-width brackets, no role verbs and no "等…" tail: "区 大数据中心等部门按职责
    分工负责" -> "区大数据中心"; "区政府办公室(区大数据局)" -> "区政府办公室（区大数据局）".
    """
    cleaned = _clean(name)
    if not cleaned:
        return ""
    etc = _ETC_TAIL.search(cleaned)
    if etc and etc.start() > 1:
        cleaned = cleaned[: etc.start()]
    return cleaned.replace("(", "（").replace(")", "）")
