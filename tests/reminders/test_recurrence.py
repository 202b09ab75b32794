"""Recurring obligations: occurrences ahead of time, across year boundaries, for ever."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from obligations.models import ProgressReport, Reminder, Task, TaskOccurrence
from obligations.reminders import generate, refresh_recurring, send_due

from .. import factories
from .conftest import SHANGHAI, at

D = datetime.date


def recurring(scene, rule: str, *, issued: D, published: D, **fields) -> Task:
    plan = factories.make_plan(
        f"周期任务方案{rule}",
        issued=issued,
        published_at=datetime.datetime.combine(published, datetime.time(10), tzinfo=SHANGHAI),
    )
    return factories.make_task(
        plan, lead=[scene.unit_a], deadline_kind=Task.DeadlineKind.RECURRING, recurrence=rule, **fields
    )


def dues(task: Task) -> list[D]:
    return list(task.occurrences.order_by("due_date").values_list("due_date", flat=True))


def report(task: Task, scene, when: datetime.datetime) -> None:
    r = ProgressReport.objects.create(
        task=task, unit=scene.unit_a, author=scene.liaison_a, period=when.date().replace(day=1), text="已报送"
    )
    ProgressReport.objects.filter(pk=r.pk).update(created_at=when)


def test_monthly_series_crosses_the_year_boundary(scene):
    task = recurring(scene, "FREQ=MONTHLY;BYMONTHDAY=5", issued=D(2025, 9, 20), published=D(2025, 10, 10))
    created = refresh_recurring(D(2025, 11, 20), ahead_count=3, ahead_days=90)
    # From publication on (no backlog before it), and 90 days ahead: past New Year.
    assert dues(task) == [D(2025, 11, 5), D(2025, 12, 5), D(2026, 1, 5), D(2026, 2, 5)]
    assert created == 4
    task.refresh_from_db()
    assert task.deadline == D(2025, 11, 5)  # the earliest open one: missed, so the light is red

    # Reports fulfil occurrences in order; the deadline moves to the next open one.
    report(task, scene, at(D(2025, 11, 21), 10))  # late report for November
    report(task, scene, at(D(2025, 12, 3), 10))  # on time for December
    refresh_recurring(D(2025, 12, 10), ahead_count=3, ahead_days=90)
    task.refresh_from_db()
    assert task.deadline == D(2026, 1, 5)
    assert list(task.occurrences.filter(fulfilled_at__isnull=False).values_list("due_date", flat=True)) == [
        D(2025, 11, 5),
        D(2025, 12, 5),
    ]
    assert dues(task)[-1] == D(2026, 3, 5)

    # A year later the series is still going.
    refresh_recurring(D(2026, 12, 20), ahead_count=3, ahead_days=90)
    assert D(2027, 1, 5) in dues(task) and D(2027, 3, 5) in dues(task)
    assert len(dues(task)) == len(set(dues(task)))


def test_quarterly_rule_keeps_three_ahead_beyond_ninety_days(scene):
    task = recurring(
        scene, "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1", issued=D(2025, 8, 1), published=D(2025, 8, 1)
    )
    refresh_recurring(D(2025, 11, 20), ahead_count=3, ahead_days=90)
    assert dues(task) == [D(2025, 9, 30), D(2025, 12, 31), D(2026, 3, 31), D(2026, 6, 30)]
    # Moving on keeps adding; nothing is duplicated.
    refresh_recurring(D(2026, 4, 2), ahead_count=3, ahead_days=90)
    assert dues(task)[-2:] == [D(2026, 9, 30), D(2026, 12, 31)]
    assert TaskOccurrence.objects.filter(task=task).count() == 6


def test_rule_that_ends_and_rule_that_is_broken(scene, caplog):
    ends = recurring(
        scene, "FREQ=MONTHLY;BYMONTHDAY=10;COUNT=2", issued=D(2025, 1, 1), published=D(2025, 1, 1)
    )
    broken = recurring(scene, "FREQ=SOMETIMES", issued=D(2025, 1, 1), published=D(2025, 1, 1))
    fine = recurring(scene, "FREQ=WEEKLY;BYDAY=FR", issued=D(2025, 1, 1), published=D(2025, 1, 1))
    with caplog.at_level(logging.WARNING, logger="obligations.reminders.recurrence"):
        refresh_recurring(D(2025, 1, 2), ahead_count=3, ahead_days=14)
    assert dues(ends) == [D(2025, 1, 10), D(2025, 2, 10)]
    assert dues(broken) == []
    assert dues(fine) == [D(2025, 1, 3), D(2025, 1, 10), D(2025, 1, 17)]
    assert any(f"任务 {broken.pk} 的周期规则无法解析" in r.message for r in caplog.records)


def test_done_and_draft_recurring_tasks_are_left_alone(scene):
    done = recurring(scene, "FREQ=MONTHLY;BYMONTHDAY=5", issued=D(2025, 1, 1), published=D(2025, 1, 1))
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, completed_at=timezone.now())
    draft_plan = factories.make_plan("草稿周期", status="draft")
    factories.make_task(
        draft_plan,
        lead=[scene.unit_a],
        deadline_kind=Task.DeadlineKind.RECURRING,
        recurrence="FREQ=MONTHLY;BYMONTHDAY=5",
    )
    assert refresh_recurring(D(2025, 3, 1)) == 0
    assert not TaskOccurrence.objects.exists()


def test_occurrences_drive_reminders_and_old_ones_are_cancelled(scene):
    task = recurring(scene, "FREQ=MONTHLY;BYMONTHDAY=5", issued=D(2025, 1, 1), published=D(2025, 2, 10))
    day = D(2025, 3, 3)  # Monday; March 5 is two working days away
    refresh_recurring(day)
    generate(day, at(day))
    row = Reminder.objects.get()
    assert (row.kind, row.stage, row.deadline) == ("due_soon", "T-3", D(2025, 3, 5))
    # The liaison reports before the reminder goes out: March is fulfilled, the deadline moves on.
    report(task, scene, at(day, 8))
    refresh_recurring(day)
    task.refresh_from_db()
    assert task.deadline == D(2025, 4, 5)
    send_due(at(day, 9, 1))
    row.refresh_from_db()
    assert row.status == "cancelled"
