"""A task's enumerations (Task.Status, Task.DeadlineKind), in a leaf module: the light rule
(lights.py) names them, and the Task model's queryset uses the light rule."""

from __future__ import annotations

from django.db import models


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    PENDING_REVIEW = "pending_review", "办结待审核"
    DONE = "done", "已办结"


class DeadlineKind(models.TextChoices):
    DATE = "date", "具体日期"
    ONGOING = "ongoing", "长期/持续"
    RECURRING = "recurring", "定期"
    NONE = "none", "未明确"
