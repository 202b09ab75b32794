"""What reminders say: the daily digest e-mail, the 催办 e-mail and in-app notifications (zh-hans).

Text is rendered by Django templates: the plain-text part with autoescape off, the HTML alternative
with autoescape on, so task text from imported plans can never inject markup.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from ..models import DigestEmail, Notification, Reminder
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
MAX_ITEMS_PER_SECTION = 100
CHINESE_NUMBERS = "一二三四五六七八九十"


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def task_path(task_id: int) -> str:
    return reverse("task_detail", args=[task_id])


def task_url(task_id: int) -> str:
    return settings.SITE_URL + task_path(task_id)


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail(row: Reminder, today: datetime.date, counter: WorkdayCounter) -> str:
    """One line on where the task stands, computed for the day the message goes out."""
    if row.kind == Kind.REPORT_DUE:
        return f"请于{row.deadline.month}月{row.deadline.day}日前报送{row.deadline.month}月进展情况"
    if row.kind == Kind.MANUAL:
        who = (row.created_by.get_full_name() or row.created_by.username) if row.created_by else "督查室"
        note = f"：{row.message}" if row.message else ""
        return f"{who}催办{note}"
    deadline = row.task.deadline or row.deadline
    if deadline < today:
        overdue = counter.between(deadline, today)
        return f"已逾期 {overdue} 个工作日（完成时限 {cn_date(deadline)}）"
    if deadline == today:
        return f"今天到期（完成时限 {cn_date(deadline)}）"
    left = counter.between(today, deadline)
    if left == 0:
        return f"下一个工作日前到期（完成时限 {cn_date(deadline)}）"
    return f"还有 {left} 个工作日到期（完成时限 {cn_date(deadline)}）"


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


def sections_for(rows: list[Reminder], today: datetime.date, counter: WorkdayCounter) -> list[Section]:
    """Group rows by kind and task (a task reminded for two of the user's units is listed once)."""
    grouped: dict[str, dict[int, Item]] = {}
    for row in sorted(rows, key=lambda r: (r.deadline, r.task_id, r.unit_id)):
        items = grouped.setdefault(row.kind, {})
        item = items.get(row.task_id)
        if item is None:
            items[row.task_id] = Item(
                task_id=row.task_id,
                text=short(row.task.text, 120),
                plan=str(row.task.plan),
                units=[row.unit.name],
                detail=detail(row, today, counter),
                url=task_url(row.task_id),
            )
        elif row.unit.name not in item.units:
            item.units.append(row.unit.name)
    sections = []
    for kind in SECTION_ORDER:
        items = list(grouped.get(kind, {}).values())
        if not items:
            continue
        number = CHINESE_NUMBERS[len(sections)]
        sections.append(
            Section(
                kind=kind,
                number=number,
                title=SECTION_TITLES[kind],
                items=items[:MAX_ITEMS_PER_SECTION],
                more=max(0, len(items) - MAX_ITEMS_PER_SECTION),
            )
        )
    return sections


def _message_id(kind: str, pk: int) -> str:
    # Stable per digest/reminder: if a crash makes us send one twice, receivers can see it is the same.
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<tracker-{kind}-{pk}@{host}>"


def _email(subject: str, template: str, context: dict, to: str, message_id: str) -> EmailMultiAlternatives:
    text = render_to_string(f"obligations/email/{template}.txt", context)
    html = render_to_string(f"obligations/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_email(
    digest: DigestEmail, rows: list[Reminder], today: datetime.date, counter: WorkdayCounter
) -> EmailMultiAlternatives:
    sections = sections_for(rows, today, counter)
    total = sum(section.count for section in sections)
    user = digest.recipient
    subject = f"【督办提醒】{cn_date(today)}：{total} 项任务需要您关注"
    context = {
        "name": user.get_full_name() or user.username,
        "today": cn_date(today),
        "sections": sections,
        "total": total,
        "site_url": settings.SITE_URL + "/",
        "notifications_url": settings.SITE_URL + reverse("notification_list"),
    }
    return _email(subject, "digest", context, user.email, _message_id("digest", digest.pk))


def manual_email(row: Reminder, today: datetime.date, counter: WorkdayCounter) -> EmailMultiAlternatives:
    user = row.recipient
    subject = f"【催办】{short(row.task.text, 30)}"
    context = {
        "name": user.get_full_name() or user.username,
        "today": cn_date(today),
        "who": (row.created_by.get_full_name() or row.created_by.username) if row.created_by else "督查室",
        "note": row.message,
        "task": row.task,
        "text": short(row.task.text, 300),
        "unit": row.unit.name,
        "deadline": cn_date(row.task.deadline) if row.task.deadline else row.task.get_deadline_kind_display(),
        "url": task_url(row.task_id),
        "site_url": settings.SITE_URL + "/",
    }
    return _email(subject, "manual", context, user.email, _message_id("reminder", row.pk))


def notification_for(row: Reminder, today: datetime.date, counter: WorkdayCounter) -> Notification:
    label = row.get_kind_display()
    return Notification(
        user_id=row.recipient_id,
        title=f"【{label}】{short(row.task.text, 40)}",
        body=f"{row.unit.name}：{detail(row, today, counter)}",
        url=task_path(row.task_id),
        reminder_id=row.pk,
    )
