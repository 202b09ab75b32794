"""Recording who changed what (留痕). Call ``record`` wherever a person changes data."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models

from ..models import ChangeLog, Plan, Task


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)
    }


def record(
    actor: Any,
    action: str,
    summary: str,
    *,
    task: Task | None = None,
    plan: Plan | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> ChangeLog:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if task is not None and plan is None:
        plan = task.plan
    return ChangeLog.objects.create(
        actor=actor, action=action, summary=summary[:300], task=task, plan=plan, changes=changes or {}
    )
