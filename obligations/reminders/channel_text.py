"""What reminders say on the chat and SMS channels, fitted to each channel's size limit.

Markdown for 企业微信 (robot, application) and 钉钉; plain text for SMS, which says only how many
tasks are due or overdue and where to look (no task text: an SMS passes through third parties).
A message over the channel's limit loses listed tasks from the end (the most urgent sections come
first) and says how many more there are, with a link to the full list on the site; it is never cut
inside a character, nor inside a character's UTF-8 bytes where the limit is in bytes.

Task text comes from imported plans: characters that mean something in these markdowns (links,
emphasis, ``<@userid>`` mentions, ``<font>`` tags) are replaced by their full-width forms.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from ..dates import chinese_date
from ..models import Reminder
from . import messages
from .messages import Line
from .policy import WorkdayCounter

Kind = Reminder.Kind
_MARKDOWN = str.maketrans(
    {"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀", "#": "＃", "_": "＿"}
)
# How much of a task's text a chat message shows.
TASK_TEXT_CHARS = 60


def md(text: str) -> str:
    return " ".join(text.split()).translate(_MARKDOWN)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Limit:
    size: int
    measure: Callable[[str], int]

    @classmethod
    def of(cls, channel) -> Limit:
        if channel.limit_bytes:
            return cls(channel.limit_bytes, utf8_len)
        return cls(channel.limit_chars or 10_000, len)

    def cut(self, text: str, budget: int) -> str:
        """The longest start of ``text`` measuring at most ``budget``, ending between characters."""
        if budget <= 0:
            return ""
        if self.measure is utf8_len:
            # Dropping an incomplete trailing sequence keeps whole characters only.
            return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
        return text[:budget]


def fit(
    head: list[str],
    sections: list[tuple[str, list[str]]],
    tail: Callable[[int], str],
    limit: Limit,
    omitted: int = 0,
) -> str:
    """Join head, sections (header + items) and tail with newlines within ``limit``: items drop from
    the end first, and ``tail(n)`` says how many were left out (``omitted`` were never listed)."""
    kept = [list(items) for _, items in sections]
    measure = limit.measure

    def joined() -> str:
        parts = [*head]
        for (header, _), items in zip(sections, kept, strict=True):
            parts += [header, *items]
        return "\n".join(parts)

    total = measure(joined())
    total += 1 + measure(tail(omitted))
    for items in reversed(kept):
        while items and total > limit.size:
            item = items.pop()
            total -= measure(item) + 1
            total += measure(tail(omitted + 1)) - measure(tail(omitted))
            omitted += 1
    body = joined()
    end = tail(omitted)
    if measure(body) + 1 + measure(end) <= limit.size:
        return f"{body}\n{end}"
    # Even the headings do not fit (a tiny limit): cut the body, keep the link.
    room = limit.size - measure(end) - measure("…\n")
    if room <= 0:
        return limit.cut(end, limit.size)
    return f"{limit.cut(body, room)}…\n{end}"


def notifications_url() -> str:
    return settings.SITE_URL + reverse("notification_list")


def unit_tasks_url(unit_id: int) -> str:
    return f"{settings.SITE_URL}{reverse('task_list')}?unit={unit_id}"


def _more(url: str) -> Callable[[int], str]:
    def tail(omitted: int) -> str:
        if omitted:
            return f"……另有 {omitted} 项未列出，[查看全部]({url})"
        return f"[查看全部]({url})"

    return tail


def _sections(
    lines: list[Line],
    today: datetime.date,
    counter: WorkdayCounter,
    with_units: bool,
    memo: messages.SectionMemo | None,
) -> tuple[list[tuple[str, list[str]]], int]:
    """Markdown sections, and how many tasks the digest's own per-section cap left out."""
    sections, unlisted = [], 0
    for section in messages.sections_for(lines, today, counter, memo):
        items = []
        for number, item in enumerate(section.items, start=1):
            units = f"{md('、'.join(item.units))}：" if with_units else ""
            text = md(messages.short(item.text, TASK_TEXT_CHARS))
            items.append(f"{number}. [{text}]({item.url}) {units}{md(item.detail)}")
        unlisted += section.more
        sections.append((f"**{section.number}、{section.title}（{section.count} 项）**", items))
    return sections, unlisted


