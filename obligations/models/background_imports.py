from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def job_upload_path(job: ImportJob, filename: str) -> str:
    """A name of our own under MEDIA_ROOT (the user's file name is kept in the row, never in a path)."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"import_jobs/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportJobQuerySet(models.QuerySet):
    def active(self) -> ImportJobQuerySet:
        return self.filter(state__in=ImportJob.ACTIVE)


class ImportJob(models.Model):
    """A plan file being imported in the background (OCR, conversion): its state, stage and page,
    who started it, and the uploaded file, kept under MEDIA_ROOT until the job has finished.

    A run claims the job with a conditional UPDATE (queued -> running, a fresh claim token) and
    writes its progress and heartbeat only while it still holds that token, so a run that was given
    up for dead can never overwrite the run that replaced it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    class Stage(models.TextChoices):
        # The engine's stage names (obligations.extract.progress), plus storing the result.
        NONE = "", "等待开始"
        READ = "read", "读取文件"
        CONVERT = "convert", "格式转换（LibreOffice）"
        OCR = "ocr", "文字识别（OCR）"
        EXTRACT = "extract", "提取任务"
        STORE = "store", "保存结果"

    ACTIVE = (State.QUEUED, State.RUNNING)

    file = models.FileField("上传文件", upload_to=job_upload_path, blank=True, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    jurisdiction = models.CharField("所属辖区", max_length=50, blank=True)

    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.QUEUED)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, default=Stage.NONE, blank=True)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    cancel_requested = models.BooleanField("已请求取消", default=False)
    error = models.TextField("错误信息", blank=True)
    retryable = models.BooleanField("可重试", default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    claim_token = models.CharField("领取标记", max_length=32, blank=True)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)

    source = models.ForeignKey(
        "obligations.SourceDocument",
        verbose_name="导入结果",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate = models.BooleanField("此前已导入", default=False)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台导入"
        verbose_name_plural = "后台导入"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="importjob_state_created")]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="importjob_sha256_hex"),
            models.CheckConstraint(
                condition=Q(done__lte=F("total")) | Q(total=0), name="importjob_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_state_display()}）"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def cancelling(self) -> bool:
        return self.state == self.State.RUNNING and self.cancel_requested

    @property
    def can_retry(self) -> bool:
        return self.state == self.State.FAILED and self.retryable and bool(self.file)

    @property
    def can_cancel(self) -> bool:
        """Queued or running jobs can be cancelled; a failed one that could be retried can be given up."""
        return (self.is_active and not self.cancel_requested) or self.can_retry

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    def progress_text(self) -> str:
        """What the page says about where the job is, e.g. "文字识别（OCR）：第 3 / 12 页"."""
        if self.state == self.State.QUEUED:
            return "排队等待后台处理"
        if self.state != self.State.RUNNING:
            return self.get_state_display()
        label = self.get_stage_display() or "处理中"
        if self.cancel_requested:
            return f"正在取消（{label}）"
        if self.stage == self.Stage.OCR and self.total:
            page = min(self.done + 1, self.total)
            return f"{label}：第 {page} / {self.total} 页"
        return label

    def waited(self) -> datetime.timedelta:
        return timezone.now() - self.created_at
