"""The sweep: policy + tasks -> outbox rows, exactly once, in a bounded number of queries."""

from __future__ import annotations

import datetime
import logging
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from obligations.holidays import clear_calendar_cache
from obligations.models import Membership, ProgressReport, Reminder, ReminderPolicy, SweepRun, Task
from obligations.reminders import generate, run_daily_sweep
from obligations.reminders.recipients import Directory
from obligations.reminders.sweep_rows import insert_batch, sweep_tables
from obligations.workdays import PACKAGE_YEARS

from .. import factories
from .conftest import MONDAY, at, days

K = Reminder.Kind


def keys(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list(
            "task_id", "unit_id", "kind", "stage", "deadline", "recipient_id"
        )
    )


def test_due_soon_steps_for_the_unit_liaison(scene):
    # Working days after Monday 2025-03-03: Tue 4 = 1 … Fri 7 = 4, Mon 10 = 5, Tue 11 = 6.
    t5 = scene.task(datetime.date(2025, 3, 10))
    t5b = scene.task(datetime.date(2025, 3, 7))  # 4 left: still the T-5 step
    t3 = scene.task(datetime.date(2025, 3, 6))
    t1 = scene.task(datetime.date(2025, 3, 4))
    today = scene.task(MONDAY)
    far = scene.task(datetime.date(2025, 3, 11))
    stats = generate(MONDAY, at(MONDAY))
    a, la = scene.unit_a.pk, scene.liaison_a.pk
    assert keys() == {
        (t5.pk, a, K.DUE_SOON, "T-5", t5.deadline, la),
        (t5b.pk, a, K.DUE_SOON, "T-5", t5b.deadline, la),
        (t3.pk, a, K.DUE_SOON, "T-3", t3.deadline, la),
        (t1.pk, a, K.DUE_SOON, "T-1", t1.deadline, la),
        (today.pk, a, K.DUE_SOON, "T-1", today.deadline, la),
    }
    assert far.pk not in {k[0] for k in keys()}
    assert stats.created == 5
    assert Reminder.objects.filter(status="pending", due_at=at(MONDAY)).count() == 5


def test_overdue_daily_then_escalation_to_supervisors(scene):
    d1 = scene.task(datetime.date(2025, 2, 28))  # Fri: 1 working day overdue on Monday
    d3 = scene.task(datetime.date(2025, 2, 26))  # Wed: 3 working days overdue
    long = scene.task(datetime.date(2025, 2, 17))  # 10 working days: first weekly step
    gap = scene.task(datetime.date(2025, 2, 21))  # 6 working days: between daily and weekly
    generate(MONDAY, at(MONDAY))
    a, la, sup = scene.unit_a.pk, scene.liaison_a.pk, scene.supervisor.pk
    assert keys(kind=K.OVERDUE) == {
        (d1.pk, a, K.OVERDUE, "D+1", d1.deadline, la),
        (d3.pk, a, K.OVERDUE, "D+3", d3.deadline, la),
        (long.pk, a, K.OVERDUE, "W1", long.deadline, la),
    }
    # Escalation (default after 3 working days) goes to the supervisors, once per deadline.
    assert keys(kind=K.ESCALATION) == {
        (d3.pk, a, K.ESCALATION, "E", d3.deadline, sup),
        (long.pk, a, K.ESCALATION, "E", long.deadline, sup),
        (gap.pk, a, K.ESCALATION, "E", gap.deadline, sup),
    }


def test_group_units_reach_their_member_units_liaisons(scene):
    task = scene.task(datetime.date(2025, 3, 4), scene.group)
    generate(MONDAY, at(MONDAY))
    assert keys() == {
        (task.pk, scene.unit_a.pk, K.DUE_SOON, "T-1", task.deadline, scene.liaison_a.pk),
        (task.pk, scene.unit_b.pk, K.DUE_SOON, "T-1", task.deadline, scene.liaison_b.pk),
    }


def test_no_reminders_for_done_unpublished_undated_or_leader_only(scene):
    deadline = datetime.date(2025, 3, 4)
    scene.task(deadline, status=Task.Status.DONE, completed_at=timezone.now())
    draft = factories.make_plan("草稿", status="draft")
    factories.make_task(draft, lead=[scene.unit_a], deadline=deadline)
    scene.task(None)
    leader_unit = factories.make_unit("只有领导的单位")
    factories.make_leader("leader_x", leader_unit)
    scene.task(deadline, leader_unit)
    inactive_unit = factories.make_unit("停用联络员的单位")
    factories.make_liaison("gone", inactive_unit).__class__.objects.filter(username="gone").update(
        is_active=False
    )
    scene.task(deadline, inactive_unit)
    assert generate(MONDAY, at(MONDAY)).created == 0
    assert not Reminder.objects.exists()