def count_of(lines: list[Line]) -> int:
    return sum(messages.task_counts(lines).values())


def personal_digest(
    lines: list[Line],
    today: datetime.date,
    counter: WorkdayCounter,
    limit: Limit,
    memo: messages.SectionMemo | None = None,
) -> str:
    head = [
        f"**【督办提醒】{chinese_date(today)}：{count_of(lines)} 项任务需要您关注**",
        f"{md(lines[0].recipient_name)}，您好：",
    ]
    sections, unlisted = _sections(lines, today, counter, True, memo)
    return fit(head, sections, _more(notifications_url()), limit, unlisted)


def robot_digest(
    unit_name: str,
    unit_id: int,
    lines: list[Line],
    today: datetime.date,
    counter: WorkdayCounter,
    limit: Limit,
    mention: str = "",
    memo: messages.SectionMemo | None = None,
) -> str:
    head = [f"**【督办提醒】{md(unit_name)} {chinese_date(today)}：{count_of(lines)} 项任务需要关注**"]
    if mention:
        head.append(f"请 {mention} 及时办理、报送进展。")
    sections, unlisted = _sections(lines, today, counter, False, memo)
    return fit(head, sections, _more(unit_tasks_url(unit_id)), limit, unlisted)


def manual_text(
    lines: list[Line], today: datetime.date, counter: WorkdayCounter, limit: Limit, mention: str = ""
) -> str:
    """A 催办 (one request, one or several tasks) for a person or a unit's group."""
    first = lines[0]
    who = first.author_name or "督查室"
    head = [f"**【催办】{md(who)}于{chinese_date(today)}催办 {count_of(lines)} 项任务**"]
    if first.message:
        head.append(f"催办意见：{md(first.message)}")
    if mention:
        head.append(f"请 {mention} 抓紧办理并及时报送进展。")
    items = []
    for number, line in enumerate(_unique_tasks(lines), start=1):
        deadline = chinese_date(line.task_deadline) if line.task_deadline else "—"
        text = md(messages.short(line.task_text, TASK_TEXT_CHARS))
        items.append(
            f"{number}. [{text}]({messages.task_url(line.task_id)}) {md(line.unit_name)}，完成时限 {deadline}"
        )
    url = messages.task_url(first.task_id) if len(items) == 1 else notifications_url()
    return fit(head, [("**催办任务**", items)], _more(url), limit)


def _unique_tasks(lines: list[Line]) -> list[Line]:
    seen: dict[int, Line] = {}
    for line in sorted(lines, key=lambda r: (r.deadline, r.task_id)):
        seen.setdefault(line.task_id, line)
    return list(seen.values())


# --- SMS ------------------------------------------------------------------------------------------

SMS_KINDS = [
    (Kind.OVERDUE, "逾期未办结"),
    (Kind.ESCALATION, "逾期需督促"),
    (Kind.DUE_SOON, "即将到期"),
    (Kind.REPORT_DUE, "待报送进展"),
    (Kind.MANUAL, "被催办"),
]


def sms_counts(lines: list[Line]) -> str:
    tasks = messages.task_counts(lines)
    return "、".join(f"{label}{tasks[kind]}项" for kind, label in SMS_KINDS if tasks.get(kind))


def sms_text(lines: list[Line], signature: str, limit: Limit, manual: bool = False) -> str:
    """Counts only, then the link; shortened by dropping the courtesies, never the link."""
    url = notifications_url() if not manual else messages.task_url(lines[0].task_id)
    counts = sms_counts(lines)
    name = lines[0].recipient_name
    lead = "督查室催办：您有任务" if manual else "您有任务"
    options = [
        f"{signature}{name}：{lead}{counts}，请及时办理。详见 {url}",
        f"{signature}{lead}{counts}，请及时办理。详见 {url}",
        f"{signature}{lead}{counts}。详见 {url}",
    ]
    for text in options:
        if limit.measure(text) <= limit.size:
            return text
    tail = f"…详见 {url}"
    if limit.measure(tail) >= limit.size // 2:  # a limit too small for the link: the counts matter more
        return limit.cut(f"{signature}{lead}{counts}", limit.size)
    return limit.cut(f"{signature}{lead}{counts}", limit.size - limit.measure(tail)) + tail
