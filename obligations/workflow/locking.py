"""The optimistic lock on ``Task.version``: every change to a task goes through ``bump``."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from ..models import Task
from .refusals import StaleTask


def bump(task: Task, expected_version: int, **fields: Any) -> None:
    """Conditional UPDATE on (pk, version): the optimistic lock. Raises StaleTask on mismatch."""
    now = timezone.now()
    updated = Task.objects.filter(pk=task.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if not updated:
        raise StaleTask(task.pk, expected_version)
    task.version = expected_version + 1
    task.updated_at = now
    for name, value in fields.items():
        setattr(task, name, value)


def status_change(task: Task, new: str) -> dict[str, list[Any]]:
    """The audit entry for a status change ({} when it stays)."""
    if task.status == new:
        return {}
    return {"status": [str(Task.Status(task.status).label), str(Task.Status(new).label)]}