def test_a_second_sweep_the_same_day_or_in_the_same_step_adds_nothing(scene):
    scene.task(datetime.date(2025, 3, 10))  # T-5 on Monday and still T-5 on Tuesday
    overdue = scene.task(datetime.date(2025, 2, 28))
    assert generate(MONDAY, at(MONDAY)).created == 2
    assert generate(MONDAY, at(MONDAY, 10)).created == 0
    tuesday = MONDAY + days(1)
    second = generate(tuesday, at(tuesday))
    assert second.created == 1  # only the next daily overdue step
    assert keys(kind=K.OVERDUE, stage="D+2") == {
        (overdue.pk, scene.unit_a.pk, K.OVERDUE, "D+2", overdue.deadline, scene.liaison_a.pk)
    }


def test_reminders_follow_the_current_deadline_only(scene):
    task = scene.task(datetime.date(2025, 3, 10))
    generate(MONDAY, at(MONDAY))
    # An approved extension moves the deadline: the next sweep works from the new date only.
    task.original_deadline, task.deadline = task.deadline, datetime.date(2025, 3, 5)
    task.save()
    generate(MONDAY, at(MONDAY, 10))
    assert {(k[3], k[4]) for k in keys()} == {
        ("T-5", datetime.date(2025, 3, 10)),
        ("T-3", datetime.date(2025, 3, 5)),
    }
    # (the sender cancels the row for the old date; see test_outbox)


def test_monthly_report_reminders_for_ongoing_and_recurring_tasks(scene, policy):
    day = datetime.date(2025, 3, 25)  # Tuesday, the policy's default report day
    ongoing = scene.task(None, scene.unit_a, scene.unit_b, deadline_kind=Task.DeadlineKind.ONGOING)
    reported = scene.task(None, deadline_kind=Task.DeadlineKind.ONGOING)
    ProgressReport.objects.create(
        task=reported,
        unit=scene.unit_a,
        author=scene.liaison_a,
        period=day.replace(day=1),
        text="已完成本月工作",
    )
    scene.task(datetime.date(2025, 12, 31))  # dated and far away: no report reminder
    assert generate(day - days(1), at(day - days(1))).created == 0  # before the report day
    generate(day, at(day))
    end = datetime.date(2025, 3, 31)
    assert keys() == {
        (ongoing.pk, scene.unit_a.pk, K.REPORT_DUE, "R2025-03", end, scene.liaison_a.pk),
        (ongoing.pk, scene.unit_b.pk, K.REPORT_DUE, "R2025-03", end, scene.liaison_b.pk),
    }


def test_policy_changes_apply_to_the_next_sweep(scene, policy):
    policy.due_soon_offsets = [10]
    policy.save()
    task = scene.task(datetime.date(2025, 3, 14))  # 9 working days out
    generate(MONDAY, at(MONDAY))
    assert {k[3] for k in keys(task_id=task.pk)} == {"T-10"}


def test_queries_grow_with_batches_not_with_tasks(scene):
    def sweep_queries(batch_size: int) -> int:
        Reminder.objects.all().delete()
        clear_calendar_cache()  # count the holiday-table read every time
        with CaptureQueriesContext(connection) as ctx:
            generate(MONDAY, at(MONDAY), batch_size=batch_size)
        return len(ctx.captured_queries)

    for n in range(6):
        scene.task(MONDAY - days(n), scene.unit_a, scene.group)
    few = sweep_queries(100)
    rows_few = Reminder.objects.count()
    for n in range(30):
        scene.task(MONDAY + days(n % 5), scene.unit_a, scene.unit_b, scene.group)
    many = sweep_queries(100)
    assert Reminder.objects.count() > 5 * rows_few
    assert many == few  # five times the tasks and rows, one batch: the same queries
    # 36 tasks in batches of 10 (4 batches) or 5 (8 batches): the same fixed cost plus the same
    # handful per batch (read tasks, read assignments, one insert, and transaction bookkeeping).
    per_batch = (sweep_queries(10) - many) / 3
    assert per_batch == (sweep_queries(5) - many) / 7
    assert per_batch == int(per_batch) and per_batch <= 11


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_create_each_reminder_once(scene):
    for n in range(40):
        scene.task(MONDAY + days(n % 8 - 4), scene.unit_a, scene.group)
    expected_rows = None
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(generate(MONDAY, at(MONDAY), batch_size=7).created)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    total = Reminder.objects.count()
    expected_rows = len(keys())
    assert total == expected_rows > 40
    assert sum(results) == total  # each row was created by exactly one of the two
    assert generate(MONDAY, at(MONDAY)).created == 0


