"""A notice's body -> items under headings.

Paragraphs are first repaired (a page break inside a sentence or inside a bracketed clause leaves
a paragraph that ends mid-sentence), then walked with a stack of heading styles: a label style met
for the first time is one level deeper, a style already on the stack closes everything below it.

A labelled paragraph is a *heading* when deeper labels follow it, or when it is a bare title
among bare titles ("一、总体要求", "二、主要措施"); otherwise it is an *item*, whose text runs on
through unlabelled paragraphs until the next label.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from .blocks import Block
from .clauses import Clause, find_clauses, starts_with_key
from .labels import Label, find_label, sequel_label
from .notices import date_line, docno_line
from .text import bracket_balance, ends_sentence, squash

_SENTENCE_END = set("。！？!?；;")
_SIBLING_SCAN = 300  # labelled paragraphs looked at on each side when judging a bare title
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@dataclass
class Para:
    text: str
    label: Label | None = None
    heading: int = 0
    clauses: list[Clause] = field(default_factory=list)
    line: int = 0
    bold: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return self.text[self.label.end :] if self.label else self.text

    @property
    def style(self) -> str | None:
        if self.label:
            return self.label.style
        return f"h{self.heading}" if self.heading else None


@dataclass
class Item:
    """A numbered item or an unnumbered paragraph run, with its enclosing headings."""

    section: list[str]
    number: str | None
    paras: list[Para] = field(default_factory=list)


@dataclass
class TableItem:
    section: list[str]
    block: Block


def single_sentence(text: str) -> bool:
    """A title: one sentence at most (a final 。 allowed), not long."""
    body = text.rstrip("。；;：:！!？? ")
    return len(squash(body)) <= 80 and not any(char in _SENTENCE_END for char in body)


def _meta(text: str) -> bool:
    return bool(docno_line(text) or date_line(text))


def repair(blocks: list[Block], trust_headings: bool = False) -> list[Para | Block]:
    """Paragraphs with page breaks mended; tables pass through."""
    out: list[Para | Block] = []
    previous_label: Label | None = None
    for block in blocks:
        if block.is_table:
            if out and isinstance(out[-1], Block) and _same_table(out[-1], block):
                _continue_table(out[-1], block)
            else:
                out.append(block)
            continue
        text = block.text
        if not text:
            continue
        label = find_label(text) or sequel_label(text, previous_label)
        previous_label = label or previous_label
        previous = out[-1] if out and isinstance(out[-1], Para) else None
        if previous is not None and _continues(previous, text, label):
            previous.text += text
            previous.bold += block.bold
            continue
        if previous is not None and label is not None and _spurious_label(previous, text, label):
            previous.text += text[label.end :]
            previous.bold += block.bold
            continue
        heading = block.heading if trust_headings else 0
        out.append(Para(text=text, label=label, heading=heading, line=block.line, bold=list(block.bold)))
    result: list[Para | Block] = []
    for item in out:
        if isinstance(item, Para):
            result.extend(_split_after_clauses(item))
        else:
            result.append(item)
    return _close_sub_items(result)


def _clause_only(para: Para) -> bool:
    return (
        para.label is None
        and bool(para.clauses)
        and not _MEANINGFUL.search(para.text[: para.clauses[0].start])
    )


def _close_sub_items(items: list[Para | Block]) -> list[Para | Block]:
    """ "1.完善应急预案体系" / "(1)…" … "(4)…" / "(责任单位:…)": a clause on its own line after sub-items
    that carry no clause of their own closes their parent item; the parent, its sub-items and the
    clause become one item (the task is the parent's title with the sub-items' text)."""
    out: list[Para | Block] = []
    for item in items:
        if isinstance(item, Para) and _clause_only(item):
            run = _clause_less_run(out)
            if run:
                parent = out[-run - 1]
                assert isinstance(parent, Para)
                subs = [para for para in out[-run:] if isinstance(para, Para)]
                parent.text = parent.text + "".join(sub.text for sub in subs) + item.text
                parent.bold = [*parent.bold, *(run for sub in subs for run in sub.bold), *item.bold]
                parent.clauses = find_clauses(parent.text)
                del out[-run:]
                continue
        out.append(item)
    return out


def _clause_less_run(items: list[Para | Block]) -> int:
    """How many labelled paragraphs of one style, none with a clause, end ``items`` right under a
    clause-less title of another style (0 when that is not the shape)."""
    style = None
    for count, item in enumerate(reversed(items)):
        if not isinstance(item, Para) or item.label is None or item.clauses:
            return 0
        if style is None:
            style = item.style
        if item.style != style:
            return count if count >= 2 and single_sentence(item.content) else 0
    return 0


def _same_table(previous: Block, block: Block) -> bool:
    """Two tables with nothing between them and the same columns: one table cut by a page break."""
    width = {len(row) for row in previous.rows or []}
    return bool(block.rows) and width == {len(row) for row in block.rows or []}


def _continue_table(previous: Block, block: Block) -> None:
    rows = list(block.rows or [])
    last = (previous.rows or [])[-1]
    first = rows[0]
    if last and not str(first[0] or "").strip() and not str(first[-1] or "").strip():
        # The row was cut at the page end: its rest sits alone at the top of the next page.
        previous.rows[-1] = [f"{a or ''}{b or ''}" for a, b in zip(last, first, strict=False)]  # type: ignore[index]
        rows = rows[1:]
    previous.rows.extend(rows)  # type: ignore[union-attr]


def _split_after_clauses(para: Para) -> list[Para]:
    """ "…（责任单位：A） (十五)深入推进…": a label right after a clause starts a new paragraph."""
    para.clauses = find_clauses(para.text)
    for clause in para.clauses:
        rest = para.text[clause.end :]
        stripped = rest.lstrip(" 　；;。")
        label = find_label(stripped)
        if label is None or label.style == "shi" or not stripped[label.end :].strip():
            continue
        head = Para(text=para.text[: clause.end], label=para.label, heading=para.heading, line=para.line)
        head.clauses = [c for c in para.clauses if c.end <= clause.end]
        head.bold = para.bold
        tail = Para(text=stripped, label=label, line=para.line, bold=para.bold)
        return [head, *_split_after_clauses(tail)]
    return [para]


def _spurious_label(previous: Para, text: str, label: Label) -> bool:
    """A label that a page break put in the middle of a word ("…不动产登记主" / "5、库，增加…"):
    the paragraph before is body text cut mid-sentence, and what follows the label is not a title."""
    content = text[label.end :]
    first = re.split(r"[，,、；;。]", content, maxsplit=1)[0]
    if len(squash(first)) > 2 or len(content) <= len(first) or ends_sentence(previous.text):
        return False
    if single_sentence(previous.content) or len(squash(previous.content)) < 40:
        return False
    return not find_clauses(previous.text)


def _continues(previous: Para, text: str, label: Label | None) -> bool:
    """Whether ``text`` is the rest of ``previous``, cut by a page break."""
    if label is not None or _meta(text) or _meta(previous.text):
        return False
    if bracket_balance(previous.text) > 0:
        return True  # a bracket (usually a clause) left open at the page end
    if ends_sentence(previous.text) or starts_with_key(text):
        return False
    if previous.heading:
        return False
    if previous.label is None or not single_sentence(previous.content):
        return True
    if previous.content.endswith(("，", ",", "、")):
        return True
    # A long heading cut by a page break: the rest is one short sentence, and together they
    # are still one sentence ("(二十)严格落实…持续总" / "结推广…审批事项。").
    # Otherwise "一、总体要求" is not cut: whether it is a heading is decided from its siblings.
    rest = text.rstrip()
    return (
        any(mark in previous.content for mark in "，,、")
        and rest.endswith("。")
        and len(squash(rest)) <= 60
        and not find_clauses(text)
        and single_sentence(previous.content + rest)
    )


def _bodyish(para: Para) -> bool:
    return bool(para.clauses) or len(squash(para.content)) > 80


def _heading_entry(para: Para) -> str:
    content = para.content
    for mark in "。；;":
        if mark in content:
            content = content[: content.index(mark)]
    content = content.rstrip("：: ")
    if para.label and para.label.style == "ar_space":
        return f"{para.label.raw} {content}"  # "1 夯实数字基础设施"
    return (para.label.raw if para.label else "") + content


def walk(items: list[Para | Block]) -> Iterator[Item | TableItem]:
    """Group repaired paragraphs into items with their section path."""
    stack: list[tuple[str, str]] = []  # (style, heading entry)
    current: Item | None = None
    labelled = [index for index, item in enumerate(items) if isinstance(item, Para) and item.style]

    def section() -> list[str]:
        return [entry for _, entry in stack]

    for position, item in enumerate(items):
        if isinstance(item, Block):
            if current is not None:
                yield current
                current = None
            yield TableItem(section(), item)
            continue
        style = item.style
        if style is None:
            if current is None:
                current = Item(section(), None)
            current.paras.append(item)
            continue
        if current is not None:
            yield current
            current = None
        styles = [entry_style for entry_style, _ in stack]
        if style in styles:
            del stack[styles.index(style) :]
        if _is_heading(items, labelled, position, [s for s, _ in stack]):
            stack.append((style, _heading_entry(item)))
        else:
            current = Item(section(), item.label.number if item.label else None, [item])
    if current is not None:
        yield current


def _is_heading(items: list[Para | Block], labelled: list[int], position: int, ancestors: list[str]) -> bool:
    para = items[position]
    assert isinstance(para, Para)
    if para.clauses:
        return False
    style = para.style
    where = bisect_right(labelled, position)
    next_label = labelled[where] if where < len(labelled) else len(items)
    if next_label < len(items):
        after = items[next_label]
        assert isinstance(after, Para)
        if after.style != style and after.style not in ancestors:
            return True  # deeper labels follow
    if para.heading:
        return True
    following = _following_text(items, position, next_label)
    if following and following[0].content.rstrip().endswith(("：", ":")):
        return True  # "（十六）…。" then "具体措施：" then the tasks
    if following and all(starts_with_key(other.text) and other.clauses for other in following):
        return False  # "1.地区生产总值增长6%。" then its own "牵头单位：…" / "责任单位：…" lines
    # Unlabelled paragraphs below that carry text and a clause each: tasks under this heading.
    tasks_below = sum(
        1 for other in following for clause in other.clauses if _MEANINGFUL.search(other.text[: clause.start])
    )
    if tasks_below >= 2:
        return True
    if not single_sentence(para.content):
        return False
    # A bare title: a heading unless its siblings are items with text of their own.
    siblings = _siblings(items, labelled, position, ancestors)
    return not any(_bodyish(items[index]) for index in siblings)  # type: ignore[arg-type]


def _following_text(items: list[Para | Block], position: int, stop: int) -> list[Para]:
    found = []
    for other in items[position + 1 : stop]:
        if not isinstance(other, Para):
            break
        found.append(other)
    return found


def _siblings(
    items: list[Para | Block], labelled: list[int], position: int, ancestors: list[str]
) -> list[int]:
    para = items[position]
    assert isinstance(para, Para)
    found: list[int] = []
    where = bisect_right(labelled, position) - 1
    for step in (-1, 1):
        cursor = where + step
        limit = cursor + step * _SIBLING_SCAN
        while 0 <= cursor < len(labelled) and cursor != limit and len(found) < 6:
            other = items[labelled[cursor]]
            assert isinstance(other, Para)
            if other.style in ancestors:
                break
            if other.style == para.style:
                found.append(labelled[cursor])
            cursor += step
    return found
