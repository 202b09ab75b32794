"""What reminders say: the daily digest e-mail, the 催办 e-mail and in-app notifications (zh-hans).

Text is rendered by Django templates: the plain-text part with autoescape off, the HTML alternative
with autoescape on, so task text from imported plans can never inject markup.
"""

from __future__ import annotations

import datetime
import functools
import heapq
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse

from ..dates import chinese_date
from ..models import DigestEmail, Reminder, Task
from ..models.lights import OVERDUE_DAYS_NOTE, days_late
from .policy import WorkdayCounter

Kind = Reminder.Kind
# Digest sections, most urgent first.
SECTION_ORDER = [Kind.OVERDUE, Kind.ESCALATION, Kind.DUE_SOON, Kind.REPORT_DUE, Kind.MANUAL]
SECTION_TITLES = {
    Kind.OVERDUE: "逾期未办结",
    Kind.ESCALATION: "逾期上报（请督促承办单位）",
    Kind.DUE_SOON: "即将到期",
    Kind.REPORT_DUE: "请报送本月进展",
    Kind.MANUAL: "催办",
}
# A digest lists this many tasks per section; the rest are counted and left to the web pages.
MAX_ITEMS_PER_SECTION = 50
CHINESE_NUMBERS = "一二三四五六七八九十"


_PATH_SENTINEL = 987654321
_task_path_format: str | None = None


def task_path(task_id: int) -> str:
    """reverse("task_detail") without resolving the pattern for each of 100,000 rows."""
    global _task_path_format
    if _task_path_format is None:
        probe = reverse("task_detail", args=[_PATH_SENTINEL])
        assert probe.count(str(_PATH_SENTINEL)) == 1, probe
        _task_path_format = probe.replace(str(_PATH_SENTINEL), "{}")
    return _task_path_format.format(int(task_id))


def task_url(task_id: int) -> str:
    return settings.SITE_URL + task_path(task_id)


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def person(first: str, last: str, username: str) -> str:
    """User.get_full_name() or the username, from plain values."""
    return f"{first} {last}".strip() or username


@dataclass(slots=True)
class Line:
    """One outbox row as the sender needs it: plain values, no model instances (there may be
    100,000 in a pass). Built by obligations.reminders.lines.load_lines (with the pass's PassLabels).

    ``task_text`` is None when the rows were read for a digest: a digest lists at most
    MAX_ITEMS_PER_SECTION tasks a section, and the pass's SectionMemo reads only those texts."""

    pk: int
    kind: str
    stage: str
    deadline: datetime.date
    message: str
    attempts: int
    task_id: int
    task_text: str | None
    task_deadline: datetime.date | None
    task_status: str
    task_kind: str
    plan_status: str
    plan_title: str
    plan_number: str
    unit_id: int
    unit_name: str
    recipient_id: int
    recipient_email: str
    recipient_active: bool
    recipient_name: str
    author_name: str | None
    due_at: datetime.datetime | None = None

    @property
    def kind_label(self) -> str:
        return Reminder.Kind(self.kind).label

    @property
    def plan_label(self) -> str:
        return f"{self.plan_title}（{self.plan_number}）" if self.plan_number else self.plan_title


class DigestRows(list[Line]):
    """The rows a digest lists (the rows of each section's first MAX_ITEMS_PER_SECTION tasks, in pk
    order), with what all of its live rows add up to: the tasks of each kind and the first row's pk.
    Made by obligations.reminders.digest_rows, which leaves the unlisted rows in the database."""

    def __init__(self, lines: list[Line], tasks: dict[str, int], first_pk: int) -> None:
        super().__init__(lines)
        self.tasks = tasks
        self.first_pk = first_pk


def task_counts(rows: list[Line]) -> dict[str, int]:
    """How many tasks each kind of reminder names among ``rows`` (a DigestRows knows them)."""
    if isinstance(rows, DigestRows):
        return rows.tasks
    tasks: dict[str, set[int]] = {}
    for row in rows:
        tasks.setdefault(row.kind, set()).add(row.task_id)
    return {kind: len(ids) for kind, ids in tasks.items()}


def first_pk(rows: list[Line]) -> int:
    """The first live row of a person's day: it keys the day's in-app notice."""
    return rows.first_pk if isinstance(rows, DigestRows) else rows[0].pk


def detail(row: Line, today: datetime.date, counter: WorkdayCounter) -> str:
    """One line on where the task stands, computed for the day the message goes out.

    Overdue days are calendar days, as everywhere (OVERDUE_DAYS_NOTE); the days left before a
    deadline are working days, the unit of the policy's due-soon steps that sent the reminder."""
    if row.kind == Kind.REPORT_DUE:
        return f"请于{row.deadline.month}月{row.deadline.day}日前报送{row.deadline.month}月进展情况"
    if row.kind == Kind.MANUAL:
        note = f"：{row.message}" if row.message else ""
        return f"{row.author_name or '督查室'}催办{note}"
    deadline = row.task_deadline or row.deadline
    if deadline < today:
        return f"已逾期 {days_late(deadline, today)} 天（完成时限 {chinese_date(deadline)}）"
    if deadline == today:
        return f"今天到期（完成时限 {chinese_date(deadline)}）"
    left = counter.between(today, deadline)
    if left == 0:
        return f"下一个工作日前到期（完成时限 {chinese_date(deadline)}）"
    return f"还有 {left} 个工作日到期（完成时限 {chinese_date(deadline)}）"


