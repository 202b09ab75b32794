"""督查通报: the monthly or quarterly supervision bulletin (Word), its issue numbers and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class BulletinIssue(models.Model):
    """An issue number (第N期), counted per year of issue, for one period and one set of filters.

    Generating the same bulletin again (a retried schedule, a supervisor revising the 下一步要求)
    reuses its number; a new period or other filters takes the next one.
    """

    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("期号")
    period_kind = models.CharField("周期", max_length=10)
    period_start = models.DateField("期间开始")
    filters_key = models.CharField("筛选条件", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "通报期号"
        verbose_name_plural = "通报期号"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="bulletin_number_unique_in_year"),
            models.UniqueConstraint(
                fields=["year", "period_kind", "period_start", "filters_key"],
                name="bulletin_issue_per_period",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="bulletin_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.number}期"


class Bulletin(models.Model):
    """A generated bulletin file and its history: who, when, which period and filters."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "手动生成"
        SCHEDULED = "scheduled", "定时生成"
        COMMAND = "command", "命令行"

    class Status(models.TextChoices):
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    issue = models.ForeignKey(
        BulletinIssue, verbose_name="期号", on_delete=models.PROTECT, related_name="bulletins"
    )
    period_kind = models.CharField("周期", max_length=10)
    period_start = models.DateField("期间开始")
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    issuer = models.CharField("发文单位", max_length=100)
    next_steps = models.TextField("下一步要求", blank=True)
    trigger = models.CharField("方式", max_length=20, choices=Trigger.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.RUNNING)
    file = models.FileField("文件", upload_to="bulletins/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    overdue = models.PositiveIntegerField("逾期任务", default=0)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "督查通报"
        verbose_name_plural = "督查通报"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"督查通报 {self.issue}（{self.get_trigger_display()}）"


class BulletinDefaults(models.Model):
    """What the bulletin page offers next time: the issuer and the 下一步要求 last used (pk=1)."""

    issuer = models.CharField("发文单位", max_length=100, blank=True)
    next_steps = models.TextField("下一步要求", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "通报默认内容"
        verbose_name_plural = "通报默认内容"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="bulletin_defaults_singleton")]

    def __str__(self) -> str:
        return "通报默认内容"
