"""Outbox rows as the senders need them: plain ``Line`` values read in one query per batch, and
whether a row still applies when it is about to go out."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Substr

from ..models import Plan, Reminder, Task
from . import messages
from .messages import Line

Kind = Reminder.Kind
DEADLINE_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION]


_LINE_FIELDS = [
    "pk",
    "kind",
    "stage",
    "deadline",
    "message",
    "attempts",
    "task_id",
    "text_head",
    "task__deadline",
    "task__status",
    "task__deadline_kind",
    "task__plan__status",
    "task__plan__title",
    "task__plan__number",
    "unit_id",
    "unit__name",
    "recipient_id",
    "recipient__email",
    "recipient__is_active",
    "recipient__first_name",
    "recipient__last_name",
    "recipient__username",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__username",
    "due_at",
]


def load_lines(queryset: QuerySet[Reminder], *, with_due_at: bool = False) -> list[Line]:
    """Rows as plain Lines (task text cut in SQL: messages show at most a few hundred characters).

    ``due_at`` is read only when asked for: converting 100,000s of aware datetimes is a good part
    of the read, and only a lane spanning several days needs it."""
    fields = _LINE_FIELDS if with_due_at else _LINE_FIELDS[:-1]
    names: dict[tuple[str, str, str], str] = {}
    lines = []
    for values in (
        queryset.annotate(text_head=Substr("task__text", 1, 400)).order_by("pk").values_list(*fields)
    ):
        if with_due_at:
            *head, first, last, username, a_first, a_last, a_username, due_at = values
        else:
            (*head, first, last, username, a_first, a_last, a_username), due_at = values, None
        recipient = names.get((first, last, username))
        if recipient is None:
            recipient = names[(first, last, username)] = messages.person(first, last, username)
        author = messages.person(a_first or "", a_last or "", a_username) if a_username else None
        lines.append(Line(*head, recipient_name=recipient, author_name=author, due_at=due_at))
    return lines


def stale_reason(row: Line) -> str:
    """Why a claimed row must not go out any more ('' when it still applies)."""
    if row.task_status == Task.Status.DONE:
        return "任务已办结。"
    if row.plan_status != Plan.Status.PUBLISHED:
        return "所属方案未发布或已归档。"
    if row.kind in DEADLINE_KINDS and row.task_deadline != row.deadline:
        return "完成时限已变更，原时限的提醒不再发送。"
    if not row.recipient_active:
        return "接收人账号已停用。"
    return ""
