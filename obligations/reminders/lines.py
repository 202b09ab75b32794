"""Outbox rows as the senders need them: plain ``Line`` values read in one query per batch, and
whether a row still applies when it is about to go out."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

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


# stale_reason as SQL, condition by condition in the same order: a row matching several is
# cancelled for the first, as in Python. Plans and people are matched by subquery, not joined:
# both tables are small, and a join per row cost more than the rows at province scale.
def _published_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(status=Plan.Status.PUBLISHED).values("pk")


def _inactive_people() -> QuerySet:
    return get_user_model().objects.filter(is_active=False).values("pk")


def _stale() -> list[tuple[Q, str]]:
    return [
        (Q(task__status=Task.Status.DONE), "任务已办结。"),
        (~Q(task__plan_id__in=_published_plans()), "所属方案未发布或已归档。"),
        (
            Q(kind__in=DEADLINE_KINDS) & (Q(task__deadline__isnull=True) | ~Q(deadline=F("task__deadline"))),
            "完成时限已变更，原时限的提醒不再发送。",
        ),
        (Q(recipient_id__in=_inactive_people()), "接收人账号已停用。"),
    ]


def live_q() -> Q:
    """The rows stale_reason lets go out, as a filter."""
    return (
        ~Q(task__status=Task.Status.DONE)
        & Q(task__plan_id__in=_published_plans())
        & (~Q(kind__in=DEADLINE_KINDS) | Q(deadline=F("task__deadline")))
        & ~Q(recipient_id__in=_inactive_people())
    )


def stale_rows(queryset: QuerySet[Reminder]) -> dict[str, list[int]]:
    """The rows of ``queryset`` that must not go out any more, by reason (stale_reason's words),
    read without reading the live ones."""
    rules = _stale()
    stale = Q()
    for condition, _ in rules:
        stale |= condition
    reason = Case(
        *(When(condition, then=Value(words)) for condition, words in rules), output_field=CharField()
    )
    found: dict[str, list[int]] = {}
    for pk, words in (
        queryset.filter(stale).annotate(reason=reason).order_by("pk").values_list("pk", "reason")
    ):
        found.setdefault(words, []).append(pk)
    return found
