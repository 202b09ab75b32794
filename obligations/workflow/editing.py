"""Editing a task's fields and units: supervisors on a published task, and the import review."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import transaction

from ..models import Assignment, Task
from ..plans.unit_directory import UnitDirectory, split_unit_names
from . import audit
from .locking import bump
from .refusals import StaleTask

EDITABLE_FIELDS = ("text", "responsible_person", "deadline", "deadline_kind", "deadline_raw", "needs_review")


def set_units(task: Task, lead: list[str], responsible: list[str], directory: UnitDirectory) -> dict:
    """Make the task's assignments these names; returns the {field: [old, new]} changes.

    A unit that stays on the task keeps its assignment, and with it its own progress (本单位进展);
    only units taken off lose theirs."""
    current = list(task.assignments.select_related("unit").order_by("role", "position"))
    before = {
        "lead_units": "、".join(a.unit.name for a in current if a.role == Assignment.Role.LEAD),
        "responsible_units": "、".join(a.unit.name for a in current if a.role == Assignment.Role.RESPONSIBLE),
    }
    wanted: list[tuple] = []  # (unit, role, position)
    seen: set[int] = set()
    for role, names in ((Assignment.Role.LEAD, lead), (Assignment.Role.RESPONSIBLE, responsible)):
        position = 0
        for name in names:
            unit = directory.resolve(name)
            if unit.pk in seen:
                continue
            seen.add(unit.pk)
            wanted.append((unit, role, position))
            position += 1
    after = {
        "lead_units": "、".join(unit.name for unit, role, _ in wanted if role == Assignment.Role.LEAD),
        "responsible_units": "、".join(
            unit.name for unit, role, _ in wanted if role == Assignment.Role.RESPONSIBLE
        ),
    }
    changes = audit.diff(before, after)
    if changes:
        existing = {a.unit_id: a for a in current}
        task.assignments.exclude(unit_id__in=seen).delete()
        moved, added = [], []
        for unit, role, position in wanted:
            row = existing.get(unit.pk)
            if row is None:
                row = Assignment(task=task, unit=unit, role=role, position=position)
                if task.status == Task.Status.DONE:  # a closed task's parts are all done
                    row.status, row.done_at = Assignment.Status.DONE, task.completed_at
                added.append(row)
            elif (row.role, row.position) != (role, position):
                row.role, row.position = role, position
                moved.append(row)
        Assignment.objects.bulk_update(moved, ["role", "position"])
        Assignment.objects.bulk_create(added)
        if hasattr(task, "_prefetched_objects_cache"):
            task._prefetched_objects_cache.pop("assignments", None)
    return changes


def edit_task(
    task: Task,
    *,
    user,
    version: int,
    values: dict[str, Any],
    lead: list[str] | str | None = None,
    responsible: list[str] | str | None = None,
) -> dict[str, list[Any]]:
    """Change a task's text, deadline, person and units; returns what changed (empty: nothing)."""
    fields = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    changes = audit.diff(audit.snapshot(task, fields), audit.snapshot(SimpleNamespace(**fields), fields))
    changed_fields = {name: fields[name] for name in changes}
    with transaction.atomic():
        unit_changes: dict = {}
        if lead is not None or responsible is not None:
            directory = UnitDirectory(task.plan.jurisdiction)
            unit_changes = set_units(
                task,
                split_unit_names(lead) if isinstance(lead, str) else list(lead or []),
                split_unit_names(responsible) if isinstance(responsible, str) else list(responsible or []),
                directory,
            )
        changes.update(unit_changes)
        if not changes:
            # Nothing to save, but a stale form must still be refused rather than silently accepted.
            if not Task.objects.filter(pk=task.pk, version=version).exists():
                raise StaleTask(task.pk, version)
            return {}
        bump(task, version, **changed_fields)
        audit.record(user, "task.edit", f"修改任务第 {task.order} 项", task=task, changes=changes)
    return changes
