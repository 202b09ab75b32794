"""Plans whose line breaks were lost (pasted from a page, or kept by a text corpus as one line): a
paragraph of thousands of characters that still carries its outline labels after sentence ends
("…分工方案。一、…（一）…（财政部负责）具体措施：1．…"). It is cut back into paragraphs at those labels
so the outline and the clauses can be read as in any other plan.

A cut is made before a label that follows the end of a sentence (。；：), the end of a bracket
("…负责）（二）…"), or — for a bracketed label — a short title after a label ("一、优化服务（一）…");
and only when the label continues its style's sequence (the next number, or a new 1), so an
enumeration inside a sentence ("一、二级…") stays where it is.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from .blocks import Block
from .deadlines import to_int
from .labels import find_label

_MIN_LENGTH = 1000  # a normal paragraph is far shorter
_MIN_CUTS = 3
_HEAD = re.compile(
    r"[（(][一二三四五六七八九十百]{1,4}[)）]|[一二三四五六七八九十百]{1,4}、|\d{1,3}[.．、](?:(?!\d)|(?=(?:19|20)\d{2}年))"
)
_AFTER = frozenset("。；;：:）)")
_STYLES = frozenset({"cn_dun", "cn_paren", "ar_paren", "ar_dot"})
_TITLE_MAX = 80


def _number(raw: str) -> int | None:
    digits = re.sub(r"[（()）.．、\s]", "", raw)
    try:
        return to_int(digits)
    except (ValueError, TypeError, KeyError):
        return None


def _title_like(segment: str) -> bool:
    """A label and a short title with no sentence end: a heading whose body lost its line break."""
    label = find_label(segment)
    return (
        label is not None and len(segment) <= _TITLE_MAX and not any(mark in segment for mark in "。；;：:")
    )


def cuts(text: str) -> list[int]:
    """Positions where a flattened paragraph should be cut."""
    found: list[int] = []
    last: dict[str, int] = {}
    start = 0
    for match in _HEAD.finditer(text):
        position = match.start()
        if position == 0:
            label = find_label(text)
            number = _number(label.raw) if label else None
            if label and number is not None:
                last[label.style] = number
            continue
        before = text[position - 1]
        label = find_label(text[position:])
        if label is None or label.style not in _STYLES:
            continue
        if not (before in _AFTER or (label.style == "cn_paren" and _title_like(text[start:position]))):
            continue
        number = _number(label.raw)
        if number is None or number not in (1, last.get(label.style, 0) + 1):
            continue
        last[label.style] = number
        found.append(position)
        start = position
    return found


def split_flattened(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if block.is_table or len(block.text) < _MIN_LENGTH:
            out.append(block)
            continue
        positions = cuts(block.text)
        if len(positions) < _MIN_CUTS:
            out.append(block)
            continue
        bounds = [0, *positions, len(block.text)]
        for begin, end in itertools.pairwise(bounds):
            piece = block.text[begin:end].strip()
            if piece:
                out.append(replace(block, text=piece, bold=list(block.bold)))
    return out