@dataclass
class Item:
    task_id: int
    text: str
    plan: str
    units: list[str]
    detail: str
    url: str


@dataclass
class Section:
    kind: str
    number: str
    title: str
    items: list[Item] = field(default_factory=list)
    more: int = 0

    @property
    def count(self) -> int:
        return len(self.items) + self.more


TextReader = Callable[[Collection[int]], dict[int, str]]


class SectionMemo:
    """A sending pass's sections by the rows they list: a person's day is told by e-mail, in-app
    and on each chat channel, and a unit's on each of its robots, from the same rows.

    ``texts`` reads the task texts that rows carry as None (obligations.reminders.pass_labels)."""

    LIMIT = 2000  # entries kept (each at most 50 items a section)

    def __init__(self, texts: TextReader | None = None) -> None:
        self._found: dict[tuple, list[Section]] = {}
        self._texts = texts

    def get(self, rows: list[Line], today: datetime.date, counter: WorkdayCounter) -> list[Section]:
        counted = tuple(sorted(rows.tasks.items())) if isinstance(rows, DigestRows) else ()
        key = (today, tuple(row.pk for row in rows), counted)
        sections = self._found.get(key)
        if sections is None:
            if len(self._found) >= self.LIMIT:
                self._found.clear()  # one call, safe beside the other lane's thread
            sections = self._found[key] = _sections_for(rows, today, counter, self._texts)
        return sections


def sections_for(
    rows: list[Line], today: datetime.date, counter: WorkdayCounter, memo: SectionMemo | None = None
) -> list[Section]:
    """Group rows by kind and task (a task reminded for two of the user's units is listed once);
    only the listed items are rendered in full. Sections are read-only once made (``memo`` shares
    them between the messages of a pass)."""
    if memo is not None:
        return memo.get(rows, today, counter)
    return _sections_for(rows, today, counter)


def _task_order(entry: tuple[int, list[Line]]) -> tuple[datetime.date, int]:
    task_id, task_rows = entry
    return min(row.deadline for row in task_rows), task_id


_by_deadline_and_unit = attrgetter("deadline", "unit_id")


def _sections_for(
    rows: list[Line], today: datetime.date, counter: WorkdayCounter, texts: TextReader | None = None
) -> list[Section]:
    """Tasks in order of their earliest reminded deadline (then task id), a task's units in order of
    (deadline, unit id), rows tied on both in the order given. A supervisor's day may hold 200,000
    rows: they are grouped, not sorted, and only the listed tasks are ordered and rendered."""
    grouped: dict[str, dict[int, list[Line]]] = {}
    for row in rows:
        tasks = grouped.get(row.kind)
        if tasks is None:
            tasks = grouped[row.kind] = {}
        task_rows = tasks.get(row.task_id)
        if task_rows is None:
            tasks[row.task_id] = [row]
        else:
            task_rows.append(row)
    listed: list[tuple[str, int, list[list[Line]]]] = []
    for kind in SECTION_ORDER:
        tasks = grouped.get(kind)
        if tasks:
            firsts = heapq.nsmallest(MAX_ITEMS_PER_SECTION, tasks.items(), key=_task_order)
            ordered = [sorted(task_rows, key=_by_deadline_and_unit) for _, task_rows in firsts]
            counted = rows.tasks[kind] if isinstance(rows, DigestRows) else len(tasks)
            listed.append((kind, counted, ordered))
    unread = {
        task_rows[0].task_id
        for _, _, ordered in listed
        for task_rows in ordered
        if task_rows[0].task_text is None
    }
    found = texts(unread) if unread and texts is not None else {}
    sections = []
    for kind, task_count, ordered in listed:
        items = []
        for task_rows in ordered:
            first = task_rows[0]
            text = first.task_text if first.task_text is not None else found.get(first.task_id, "")
            items.append(
                Item(
                    task_id=first.task_id,
                    text=short(text, 120),
                    plan=first.plan_label,
                    units=list(dict.fromkeys(row.unit_name for row in task_rows)),
                    detail=detail(first, today, counter),
                    url=task_url(first.task_id),
                )
            )
        sections.append(
            Section(
                kind=kind,
                number=CHINESE_NUMBERS[len(sections)],
                title=SECTION_TITLES[kind],
                items=items,
                more=task_count - len(items),
            )
        )
    return sections


def _message_id(kind: str, pk: int) -> str:
    # Stable per digest/reminder: if a crash makes us send one twice, receivers can see it is the same.
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<tracker-{kind}-{pk}@{host}>"


@functools.cache
def _template(name: str):
    # Parsed once per process even with DEBUG on (Django then skips its cached loader); a pass
    # may render hundreds of digests.
    return get_template(name)


