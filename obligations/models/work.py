"""Tasks (督办任务), who does them, and their recurring occurrences; TaskQuerySet holds the one
definition of which tasks are published, visible to or editable by a user, and of their lights."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from .. import roles
from .documents import Plan, published_q
from .lights import light_expression, light_q
from .organisation import Unit
from .task_choices import DeadlineKind, TaskStatus


class TaskQuerySet(models.QuerySet):
    """Which tasks: published, visible to or editable by a user (as roles.py decides), and lit.

    The shapes are chosen for speed at 100,000 tasks: "plan_id IN (published plans)" rather than a
    join on plans (with a join SQLite's planner may walk every plan first), and "id IN (tasks of
    these units)", which lets the database start from the units' assignments (an index range)
    instead of probing every task with EXISTS.
    """

    def published(self) -> TaskQuerySet:
        """Tasks of published plans."""
        return self.filter(plan_id__in=Plan.objects.published().values("pk"))

    def unpublished(self) -> TaskQuerySet:
        return self.exclude(plan_id__in=Plan.objects.published().values("pk"))

    def published_before(self, moment: datetime.datetime) -> TaskQuerySet:
        """Tasks that existed, in plans published, before ``moment`` (a past month's ledger). Goes
        through the plan join, for callers that order by the plan anyway."""
        return self.filter(published_q("plan__"), plan__published_at__lt=moment, created_at__lt=moment)

    def open(self) -> TaskQuerySet:
        """Not done: what may still be reminded about."""
        return self.exclude(status=TaskStatus.DONE)

    def of_units(self, unit_ids: Iterable[int]) -> TaskQuerySet:
        """Tasks assigned to any of these units."""
        assigned = Assignment.objects.filter(unit_id__in=unit_ids).values("task_id")
        return self.filter(pk__in=assigned)

    def within(self, scope: roles.TaskScope) -> TaskQuerySet:
        """The tasks a scope decided by roles.py reaches."""
        if scope.everything:
            return self.all()
        if scope.all_published:
            return self.published()
        if scope.unit_ids:
            return self.published().of_units(scope.unit_ids)
        return self.none()

    def visible_to(self, user: roles.User) -> TaskQuerySet:
        return self.within(roles.visible_scope(user))

    def editable_by(self, user: roles.User) -> TaskQuerySet:
        return self.within(roles.editable_scope(user))

    def with_light(self, day: datetime.date, cutoff: datetime.date) -> TaskQuerySet:
        """Annotate each task's light (``task.light``), judged on ``day`` with yellow up to ``cutoff``."""
        return self.annotate(light=light_expression(day, cutoff))

    def of_light(self, light: str, day: datetime.date, cutoff: datetime.date) -> TaskQuerySet:
        return self.filter(light_q(light, day, cutoff))


class Task(models.Model):
    """One obligation from a plan: text, owners, deadline and state."""

    DeadlineKind = DeadlineKind
    Status = TaskStatus

    plan = models.ForeignKey(Plan, verbose_name="工作方案", on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveIntegerField("序号")
    section_path = models.JSONField("所属章节", default=list, blank=True)
    item_label = models.CharField("条目编号", max_length=30, blank=True)
    text = models.TextField("任务内容")
    deadline = models.DateField("完成时限", null=True, blank=True)
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

    objects = TaskQuerySet.as_manager()

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
            # Deadline ranges (a deadline filter, the light tallies' window): on PostgreSQL the index
            # carries what those queries read, so they never visit the task rows.
            models.Index(fields=["deadline"], include=["status", "plan", "id"], name="task_deadline_cover"),
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

    def answering_assignments(self) -> list[Assignment]:
        """The assignments that answer for the whole task (see ``answering``)."""
        return answering(self.assignments.select_related("unit"))

    def assigned_units(self) -> QuerySet[Unit]:
        """The task's units, lead units first, each in the document's order."""
        return Unit.objects.filter(assignments__task=self).order_by(
            "assignments__role", "assignments__position"
        )


class Assignment(models.Model):
    """Who does a task: a lead unit (牵头单位) or a responsible/co-operating unit (责任单位), with
    that unit's own progress on its part (本单位进展: 未开始 → 推进中 → 本单位已完成).

    A unit's state is its own: a report moves it to 推进中, the unit's liaison marks it 本单位已完成
    (and may undo that until the task is closed), and the approval of the task's 办结 completes
    every part. ``version`` is the optimistic lock on this state alone, so units never block each
    other; the task's own fields keep ``Task.version``.
    """

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        RESPONSIBLE = "responsible", "责任单位"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "本单位已完成"

    # Both keys are served by composite indexes below (assignment_task_cover, assignment_unit_task):
    # plain FK indexes beside them would only slow the writes of 2.4 M parts.
    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments", db_index=False
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    position = models.PositiveSmallIntegerField("排序", default=0)
    status = models.CharField("本单位状态", max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    done_at = models.DateTimeField("本单位完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="标记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1, help_text="乐观锁：本单位状态每次修改加一。")

    class Meta:
        verbose_name = "任务分工"
        verbose_name_plural = "任务分工"
        ordering = ["task", "role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_one_role_per_unit"),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False)
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="assignment_done_has_time",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assignment_version_positive"),
        ]
        indexes = [
            # A task's parts by task id, carrying what the per-unit light counts read: on PostgreSQL
            # a deadline window's 30,000 tasks join their parts without visiting the part rows.
            models.Index(fields=["task"], include=["unit", "status", "id"], name="assignment_task_cover"),
            models.Index(fields=["unit", "task"], name="assignment_unit_task"),
            # The dashboard counts each unit's finished parts (本单位已完成) from this alone.
            models.Index(
                fields=["unit", "task"], condition=Q(status="done"), name="assignment_done_unit_task"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}（{self.get_role_display()}）"

    @property
    def is_done(self) -> bool:
        return self.status == Assignment.Status.DONE


def answering(assignments: Iterable[Assignment]) -> list[Assignment]:
    """The assignments that answer for the whole task (牵头单位): its lead units; a task that names
    none is led by its first-listed unit, as 分工方案 say (“排在第一位的为牵头单位”).

    ``assignments`` are one task's, in any order."""
    ordered = sorted(assignments, key=lambda a: (a.role != Assignment.Role.LEAD, a.position, a.pk or 0))
    leads = [a for a in ordered if a.role == Assignment.Role.LEAD]
    return leads or ordered[:1]


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
