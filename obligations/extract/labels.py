"""Outline labels: 一、 （一） (一) 1. 1、 （1） 1） ① 第一条 第一章 一是 — their style and raw text.

``sequel_label`` reads "11.121人才梯队…" as label 11. when the paragraph before was 10.: a number
that continues the sequence is a label even when the title starts with digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = "一二三四五六七八九十百零〇"
_LABEL = re.compile(
    rf"""^\s*(?:
        (?P<chapter>第[{_CN}\d]+[章节编](?=\s|[^\w]|[\u4e00-\u9fff]))
      | (?P<article>第[{_CN}\d]+条)
      | (?P<cn_paren>[（(]\s*[{_CN}]+\s*[)）])
      | (?P<ar_paren>[（(]\s*\d{{1,3}}\s*[)）])
      | (?P<ar_year>\d{{1,3}}\s*[.．](?=\s*(?:19|20)\d{{2}}\s*年))
      | (?P<decimal>\d{{1,2}}(?:\s*[.．]\s*\d{{1,2}}){{1,3}}(?![\d%％.．])
           (?!\s*[亿万千百元角倍个米吨公平亩台套家项人次户件篇天年月日小时分秒])(?=\s|[\u4e00-\u9fff“]))
      | (?P<cn_dun>[{_CN}]+\s*[、，,](?![{_CN}]+[、，,]))
      | (?P<cn_dot>[{_CN}]+\s*[.．](?!\d))
      | (?P<ar_dot>\d{{1,3}}\s*[.．](?![\d.．]))
      | (?P<ar_dun>\d{{1,3}}\s*[、，,](?!\d))
      | (?P<ar_space>\d{{1,2}}(?!\d)(?=\s*[\u4e00-\u9fff])
           (?!\s*[亿万千百元角倍个米吨公平亩台套家项人次户件篇天年月日小时分秒号期届批级类]))
      | (?P<ar_rparen>\d{{1,3}}\s*[)）])
      | (?P<circled>[\u2460-\u2473\u3251-\u325f])
      | (?P<shi>[{_CN}]+是(?=[\u4e00-\u9fff“]))
    )""",
    re.X,
)
# "3.2020年底前…": a number, a point and a year is a label, never a decimal.
_STYLE_ALIAS = {"cn_dot": "cn_dun", "ar_dun": "ar_dot", "ar_year": "ar_dot"}


# What a label can start with: a cheap test before the full pattern.
_FIRST = frozenset(
    "0123456789（(第" + _CN + "".join(chr(code) for code in [*range(0x2460, 0x2474), *range(0x3251, 0x3260)])
)


@dataclass(frozen=True)
class Label:
    style: str
    raw: str  # as written, without surrounding spaces
    end: int  # where the content starts in the paragraph

    @property
    def number(self) -> str:
        """The label as the contract reports it: as written, internal spaces removed."""
        return re.sub(r"\s+", "", self.raw)


def find_label(text: str) -> Label | None:
    """The outline label a paragraph starts with, or None."""
    first = text.lstrip()[:1]
    if not first or first not in _FIRST:
        return None
    match = _LABEL.match(text)
    if not match:
        return None
    style = match.lastgroup or ""
    raw = match.group(style).strip()
    if style == "cn_dun" and raw[-1] in "，,":
        return None  # "一，" is prose, not a label
    if style == "ar_dun" and raw[-1] in "，,":
        return None
    end = match.end()
    while end < len(text) and text[end] in " \t\u3000":
        end += 1
    if style == "ar_space" and (len(text) > 40 or any(mark in text for mark in "。，,；;：:")):
        return None  # "1 夯实基础" is a heading label only on a short title line
    if style == "decimal":
        style = f"decimal{raw.count('.') + raw.count('．')}"  # 1.1 and 1.1.1 are different levels
    return Label(_STYLE_ALIAS.get(style, style), raw, end)


_SEQUEL = re.compile(r"^\s*(?P<number>\d{1,3})\s*(?P<mark>[.．、])(?=\s*\d)")


def sequel_label(text: str, previous: Label | None) -> Label | None:
    """An arabic label the full pattern refused because digits follow it ("11.121…"), accepted when
    it is the next number after ``previous`` (a label of the same style)."""
    if previous is None or previous.style != "ar_dot":
        return None
    match = _SEQUEL.match(text)
    if not match:
        return None
    previous_number = re.sub(r"\D", "", previous.raw)
    if not previous_number or int(match.group("number")) != int(previous_number) + 1:
        return None
    return Label("ar_dot", match.group().strip(), match.end())
