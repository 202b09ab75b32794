from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LedgerExport(models.Model):
    """A generated monthly progress ledger (进展台账) and its history: who, when, which filters."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "手动导出"
        SCHEDULED = "scheduled", "定时生成"
        COMMAND = "command", "命令行"

    class Status(models.TextChoices):
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    month = models.DateField("月份", help_text="该月第一天。")
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    trigger = models.CharField("方式", max_length=20, choices=Trigger.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.RUNNING)
    file = models.FileField("文件", upload_to="ledgers/%Y/%m/", blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "进展台账"
        verbose_name_plural = "进展台账"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="ledger_month_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}进展台账（{self.get_trigger_display()}）"
