"""Character-level helpers shared by every stage: width folding, CJK spacing, brackets, markup."""

from __future__ import annotations

import re

# Full-width digits/letters/space -> ASCII; keeps CJK punctuation (，。：；（）) as it is.
_FOLD = {0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " "}
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)})  # ０-９
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FOLD.update({0xFF0E: ".", 0xFF0F: "/", 0xFF0D: "-", 0xFF5E: "~"})
_FOLD.update(dict.fromkeys((0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD)))  # zero-width, BOM, soft hyphen

OPEN_BRACKETS = "（([〔【［{［〖"
CLOSE_BRACKETS = "）)]〕】］}］〗"
TERMINAL = set("。！？；;!?：:…")
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WIDE = rf"{CJK}\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014"
# Whitespace next to a CJK character or CJK punctuation is PDF layout, not meaning.
_CJK_SPACE = re.compile(rf"(?<=[{_WIDE}])[ \t\u3000\r\n]+|[ \t\u3000\r\n]+(?=[{_WIDE}])")
_BRACKET = re.compile("[" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS) + "]")
_HTML_TAG = re.compile(r"</?(?:b|i|u|div|span|p|br|strong|em|font|sup|sub)\b[^>]*>", re.I)
_BOLD = re.compile(r"\*\*|__")


_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(code)) for code in _FOLD) + "]")


def fold(text: str) -> str:
    """Fold full-width digits/letters/spaces to ASCII and drop zero-width characters."""
    return text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text


def compact_cjk(text: str) -> str:
    """Remove spaces PDF layout left inside Chinese text ("区 行政 审批服务局", "2021 年");
    spaces between two Latin words or numbers stay."""
    if " " not in text and "\t" not in text and "\u3000" not in text and "\n" not in text:
        return text.strip()
    return _CJK_SPACE.sub("", text).strip()


def squash(text: str) -> str:
    """Remove all whitespace: the key used to compare names and titles."""
    return "".join(text.split())


def strip_markup(text: str) -> str:
    """Drop markdown emphasis and stray HTML tags that PDF-to-markdown converters leave."""
    if "<" in text:
        text = _HTML_TAG.sub("", text)
    if "*" in text or "__" in text:
        text = _BOLD.sub("", text)
    return text


def bracket_balance(text: str) -> int:
    """Open minus closed brackets (all widths and kinds together)."""
    balance = 0
    for match in _BRACKET.finditer(text):
        balance += 1 if match.group() in OPEN_BRACKETS else -1
    return balance


def bracket_positions(text: str) -> list[tuple[int, bool]]:
    """(index, is_open) for every bracket in the text."""
    return [(match.start(), match.group() in OPEN_BRACKETS) for match in _BRACKET.finditer(text)]


def ends_sentence(text: str) -> bool:
    """True when a paragraph ends where a sentence or a bracketed clause ends."""
    text = text.rstrip()
    if not text:
        return True
    last = text[-1]
    return last in TERMINAL or last in CLOSE_BRACKETS
