"""The set-based sweep (one INSERT ... SELECT per batch) against the rules written out task by task,
on random data: every row the plain reading of the rules gives, and no other."""

from __future__ import annotations

import datetime
import random
from contextlib import nullcontext

import pytest
from django.db import connection
from django.utils import timezone

from obligations.dates import month_end
from obligations.holidays import get_calendar
from obligations.models import Assignment, Membership, Plan, ProgressReport, Reminder, ReminderPolicy, Task
from obligations.reminders import generate
from obligations.reminders.policy import (
    PolicyValues,
    WorkdayCounter,
    due_soon_stage,
    escalation_stage,
    overdue_stage,
    report_stage,
)
from obligations.reminders.recipients import Directory
from obligations.reminders.sweep_workers import write_batches

from .. import factories
from .conftest import at

K = Reminder.Kind
REPORTED_KINDS = (Task.DeadlineKind.ONGOING, Task.DeadlineKind.RECURRING)


def plain_rows(day: datetime.date) -> set[tuple]:
    """The rules, one task at a time, straight from the models."""
    policy = PolicyValues.from_model(ReminderPolicy.current())
    calendar = get_calendar()
    counter = WorkdayCounter(calendar, day - datetime.timedelta(days=400), day + datetime.timedelta(days=60))
    directory = Directory.load()
    horizon = calendar.add_workdays(day, policy.horizon_workdays)
    report_step = report_stage(day, policy.monthly_report_day)
    rows: set[tuple] = set()
    for task in Task.objects.published().open():
        dated = task.deadline is not None and task.deadline <= horizon
        reporting = report_step and task.deadline_kind in REPORTED_KINDS
        parts = list(task.assignments.order_by("role", "position", "pk"))
        if not parts or not (dated or reporting):
            continue
        # The lead, or without one the first-listed unit, answers for the task until it is closed.
        working = [
            part.unit_id
            for index, part in enumerate(parts)
            if not (part.status == Assignment.Status.DONE and part.role != Assignment.Role.LEAD and index > 0)
        ]
        liaisons = {pair for unit_id in working for pair in directory.liaisons_of(unit_id)}
        deadline = task.deadline
        if dated and deadline <= day:
            overdue = counter.between(deadline, day) if deadline < day else 0
            stage = overdue_stage(overdue, policy.overdue_daily_days, policy.overdue_weekly)
            if stage:
                rows |= {(task.pk, u, K.OVERDUE, stage, deadline, r) for u, r in liaisons}
            stage = escalation_stage(overdue, policy.escalate_after_days)
            if stage:
                rows |= {
                    (task.pk, parts[0].unit_id, K.ESCALATION, stage, deadline, r)
                    for r in directory.supervisors
                }
        if dated and deadline >= day:
            stage = due_soon_stage(counter.between(day, deadline), policy.due_soon_offsets)
            if stage:
                rows |= {(task.pk, u, K.DUE_SOON, stage, deadline, r) for u, r in liaisons}
        if reporting:
            for u, r in liaisons:
                if not ProgressReport.objects.filter(
                    task=task, unit_id=u, period=day.replace(day=1)
                ).exists():
                    rows.add((task.pk, u, K.REPORT_DUE, report_step, month_end(day), r))
    return rows


def random_world(rng: random.Random, day: datetime.date) -> None:
    units = [factories.make_unit(f"随机局{i}", is_active=rng.random() > 0.1) for i in range(8)]
    for g in range(2):
        group = factories.make_unit(f"随机组{g}", is_group=True)
        group.members.set(rng.sample(units, 3))
        units.append(group)
    for i in range(10):
        user = factories.make_liaison(f"liaison{i}", *rng.sample(units[:8], rng.randint(0, 2)))
        if rng.random() < 0.15:
            user.is_active = False
            user.save(update_fields=["is_active"])
    factories.make_supervisor("sup1")
    quiet = factories.make_supervisor("sup2")
    quiet.email = ""  # supervisors without an address get no escalation rows
    quiet.save(update_fields=["email"])
    plans = [factories.make_plan(f"随机方案{i}") for i in range(3)]
    plans.append(factories.make_plan("草稿方案", status=Plan.Status.DRAFT))
    for _ in range(120):
        kind = rng.choice(
            [Task.DeadlineKind.DATE] * 4 + [Task.DeadlineKind.ONGOING, Task.DeadlineKind.RECURRING]
        )
        offset = rng.randint(-45, 15)
        deadline = day + datetime.timedelta(days=offset) if kind != Task.DeadlineKind.ONGOING else None
        chosen = rng.sample(units, rng.randint(0, 4))
        split = rng.randint(0, len(chosen))
        task = factories.make_task(
            rng.choice(plans),
            lead=chosen[:split],
            responsible=chosen[split:],
            deadline=deadline,
            deadline_kind=kind,
        )
        if rng.random() < 0.1:
            Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE, completed_at=timezone.now())
        for part in task.assignments.all():
            if rng.random() < 0.3:
                part.status, part.done_at = Assignment.Status.DONE, timezone.now()
                part.save(update_fields=["status", "done_at"])
            if rng.random() < 0.2 and not part.unit.is_group:
                ProgressReport.objects.create(
                    task=task, unit=part.unit, period=day.replace(day=1), text="已报送"
                )
    assert Membership.objects.exists()


@pytest.mark.parametrize(
    "day",
    [datetime.date(2025, 3, 3), datetime.date(2025, 3, 26)],
    ids=["before the report window", "in the report window"],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_based_sweep_writes_exactly_the_rows_the_rules_give(db, day, seed):
    random_world(random.Random(seed), day)
    expected = plain_rows(day)
    stats = generate(day, at(day), batch_size=17)
    written = set(
        Reminder.objects.values_list("task_id", "unit_id", "kind", "stage", "deadline", "recipient_id")
    )
    assert written == expected
    assert stats.created == len(expected) > 20
    assert {kind for _, _, kind, *_ in expected} >= {K.OVERDUE, K.ESCALATION, K.DUE_SOON}
    if report_stage(day, ReminderPolicy.current().monthly_report_day):
        assert K.REPORT_DUE in {kind for _, _, kind, *_ in expected}
    assert generate(day, at(day), batch_size=17).created == 0


@pytest.mark.django_db(transaction=True)
def test_batches_written_over_two_connections_give_the_same_rows(settings):
    settings.REMINDER_SWEEP_CONNECTIONS = 2
    day = datetime.date(2025, 3, 26)
    random_world(random.Random(7), day)
    expected = plain_rows(day)
    stats = generate(day, at(day), batch_size=9)
    # PostgreSQL fans the batches out; SQLite (one writer) keeps to one connection.
    assert stats.connections == (2 if connection.vendor == "postgresql" else 1)
    written = set(
        Reminder.objects.values_list("task_id", "unit_id", "kind", "stage", "deadline", "recipient_id")
    )
    assert written == expected and stats.created == len(expected)
    assert stats.batches == -(-stats.tasks // 9) > 5


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_stops_the_sweep_and_is_raised():
    seen: list[int] = []

    def write(batch: list[int]) -> int:
        if batch == [3]:
            raise RuntimeError("第3批写入失败")
        seen.append(batch[0])
        return 1

    with pytest.raises(RuntimeError, match="第3批写入失败"):
        write_batches(([n] for n in range(1, 1000)), nullcontext, write, connections=2)
    assert 3 not in seen and len(seen) < 100  # the producer stopped soon after
