"""Outbox rows as the senders need them: plain ``Line`` values read in one query per batch, and
whether a row still applies when it is about to go out."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Plan, Reminder, Task
from .messages import Line
from .pass_labels import PassLabels

Kind = Reminder.Kind
DEADLINE_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION]


# What decides whether a row goes out is read with it every time; what it shows comes from the
# pass's PassLabels (task text, plan title, unit and people's names: read once per pass).
_LINE_FIELDS = [
    "pk",
    "kind",
    "stage",
    "deadline",
    "message",
    "attempts",
    "task_id",
    "task__deadline",
    "task__status",
    "task__deadline_kind",
    "task__plan__status",
    "task__plan_id",
    "unit_id",
    "recipient_id",
    "recipient__email",
    "recipient__is_active",
    "created_by_id",
    "due_at",
]


def load_lines(
    queryset: QuerySet[Reminder], labels: PassLabels, *, with_due_at: bool = False, with_texts: bool = True
) -> list[Line]:
    """Rows as plain Lines, ordered by pk.

    ``due_at`` is read only when asked for: converting 100,000s of aware datetimes is a good part
    of the read, and only a lane spanning several days needs it. Without ``with_texts`` the Lines'
    task_text is None: a digest's sections read the texts of the tasks they list (SectionMemo),
    a few hundred of a supervisor's 200,000 rows at province scale."""
    fields = _LINE_FIELDS if with_due_at else _LINE_FIELDS[:-1]
    rows = list(queryset.order_by("pk").values_list(*fields))
    if not rows:
        return []
    texts = labels.texts({row[6] for row in rows}) if with_texts else None
    plans = labels.plans({row[11] for row in rows})
    units = labels.units({row[12] for row in rows})
    people = labels.people({row[13] for row in rows} | {row[16] for row in rows if row[16] is not None})
    no_plan = ("", "")
    lines = []
    for values in rows:
        if with_due_at:
            (pk, kind, stage, deadline, message, attempts, task_id, task_deadline, task_status, task_kind,
             plan_status, plan_id, unit_id, recipient_id, email, active, author_id, due_at) = values  # fmt: skip
        else:
            (pk, kind, stage, deadline, message, attempts, task_id, task_deadline, task_status, task_kind,
             plan_status, plan_id, unit_id, recipient_id, email, active, author_id), due_at = values, None  # fmt: skip
        plan_title, plan_number = plans.get(plan_id, no_plan)
        lines.append(
            Line(
                pk,
                kind,
                stage,
                deadline,
                message,
                attempts,
                task_id,
                texts.get(task_id, "") if texts is not None else None,
                task_deadline,
                task_status,
                task_kind,
                plan_status,
                plan_title,
                plan_number,
                unit_id,
                units.get(unit_id, ""),
                recipient_id,
                email,
                active,
                people.get(recipient_id, ""),
                people.get(author_id) if author_id is not None else None,
                due_at,
            )
        )
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
