"""A unit's own part of a shared task (本单位进展): marked done by the unit's liaison, undone until the
task is closed, completed for every unit when the task's 办结 is approved.

The state lives on the unit's Assignment and is optimistic-locked on ``Assignment.version`` only:
one unit's change never refuses another unit's, and a colleague of the same unit who changed it a
moment ago is caught (StalePart). Every change is recorded (留痕) with who, when and old -> new.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from ..models import Assignment, ProgressReport, Task, Unit
from ..models.work import answering
from . import audit
from .refusals import StalePart, WorkflowError

_LABELS = dict(Assignment.Status.choices)


def set_part_done(assignment: Assignment, *, user, done: bool, version: int, note: str = "") -> Assignment:
    """Mark the unit's part done (本单位已完成) or undo that (back to 推进中)."""
    task = assignment.task
    note = note.strip()
    if task.status == Task.Status.DONE:
        raise WorkflowError("该任务已办结，本单位的办理状态不能再更改。")
    if assignment.version != version:  # what the user saw changed: say so before anything else
        raise StalePart(assignment.pk, version)
    old = assignment.status
    if done and old == Assignment.Status.DONE:
        raise WorkflowError("本单位已标记完成，无需重复操作。")
    if not done and old != Assignment.Status.DONE:
        raise WorkflowError("本单位尚未标记完成，无需撤销。")
    new = Assignment.Status.DONE if done else Assignment.Status.IN_PROGRESS
    now = timezone.now()
    fields = {"status": new, "done_at": now if done else None, "done_by": user if done else None}
    with transaction.atomic():
        updated = (
            Assignment.objects.filter(pk=assignment.pk, version=version)
            .exclude(task__status=Task.Status.DONE)
            .update(version=F("version") + 1, **fields)
        )
        if not updated:
            if Task.objects.filter(pk=task.pk, status=Task.Status.DONE).exists():
                raise WorkflowError("该任务已办结，本单位的办理状态不能再更改。")
            raise StalePart(assignment.pk, version)
        changes: dict = {"unit_state": [_LABELS[old], _LABELS[new]]}
        if note:
            changes["note"] = [None, note]
        name = assignment.unit.name
        summary = f"{name}标记本单位已完成" if done else f"{name}撤销本单位已完成"
        audit.record(user, "unit.part", summary, task=task, changes=changes)
    assignment.version = version + 1
    for name, value in fields.items():
        setattr(assignment, name, value)
    return assignment


def complete_every_part(task: Task, user) -> list[str]:
    """The task's 办结 was approved: every unit's part is done from now (those already done keep
    their own time). Returns the names of the units completed here, for the record."""
    open_parts = Assignment.objects.filter(task=task).exclude(status=Assignment.Status.DONE)
    names = list(open_parts.order_by("role", "position").values_list("unit__name", flat=True))
    open_parts.update(
        status=Assignment.Status.DONE, done_at=timezone.now(), done_by=user, version=F("version") + 1
    )
    return names


# --- Reading: each unit's part beside the task (task page, 办结审核) ----------------------------------


@dataclass
class Part:
    """One unit's part of a task as pages show it: its own state and its latest report."""

    assignment: Assignment
    answers: bool  # the unit answers for the whole task (牵头单位)
    reports: int = 0
    last_report_at: datetime.datetime | None = None
    last_report_text: str = ""
    last_report_unit: str = ""  # the member unit that reported, when the part is a group's

    @property
    def unit(self):
        return self.assignment.unit

    @property
    def status(self) -> str:
        return self.assignment.status

    @property
    def status_label(self) -> str:
        return _LABELS[self.assignment.status]

    @property
    def done_by_name(self) -> str:
        user = self.assignment.done_by
        return (user.get_full_name() or user.get_username()) if user else ""


def unit_parts(task_ids: list[int]) -> dict[int, list[Part]]:
    """Each task's units (answering unit first, then in the document's order) with their state and
    latest report: four queries whatever the number of tasks, units or reports."""
    by_task: dict[int, list[Part]] = {task_id: [] for task_id in task_ids}
    if not task_ids:
        return by_task
    assignments = list(
        Assignment.objects.filter(task_id__in=task_ids)
        .select_related("unit", "done_by")
        .order_by("task_id", "role", "position", "pk")
    )
    grouped: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        grouped.setdefault(assignment.task_id, []).append(assignment)
    group_ids = [a.unit_id for a in assignments if a.unit.is_group]
    members: dict[int, set[int]] = {}
    for group_id, member_id in Unit.members.through.objects.filter(from_unit_id__in=group_ids).values_list(
        "from_unit_id", "to_unit_id"
    ):
        members.setdefault(group_id, set()).add(member_id)
    counts = (
        ProgressReport.objects.filter(task_id__in=task_ids)
        .order_by()
        .values("task_id", "unit_id")
        .annotate(n=Count("pk"), last=Max("pk"))
    )
    latest = {row["last"]: row for row in counts}
    reports = ProgressReport.objects.filter(pk__in=list(latest)).select_related("unit")
    per_unit: dict[tuple[int, int], tuple[int, ProgressReport]] = {
        (r.task_id, r.unit_id): (latest[r.pk]["n"], r) for r in reports
    }
    for task_id, rows in grouped.items():
        leads = {a.pk for a in answering(rows)}
        for assignment in rows:
            part = Part(assignment, answers=assignment.pk in leads)
            units = {assignment.unit_id} | members.get(assignment.unit_id, set())
            found = [per_unit[(task_id, unit_id)] for unit_id in units if (task_id, unit_id) in per_unit]
            if found:
                part.reports = sum(n for n, _ in found)
                report = max((r for _, r in found), key=lambda r: (r.created_at, r.pk))
                part.last_report_at = report.created_at
                part.last_report_text = report.text
                if report.unit_id != assignment.unit_id:
                    part.last_report_unit = report.unit.name
            by_task[task_id].append(part)
        by_task[task_id].sort(key=lambda part: not part.answers)
    return by_task
