from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .documents import Plan
from .organisation import Unit


class Task(models.Model):
    """One obligation from a plan: text, owners, deadline and state."""

    class DeadlineKind(models.TextChoices):
        DATE = "date", "具体日期"
        ONGOING = "ongoing", "长期/持续"
        RECURRING = "recurring", "定期"
        NONE = "none", "未明确"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        PENDING_REVIEW = "pending_review", "办结待审核"
        DONE = "done", "已办结"

    plan = models.ForeignKey(Plan, verbose_name="工作方案", on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveIntegerField("序号")
    section_path = models.JSONField("所属章节", default=list, blank=True)
    item_label = models.CharField("条目编号", max_length=30, blank=True)
    text = models.TextField("任务内容")
    deadline = models.DateField("完成时限", null=True, blank=True, db_index=True)
    deadline_kind = models.CharField(
        "时限类型", max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.NONE
    )
    deadline_raw = models.CharField("时限原文", max_length=200, blank=True)
    recurrence = models.CharField(
        "周期规则", max_length=300, blank=True, help_text="RFC 5545 RRULE，如 FREQ=MONTHLY;BYMONTHDAY=5"
    )
    original_deadline = models.DateField(
        "原定时限", null=True, blank=True, help_text="批准延期后保留的原时限。"
    )
    needs_review = models.BooleanField("需复核", default=False)
    review_note = models.CharField("复核说明", max_length=500, blank=True)
    responsible_person = models.CharField("责任人", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1, help_text="乐观锁：每次修改加一。")
    units = models.ManyToManyField(Unit, through="Assignment", verbose_name="承办单位", related_name="tasks")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "督办任务"
        verbose_name_plural = "督办任务"
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="task_order_unique_in_plan"),
            models.CheckConstraint(
                condition=Q(deadline_kind="date", deadline__isnull=False)
                | Q(deadline_kind="none", deadline__isnull=True)
                | Q(deadline_kind__in=["ongoing", "recurring"]),
                name="task_deadline_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False)
                | (~Q(status="done") & Q(completed_at__isnull=True)),
                name="task_done_has_completed_at",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="task_text_not_empty"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            # Covers the dashboard's per-plan and per-unit light counts without reading task rows.
            models.Index(fields=["plan", "status", "deadline"], name="task_plan_status_deadline"),
        ]

    def __str__(self) -> str:
        label = self.text if len(self.text) <= 40 else self.text[:40] + "…"
        return f"{self.plan.number or self.plan.title} #{self.order} {label}"

    @property
    def section(self) -> str:
        return " / ".join(self.section_path)


class Assignment(models.Model):
    """Who does a task: a lead unit (牵头单位) or a responsible/co-operating unit (责任单位)."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        RESPONSIBLE = "responsible", "责任单位"

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "任务分工"
        verbose_name_plural = "任务分工"
        ordering = ["task", "role", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="assignment_one_role_per_unit")]
        indexes = [models.Index(fields=["unit", "task"], name="assignment_unit_task")]

    def __str__(self) -> str:
        return f"{self.unit}（{self.get_role_display()}）"


class TaskOccurrence(models.Model):
    """One due date of a recurring obligation (每月5日前报送), produced ahead of time from its rule."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="occurrences")
    due_date = models.DateField("应完成日期")
    fulfilled_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "周期任务期次"
        verbose_name_plural = "周期任务期次"
        ordering = ["task", "due_date"]
        constraints = [models.UniqueConstraint(fields=["task", "due_date"], name="occurrence_unique")]

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.due_date}"


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


class CompletionRequest(models.Model):
    """A unit's request to close a task (办结申请), approved or returned by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="completion_requests"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
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


class ExtensionRequest(models.Model):
    """A request to move a task's deadline (延期申请); approval changes the deadline, keeping the original."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="extension_requests"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
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