@pytest.mark.django_db(transaction=True)
def test_two_daily_runs_at_once_one_works_one_stands_aside(scene):
    for n in range(20):
        scene.task(MONDAY + days(n % 6 - 3))
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(run_daily_sweep(MONDAY, now=timezone.now()).status)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) in (["busy", "done"], ["already", "done"])
    run = SweepRun.objects.get(day=MONDAY)
    assert run.status == SweepRun.Status.DONE
    assert run.stats["created"] == Reminder.objects.count() > 0


def test_a_year_without_holiday_data_falls_back_without_crashing(scene, caplog):
    year = PACKAGE_YEARS.stop  # the first year chinese-calendar does not know (2027 with 1.11)
    monday = next(datetime.date(year, 3, d) for d in range(1, 8) if datetime.date(year, 3, d).weekday() == 0)
    due = scene.task(monday + days(1))
    late = scene.task(monday - days(3))  # the Friday before: 1 working day overdue on Mon-Fri
    with caplog.at_level(logging.WARNING, logger="obligations.workdays"):
        outcome = run_daily_sweep(monday, now=at(monday))
    assert outcome.status == "done"
    assert {(k[0], k[3]) for k in keys()} == {(due.pk, "T-1"), (late.pk, "D+1")}
    assert any(f"{year}年节假日安排未收录" in r.message for r in caplog.records)


def test_liaison_of_two_units_gets_a_row_per_unit(scene):
    Membership.objects.create(user=scene.liaison_a, unit=scene.unit_b)
    task = scene.task(datetime.date(2025, 3, 4), scene.unit_a, scene.unit_b)
    generate(MONDAY, at(MONDAY))
    assert {(k[1], k[5]) for k in keys(task_id=task.pk)} == {
        (scene.unit_a.pk, scene.liaison_a.pk),
        (scene.unit_b.pk, scene.liaison_a.pk),
        (scene.unit_b.pk, scene.liaison_b.pk),
    }


def test_policy_singleton_is_used(policy):
    assert ReminderPolicy.current().pk == policy.pk == 1


def test_rows_for_a_task_or_person_gone_since_the_sweep_began_are_not_written(scene, monkeypatch):
    # Task, unit and recipient carry no database constraint (the sweep's inserts are faster
    # without one): the insert itself must drop rows whose task or person no longer exists.
    task = scene.task(datetime.date(2025, 3, 4))
    a, la = scene.unit_a.pk, scene.liaison_a.pk
    missing = 10**9
    loaded = Directory.load()
    loaded.liaisons[a] = [*loaded.liaisons[a], (a, missing)]  # a liaison deleted after the load
    loaded.supervisors = [*loaded.supervisors, missing]
    monkeypatch.setattr(Directory, "load", classmethod(lambda cls: loaded))
    assert generate(MONDAY, at(MONDAY)).created == 1
    assert keys() == {(task.pk, a, K.DUE_SOON, "T-1", task.deadline, la)}
    stages = [(task.deadline, K.DUE_SOON.value, "T-1")]
    with sweep_tables(stages, loaded):
        assert insert_batch([missing], MONDAY, None, at(MONDAY)) == 0  # a task deleted meanwhile


def test_deleting_a_task_a_person_or_a_unit_still_removes_their_rows(scene):
    late = scene.task(datetime.date(2025, 2, 26), scene.unit_a, scene.unit_b)  # escalated too
    generate(MONDAY, at(MONDAY))
    assert {k[5] for k in keys()} == {scene.liaison_a.pk, scene.liaison_b.pk, scene.supervisor.pk}
    scene.liaison_a.delete()
    late.assignments.filter(unit=scene.unit_b).delete()  # a unit with assignments is protected
    scene.unit_b.delete()
    assert {(k[1], k[5]) for k in keys(task_id=late.pk)} == {(scene.unit_a.pk, scene.supervisor.pk)}
    Task.objects.filter(pk=late.pk).delete()
    assert not Reminder.objects.exists()
