"""What units submit on a task and supervisors decide: progress reports, completion and extension
requests (with the decision fields they share), and evidence files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .organisation import Unit
from .work import Task


class Decision(models.Model):
    """A unit's request that a supervisor decides once (办结审核, 延期审核): the fields both kinds
    share. Each kind declares its own ``status`` choices, which start at "pending"."""

    PENDING = "pending"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_comment = models.TextField("审核意见", blank=True)

    class Meta:
        abstract = True

    @classmethod
    def settle(cls, pk: int, status: str, user, comment: str) -> bool:
        """Move a pending request to its decision, once: a conditional UPDATE, so a second click or
        a second reviewer changes nothing (False)."""
        return bool(
            cls.objects.filter(pk=pk, status=cls.PENDING).update(
                status=status, decided_by=user, decided_at=timezone.now(), decision_comment=comment
            )
        )


class ProgressReport(models.Model):
    """A unit's progress (进展情况) on a task for a period (month)."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="reports")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    period = models.DateField("报告月份", help_text="该月第一天。")
    text = models.TextField("进展情况")
    created_at = models.DateTimeField("填报时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_first_of_month"),
            models.CheckConstraint(condition=~Q(text=""), name="report_text_not_empty"),
        ]
        indexes = [models.Index(fields=["task", "period"], name="report_task_period")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.period:%Y-%m} {self.unit}"


class CompletionRequest(Decision):
    """A unit's request to close a task (办结申请), approved or returned by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="completion_requests"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField("完成情况")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    status = models.CharField("审核状态", max_length=20, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = "办结申请"
        verbose_name_plural = "办结申请"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="pending"), name="one_pending_completion_per_task"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="completion_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"办结申请 #{self.pk}（{self.get_status_display()}）"


class ExtensionRequest(Decision):
    """A request to move a task's deadline (延期申请); approval changes the deadline, keeping the original."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    current_deadline = models.DateField("原时限", null=True, blank=True)
    requested_deadline = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField("审核状态", max_length=20, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="pending"), name="one_pending_extension_per_task"
            ),
            models.CheckConstraint(
                condition=Q(current_deadline__isnull=True) | Q(requested_deadline__gt=F("current_deadline")),
                name="extension_moves_deadline_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_not_empty"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="extension_decided_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"延期申请 #{self.pk}：{self.current_deadline} → {self.requested_deadline}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is random: the user's file name is kept in original_name only.
    import uuid

    return f"evidence/{instance.task_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A supporting file (佐证材料) attached to a progress report or a completion request."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey(
        ProgressReport,
        verbose_name="进展报告",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    completion = models.ForeignKey(
        CompletionRequest,
        verbose_name="办结申请",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=evidence_upload_to)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False) | Q(completion__isnull=False), name="evidence_attached"
            )
        ]

    def __str__(self) -> str:
        return self.original_name
