"""Site chrome copied along with a gazette page: page tools (字体【大 中 小】, 分享, 打印, 关闭窗口),
navigation (当前位置 > …, 上一篇), view counters and "发布时间…来源…浏览次数" bars. A line is chrome
only when all of it is: a sentence that mentions 来源 or 打印 stays."""

from __future__ import annotations

import re

from .blocks import Block
from .text import squash

_TOOLS = (
    "分享|分享到|打印|打印本页|打印本文|打印整页|打印内容|关闭|关闭窗口|关闭本页|收藏|加入收藏|设为首页|返回|返回首页|返回顶部|"
    "返回列表|首页|无障碍|无障碍浏览|无障碍阅读|长者版|长者模式|关怀版|繁体|简体|繁体中文|简体中文|视力保护色|"
    "扫一扫|扫码浏览|手机浏览|微信|微博|QQ空间|相关附件|附件下载|标签|\\[?大\\]?|\\[?中\\]?|\\[?小\\]?|A\\+|A-|默认|字号|字体|【字体"
)
_TOOL_LINE = re.compile(rf"^(?:[-•·|｜:：\[\]【】()（）]*(?:{_TOOLS})[-•·|｜:：\[\]【】()（）]*)+$")
_FONT_SIZE = re.compile(
    r"^(?:字体|字号|字体大小|【字体)?[:：]?[\[【(（]?\s*大\s*中\s*小\s*[\]】)）]?[\]】]?$"
)
# "发布时间：2020-10-21 16:21 来源：市卫健委 浏览次数：123 字体：[ ]" — every field a known name.
_FIELD_NAMES = (
    "发布时间|发布日期|时间|日期|更新时间|信息来源|来源|作者|编辑|责任编辑|审核|校对|浏览次数|浏览量|访问量|点击量|点击数|"
    "阅读量|阅读次数|人气|字体|字号|分享|发布人|发布者|文章来源|稿源"
)
_FIELD = re.compile(rf"(?:{_FIELD_NAMES})\s*[:：]")
_FIELD_START = re.compile(
    r"^\s*(?:发布时间|发布日期|更新时间|信息来源|文章来源|来源|浏览次数|发布人|发布者|作者)\s*[:：]"
)
_NAVIGATION = re.compile(
    r"^(?:当前位置|您现在的位置|您的位置|所在位置|位置)\s*[:：]|^(?:上一篇|下一篇)\s*[:：]"
)
_BREADCRUMB = re.compile(r"^[>＞»]|(?:\s[>＞»]\s.*){2,}")
_VIEWS = re.compile(r"^(?:浏览次数|浏览量|访问量|点击量|阅读量)\s*[:：]?\s*\d*\s*次?$")


def is_chrome(text: str) -> bool:
    """True when a whole line is page chrome, not part of the document."""
    line = text.strip()
    if not line or len(line) > 120 or (line[-1] in "。；;，," and not _FIELD_START.match(line)):
        return False
    compact = squash(line)
    if _TOOL_LINE.match(compact) or _FONT_SIZE.match(compact) or _VIEWS.match(compact):
        return True
    if _NAVIGATION.match(compact) or (_BREADCRUMB.search(line) and "。" not in line):
        return True
    if "。" in line:
        return False
    return bool(_FIELD_START.match(line)) or len(_FIELD.findall(line)) >= 2


def drop_chrome(blocks: list[Block]) -> list[Block]:
    return [block for block in blocks if block.is_table or not is_chrome(block.text)]
