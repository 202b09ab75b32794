"""Light counts kept with the data (督办总览 at province scale), so the dashboard reads a few thousand
tally rows instead of grouping every task and assignment.

A light depends on the day it is judged, so the tallies are kept against a fixed *anchor* (a day
and its yellow cutoff, one TallyAnchor row): *base* rows hold each plan's (or unit's) count per
light as of the anchor, written by ``dashboard.tallied_counts.rebase``; *delta* rows are appended by
database triggers (``dashboard.tally_sql``) whenever a task, an assignment or a plan's publication
changes, as raw facts (status, deadline, ±1) rather than lights, so they hold for any anchor and a
rebase never races with them. Reading judges the deltas against the anchor and corrects the few
tasks whose deadline lies between the anchor and today's window (dashboard.tallied_counts).
"""

from __future__ import annotations

from django.db import models


class TallyAnchor(models.Model):
    """The (day, cutoff) the base rows were counted for; no row means the tallies are off (triggers
    record nothing) until the next rebase."""

    day = models.DateField()
    cutoff = models.DateField()
    rebased_at = models.DateTimeField()

    class Meta:
        verbose_name = "灯色计数基准"
        verbose_name_plural = "灯色计数基准"

    def __str__(self) -> str:
        return f"{self.day}（临期至 {self.cutoff}）"


class TallyRow(models.Model):
    """A base row (light set: a count on the anchor) or a delta row (status and deadline set, n = ±1)."""

    light = models.CharField(max_length=10, null=True)
    status = models.CharField(max_length=20, null=True)
    deadline = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        abstract = True


class PlanTally(TallyRow):
    """A plan's tasks. plan_id is a plain column: a deleted plan's rows are zeros until the next rebase."""

    plan_id = models.BigIntegerField()

    class Meta:
        verbose_name = "方案灯色计数"
        verbose_name_plural = "方案灯色计数"

    def __str__(self) -> str:
        return f"方案 {self.plan_id} {self.light or self.status} {self.n:+d}"


class UnitTally(TallyRow):
    """A unit's parts (assignments) of published tasks, by the task's light and whether the unit has
    finished its part (本单位已完成)."""

    unit_id = models.BigIntegerField()
    part_done = models.BooleanField()

    class Meta:
        verbose_name = "单位灯色计数"
        verbose_name_plural = "单位灯色计数"

    def __str__(self) -> str:
        return f"单位 {self.unit_id} {self.light or self.status} {self.n:+d}"
