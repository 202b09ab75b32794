"""Items and table rows -> tasks: one task per assignment clause (or per table row).

The task text is what the clause closes: from the item's label (or, for text after an earlier
clause, from the start of its paragraph) up to the clause, without the clause. A clause with no
text before it (a "责任单位：" line under a "牵头单位：" line, a "完成时限：" line) completes the task
before it. An item that holds several clauses introduced by 一是/二是… becomes one task per clause,
numbered 一是, 二是…, with the item's own heading sentence added to the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clauses import Clause
from .deadlines import Deadline, DeadlineContext, find_text_deadline, parse_deadline
from .outline import Item
from .records import ExtractedTask
from .text import squash, strip_markup
from .units import is_generic_group

_ENUMERATOR = re.compile(
    r"(?:^|(?<=[。；;，,：:\s]))(?P<enum>[一二三四五六七八九十]{1,3}是)(?=[\u4e00-\u9fff“\"])"
)
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# "具体措施：2021年3月底前…": a lead-in that names the list of measures, not part of the task.
_LEAD_IN = re.compile(r"^(?:具体|主要|工作|重点|推进|保障)(?:措施|举措)\s*[:：]\s*")


@dataclass
class TaskRules:
    """Per-notice settings the tasks need."""

    ctx: DeadlineContext
    lead_first: bool = False  # "列第一位者为牵头单位"
    lead_bold: bool = False  # "黑体字部门为牵头部门" (only Word keeps the bold)


@dataclass
class _Segment:
    parts: list[str]  # text pieces, one per paragraph touched
    clause: Clause
    bold: list[str]  # bold runs of the paragraph holding the clause


def _meaningful(text: str) -> bool:
    return bool(_MEANINGFUL.search(text))


def _segments(item: Item) -> list[_Segment]:
    """Cut the item's paragraphs at each clause."""
    segments: list[_Segment] = []
    pieces: list[str] = []
    for para in item.paras:
        start = para.label.end if para.label else 0
        for clause in para.clauses:
            if clause.start < start:
                continue
            pieces.append(para.text[start : clause.start])
            segments.append(_Segment(pieces, clause, para.bold))
            pieces = []
            start = clause.end
        pieces.append(para.text[start:])
    return segments


def _lead_in(part: str) -> bool:
    """A short one-sentence paragraph that titles the paragraph after it."""
    text = part.strip()
    return (
        bool(text)
        and text.endswith("。")
        and len(squash(text)) <= 40
        and not any(c in text[:-1] for c in "。；;：:")
    )


def _join(parts: list[str]) -> str:
    text = "".join(part.strip() for part in parts if part.strip())
    text = strip_markup(text).strip().lstrip("。；;，,、 ")
    return _LEAD_IN.sub("", text)


def build_tasks(item: Item, rules: TaskRules) -> list[ExtractedTask]:
    """The tasks of one item."""
    tasks: list[ExtractedTask] = []
    clauses: list[Clause] = []
    segments = _segments(item)
    enumerated = (
        len(segments) > 1
        and sum(1 for segment in segments if _ENUMERATOR.search("".join(segment.parts))) >= 2
    )
    extra_section: list[str] = []
    for index, segment in enumerate(segments):
        parts = segment.parts
        if index > 0 or item.number is None:
            # Text after an earlier clause, or an unnumbered paragraph run: the last paragraph that
            # has text is the task (earlier ones are introductions or belong elsewhere).
            with_text = [position for position, part in enumerate(parts) if _meaningful(part)]
            start = with_text[-1] if with_text else len(parts)
            if start > 0 and _lead_in(parts[start - 1]):
                start -= 1  # "进一步加强和规范公共厕所…管理。" then its body
            parts = parts[start:]
        text = _join(parts)
        number = item.number if index == 0 else None
        if enumerated:
            match = _ENUMERATOR.search(text)
            if match:
                head = text[: match.start()].strip()
                if index == 0 and head and item.number:
                    extra_section = [item.number + head.rstrip("。；;：:，, ")]
                number = match.group("enum")
                text = text[match.end() :].strip()
        if not _meaningful(text):
            if tasks:
                clauses[-1].absorb(segment.clause)
            continue
        tasks.append(ExtractedTask(section=[*item.section], number=number, text=text))
        clauses.append(segment.clause)
        if rules.lead_bold and segment.bold:
            _bold_leads(segment.clause, segment.bold)
    for task, clause in zip(tasks, clauses, strict=True):
        if extra_section:
            task.section = [*item.section, *extra_section]
        task.text = task.text.strip()
        fill_task(task, clause.lead, clause.responsible, clause.person, clause.deadline_raw, rules)
    return [
        task
        for task in tasks
        if task.lead_units or task.responsible_units or task.responsible_person or task.deadline_raw
    ]


def _bold_leads(clause: Clause, bold: list[str]) -> None:
    """Units set in bold lead, as the plan says; the rest stay responsible."""
    runs = squash("|".join(bold))
    leads = [name for name in clause.responsible if squash(name) in runs]
    if leads and not clause.lead and len(leads) < len(clause.responsible):
        clause.lead = leads
        clause.responsible = [name for name in clause.responsible if name not in leads]


def fill_task(
    task: ExtractedTask,
    lead: list[str],
    responsible: list[str],
    person: str | None,
    deadline_raw: str | None,
    rules: TaskRules,
    deadline: Deadline | None = None,
) -> None:
    """Units, person and deadline onto a task (shared by text items and table rows)."""
    lead, responsible = list(lead), list(responsible)
    if rules.lead_first and not lead and responsible:
        lead, responsible = responsible[:1], responsible[1:]
        task.review_flags.append("按文件“列第一位者为牵头单位”的规定确定牵头单位")
    task.lead_units = lead
    task.responsible_units = [name for name in responsible if name not in lead]
    task.responsible_person = person or None
    task.generic_units = [name for name in [*lead, *responsible] if is_generic_group(name)]
    if deadline is None and deadline_raw:
        deadline = parse_deadline(deadline_raw, rules.ctx)
    if deadline is None:
        deadline = find_text_deadline(task.text, rules.ctx)
    if deadline is not None:
        apply_deadline(task, deadline)


def apply_deadline(task: ExtractedTask, deadline: Deadline) -> None:
    task.deadline_raw = deadline.raw or None
    task.deadline = deadline.value
    task.deadline_kind = deadline.kind if deadline.value else "none"
    task.deadline_issue = deadline.issue
    task.recurrence = deadline.recurrence
    task.review_flags.extend(deadline.flags)