def _email(subject: str, template: str, context: dict, to: str, message_id: str) -> EmailMultiAlternatives:
    text = _template(f"obligations/email/{template}.txt").render(context)
    html = _template(f"obligations/email/{template}.html").render(context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_email(
    digest: DigestEmail,
    rows: list[Line],
    today: datetime.date,
    counter: WorkdayCounter,
    memo: SectionMemo | None = None,
) -> EmailMultiAlternatives:
    sections = sections_for(rows, today, counter, memo)
    total = sum(section.count for section in sections)
    subject = f"【督办提醒】{chinese_date(today)}：{total} 项任务需要您关注"
    context = {
        "name": rows[0].recipient_name,
        "today": chinese_date(today),
        "sections": sections,
        "total": total,
        "site_url": settings.SITE_URL + "/",
        "notifications_url": settings.SITE_URL + reverse("notification_list"),
        "overdue_note": OVERDUE_DAYS_NOTE,
    }
    return _email(subject, "digest", context, rows[0].recipient_email, _message_id("digest", digest.pk))


def _manual_items(rows: list[Line]) -> list[dict]:
    items = []
    seen: set[int] = set()
    for row in sorted(rows, key=lambda r: (r.task_deadline or r.deadline, r.task_id)):
        if row.task_id in seen:
            continue
        seen.add(row.task_id)
        items.append(
            {
                "text": short(row.task_text, 300),
                "plan": row.plan_label,
                "unit": row.unit_name,
                "deadline": chinese_date(row.task_deadline)
                if row.task_deadline
                else Task.DeadlineKind(row.task_kind).label,
                "url": task_url(row.task_id),
            }
        )
    return items


def manual_email(rows: list[Line], today: datetime.date) -> EmailMultiAlternatives:
    """One 催办 request's message to one person: every task of the request that concerns them."""
    first = rows[0]
    items = _manual_items(rows)
    if len(items) == 1:
        subject = f"【催办】{short(first.task_text, 30)}"
    else:
        subject = f"【催办】{first.unit_name}等 {len(items)} 项任务"
    context = {
        "name": first.recipient_name,
        "today": chinese_date(today),
        "who": first.author_name or "督查室",
        "note": first.message,
        "items": items,
        "site_url": settings.SITE_URL + "/",
    }
    return _email(subject, "manual", context, first.recipient_email, _message_id("reminder", first.pk))


NOTIFICATION_COLUMNS = ["user", "title", "body", "url", "reminder"]


# A day's in-app notice names this many tasks per section; the task list shows them all.
NOTICE_ITEMS_PER_SECTION = 3


def digest_notification_row(
    rows: list[Line], today: datetime.date, counter: WorkdayCounter, memo: SectionMemo | None = None
) -> tuple:
    """One person's in-app notice for the day, like the e-mail digest (rows sorted by pk: the first
    live row keys the notice, so a digest tried again never notifies twice). A single task reads as
    that task's reminder and links to it; several read as the digest's sections."""
    sections = sections_for(rows, today, counter, memo)
    if len(sections) == 1 and sections[0].count == 1:
        first = next(row for row in rows if row.kind == sections[0].kind)
        item = sections[0].items[0]
        return (
            first.recipient_id,
            f"【{first.kind_label}】{short(item.text, 40)}",  # item.text: the first 120 of it
            f"{'、'.join(item.units)}：{item.detail}",
            task_path(first.task_id),
            first_pk(rows),
        )
    total = sum(section.count for section in sections)
    lines = []
    for section in sections:
        names = "；".join(short(item.text, 30) for item in section.items[:NOTICE_ITEMS_PER_SECTION])
        more = "等" if section.count > NOTICE_ITEMS_PER_SECTION else ""
        lines.append(f"{section.title}（{section.count} 项）：{names}{more}")
    return (
        rows[0].recipient_id,
        f"【督办提醒】{chinese_date(today)}：{total} 项任务需要您关注",
        "\n".join(lines)[:2000],
        reverse("task_list"),
        first_pk(rows),
    )


def manual_notification_row(rows: list[Line]) -> tuple:
    """One notice for one person's part of a 催办 request (however many tasks it names)."""
    first = rows[0]
    tasks = list(dict.fromkeys(row.task_id for row in rows))
    who = first.author_name or "督查室"
    note = f"：{first.message}" if first.message else ""
    if len(tasks) == 1:
        title = f"【催办】{short(first.task_text, 40)}"
        url = task_path(first.task_id)
        body = f"{first.unit_name}：{who}催办{note}"
    else:
        units = list(dict.fromkeys(row.unit_name for row in rows))
        title = f"【催办】{'、'.join(units[:2])}{'等' if len(units) > 2 else ''} {len(tasks)} 项任务"
        url = reverse("task_list") + (f"?unit={first.unit_id}" if len(units) == 1 else "")
        body = f"{who}催办{note}。共 {len(tasks)} 项：" + "；".join(
            short(row.task_text, 30) for row in {r.task_id: r for r in rows}.values()
        )
    return (first.recipient_id, title, body[:2000], url, first.pk)
