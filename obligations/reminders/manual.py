"""Manual reminders (催办): a supervisor's click puts rows in the reminder outbox.

The scheduler's sender delivers every pending ``Reminder``; here we only queue them. Each request
gets its own stage token, so a second 催办 the same day is a new reminder, while the outbox's
unique constraint still keeps one request from being queued twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models import ChangeLog, Membership, Reminder, Task, Unit
from ..workflow import audit
from .delivery_plan import plan_manual


def _targets(units: Iterable[Unit]) -> dict[int, list[Unit]]:
    """For each unit, the units whose liaisons are reminded: itself, or a group's member units."""
    units = list(units)
    targets: dict[int, list[Unit]] = {unit.pk: [unit] for unit in units if not unit.is_group}
    group_ids = [unit.pk for unit in units if unit.is_group]
    if group_ids:
        for group_id in group_ids:
            targets[group_id] = []
        rows = Unit.members.through.objects.filter(from_unit_id__in=group_ids).select_related("to_unit")
        for row in rows:
            targets[row.from_unit_id].append(row.to_unit)
    return targets


def _liaisons(unit_ids: set[int]) -> dict[int, list]:
    result: dict[int, list] = {}
    memberships = Membership.objects.filter(
        unit_id__in=unit_ids, role=Membership.Role.LIAISON, user__is_active=True
    ).select_related("user")
    for membership in memberships.order_by("user_id"):
        result.setdefault(membership.unit_id, []).append(membership.user)
    return result


def recipients(unit: Unit) -> list[tuple[Unit, object]]:
    """Who a 催办 of ``unit`` reaches: (unit, liaison) pairs, a group through its member units."""
    targets = _targets([unit])[unit.pk]
    liaisons = _liaisons({target.pk for target in targets})
    return [(target, user) for target in targets for user in liaisons.get(target.pk, [])]


def remind_tasks(pairs: Iterable[tuple[Task, list[Unit]]], requested_by, message: str = "") -> list[Reminder]:
    """Queue one 催办 request covering several (task, units) pairs; returns the new outbox rows."""
    pairs = [(task, list(units)) for task, units in pairs]
    message = message.strip()
    targets = _targets({unit for _, units in pairs for unit in units})
    liaisons = _liaisons({target.pk for units in targets.values() for target in units})
    now = timezone.now()
    stage = f"manual:{now:%Y%m%dT%H%M%S%f}"
    rows: list[Reminder] = []
    logs: list[ChangeLog] = []
    for task, units in pairs:
        reached: list[str] = []
        for unit in units:
            for target in targets.get(unit.pk, []):
                for user in liaisons.get(target.pk, []):
                    reached.append(f"{target.name} {user.get_full_name() or user.get_username()}")
                    rows.append(
                        Reminder(
                            task=task,
                            unit=target,
                            kind=Reminder.Kind.MANUAL,
                            stage=stage,
                            deadline=task.deadline or timezone.localdate(),
                            recipient=user,
                            message=message,
                            due_at=now,
                            status=Reminder.Status.PENDING,
                            created_by=requested_by,
                        )
                    )
        names = "、".join(unit.name for unit in units)
        summary = f"催办{names}" if reached else f"催办{names}：未找到联络员，未发出"
        logs.append(
            ChangeLog(
                actor=requested_by if getattr(requested_by, "is_authenticated", False) else None,
                action="task.remind",
                summary=summary[:300],
                task=task,
                plan_id=task.plan_id,
                changes={"reminder": [None, message or "催办"], "recipients": [None, "、".join(reached)]},
            )
        )
    with transaction.atomic():
        created = Reminder.objects.bulk_create(rows)
        plan_manual(created, now)  # its chat and SMS messages, in the same transaction
        # Same record as audit.record() would write, in one INSERT for a whole unit's tasks.
        ChangeLog.objects.bulk_create(logs)
    return created


def request_manual_reminder(
    task: Task, units: Iterable[Unit], requested_by, message: str = ""
) -> list[Reminder]:
    """Queue a 催办 of ``task`` to every liaison of ``units`` (for groups: of their member units)."""
    return remind_tasks([(task, list(units))], requested_by, message=message)


def remind_unit(unit: Unit, tasks: Iterable[Task], requested_by, message: str = "") -> list[Reminder]:
    """A confirmed 催办 of a unit: one request over the given (usually overdue) tasks. Each of its
    liaisons gets one notice and one e-mail listing them all (outbox.Sender.send_manual)."""
    tasks = list(tasks)
    reminders = remind_tasks([(task, [unit]) for task in tasks], requested_by, message=message)
    people = len({reminder.recipient_id for reminder in reminders})
    note = f"：{message.strip()}" if message.strip() else ""
    audit.record(
        requested_by,
        "unit.remind",
        f"对{unit.name}的 {len(tasks)} 项逾期任务统一催办，{people} 位联络员各收到一条通知{note}",
    )
    return reminders
