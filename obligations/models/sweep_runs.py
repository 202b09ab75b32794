from __future__ import annotations

from django.db import models


class SweepRun(models.Model):
    """One day's reminder sweep: who holds it, whether it finished, and what it did.

    The row is the sweep's lock (claimed by a conditional UPDATE) and its record: the sender holds
    the day's digests while a sweep is running, and resumes a sweep whose worker died.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        SKIPPED = "skipped", "非工作日未提醒"
        FAILED = "failed", "失败"

    day = models.DateField("日期", unique=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    claim_token = models.CharField("领取标记", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=1)
    stats = models.JSONField("统计", default=dict, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "提醒扫描记录"
        verbose_name_plural = "提醒扫描记录"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_status_display()}"
