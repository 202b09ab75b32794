from __future__ import annotations

from django.conf import settings
from django.db import models


class ChangeLog(models.Model):
    """Who changed what, when, old -> new (留痕). Written by obligations.workflow.audit, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("操作", max_length=50, db_index=True)
    summary = models.CharField("摘要", max_length=300)
    plan = models.ForeignKey(
        "obligations.Plan",
        verbose_name="工作方案",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    task = models.ForeignKey(
        "obligations.Task",
        verbose_name="任务",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    changes = models.JSONField("变更内容", default=dict, blank=True, help_text="{字段: [原值, 新值]}")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "操作留痕"
        verbose_name_plural = "操作留痕"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary
