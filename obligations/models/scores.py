"""考核 (unit scoring): the rules a supervisor edits, kept as versions, and the scores of closed months.

Every save of the rules is a new version with the month it applies from (``valid_from``); a month is
scored with the version in force at its end, so changing the rules never touches a month already
closed. The scores of a closed month are stored once (``ScoreMonth`` and its ``UnitScore`` rows):
the dashboard and the ledger read them instead of recounting 100,000 tasks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from .organisation import Unit

# The version that exists before a supervisor saves any: in force from long before the first plan.
DEFAULT_VALID_FROM = datetime.date(2000, 1, 1)


def _points(label: str, default: str, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=6, decimal_places=2, default=Decimal(default), help_text=help_text
    )


class ScoringRules(models.Model):
    """One version of the 考核 rules (考核规则), never edited: a change is a new version."""

    valid_from = models.DateField("生效月份", help_text="该月第一天；自该月起按此版规则计分。")
    base_score = _points("基础分", "100", "每个单位每月的起始分。")
    on_time_points = _points("按期办结加分（每项）", "1", "当月在完成时限内办结的任务，每项加分。")
    bonus_cap = _points("每月加分上限", "10", "")
    overdue_task_points = _points("逾期任务扣分（每项）", "2", "月末仍逾期未办结的任务，每项扣分。")
    overdue_day_points = _points("逾期扣分（每个工作日）", "0.1", "当月内每项任务每逾期一个工作日扣分。")
    missed_report_points = _points(
        "未按月报送进展扣分（每次）", "0.5", "未办结任务当月未报送进展，每项每单位扣分。"
    )
    returned_points = _points("办结申请被退回扣分（每次）", "1", "")
    deduction_cap = _points("每月扣分上限", "30", "")
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    POINT_FIELDS = (
        "base_score",
        "on_time_points",
        "bonus_cap",
        "overdue_task_points",
        "overdue_day_points",
        "missed_report_points",
        "returned_points",
        "deduction_cap",
    )

    class Meta:
        verbose_name = "考核规则"
        verbose_name_plural = "考核规则"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__day=1), name="scoring_rules_month_first_day"),
            models.CheckConstraint(
                condition=Q(
                    base_score__gte=0,
                    on_time_points__gte=0,
                    bonus_cap__gte=0,
                    overdue_task_points__gte=0,
                    overdue_day_points__gte=0,
                    missed_report_points__gte=0,
                    returned_points__gte=0,
                    deduction_cap__gte=0,
                ),
                name="scoring_rules_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"考核规则（{self.label}）"

    @property
    def label(self) -> str:
        """第2版，2025年4月起施行; the built-in first version is 初始规则."""
        if self.valid_from == DEFAULT_VALID_FROM:
            return "初始规则"
        return f"第{self.pk}版，{self.valid_from.year}年{self.valid_from.month}月起施行"


class ScoreMonth(models.Model):
    """A closed month whose scores are stored, and the rules version they were computed with."""

    month = models.DateField("月份", unique=True, help_text="该月第一天。")
    rules = models.ForeignKey(
        ScoringRules, verbose_name="考核规则", on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = "月度考核"
        verbose_name_plural = "月度考核"
        ordering = ["-month"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="score_month_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}考核得分"


class UnitScore(models.Model):
    """One unit's score for a stored month, with the counts behind it (the breakdown)."""

    score_month = models.ForeignKey(
        ScoreMonth, verbose_name="月份", on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    tasks = models.PositiveIntegerField("在办任务", default=0)
    on_time = models.PositiveIntegerField("按期办结", default=0)
    overdue_tasks = models.PositiveIntegerField("逾期任务", default=0)
    overdue_workdays = models.PositiveIntegerField("逾期工作日", default=0)
    missed_reports = models.PositiveIntegerField("未报进展", default=0)
    returned = models.PositiveIntegerField("办结退回", default=0)
    bonus = models.DecimalField("加分", max_digits=8, decimal_places=2, default=Decimal(0))
    deduction = models.DecimalField("扣分", max_digits=8, decimal_places=2, default=Decimal(0))
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "单位考核得分"
        verbose_name_plural = "单位考核得分"
        constraints = [models.UniqueConstraint(fields=["score_month", "unit"], name="unit_score_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.score}"
