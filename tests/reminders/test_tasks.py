"""The django-q entry points: the daily sweep on China's working days, and the sender's catch-up."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from obligations.models import HolidayOverride, Reminder, SweepRun
from obligations.reminders import catch_up, jobs, run_daily_sweep

from .conftest import at, days

D = datetime.date


@pytest.mark.parametrize(
    ("day", "works"),
    [
        (D(2025, 2, 8), True),  # Saturday, a 调休 working day after the Spring Festival
        (D(2025, 2, 15), False),  # an ordinary Saturday
        (D(2025, 10, 1), False),  # Wednesday, National Day
        (D(2025, 10, 11), True),  # Saturday, 调休
    ],
)
def test_sweep_runs_on_working_days_only(scene, day, works):
    scene.task(day + days(1))
    outcome = run_daily_sweep(day, now=at(day, 8, 30))
    run = SweepRun.objects.get(day=day)
    if works:
        assert outcome.status == "done" and run.status == "done"
        assert Reminder.objects.count() == 1
    else:
        assert outcome.status == "skipped" and run.status == "skipped"
        assert not Reminder.objects.exists()
    assert run.finished_at is not None


def test_the_editable_holiday_table_wins(scene):
    day = D(2025, 3, 3)  # an ordinary Monday, declared a holiday locally
    HolidayOverride.objects.create(date=day, is_workday=False, name="地方调整")
    scene.task(day + days(1))
    assert run_daily_sweep(day, now=at(day)).status == "skipped"


def test_daily_sweep_task_sweeps_and_sends(scene):
    scene.task(D(2025, 3, 4))
    summary = jobs.daily_sweep(day="2025-03-03")
    assert summary.startswith("sweep 2025-03-03 done")
    assert len(mail.outbox) == 1
    again = jobs.daily_sweep(day="2025-03-03")
    assert again.startswith("sweep 2025-03-03 already")
    assert len(mail.outbox) == 1
    forced = jobs.daily_sweep(day="2025-03-03", force=True)
    assert "created=0" in forced and len(mail.outbox) == 1


def test_catch_up_runs_a_missed_sweep_once_after_the_sweep_time(scene, policy):
    today = D(2025, 3, 3)
    scene.task(today + days(1))
    assert catch_up(at(today, 8, 0)) is None  # before 08:30: not missed yet
    assert not SweepRun.objects.exists()
    outcome = catch_up(at(today, 11, 0))  # the cluster was down at 08:30
    assert outcome.status == "done"
    assert catch_up(at(today, 11, 1)) is None  # once only
    assert Reminder.objects.count() == 1


def test_catch_up_resumes_a_sweep_whose_worker_died(scene, settings):
    settings.REMINDER_SWEEP_STALE_SECONDS = 600
    today = D(2025, 3, 3)
    scene.task(today + days(1))
    SweepRun.objects.create(day=today, started_at=at(today, 8, 30), status=SweepRun.Status.RUNNING)
    assert catch_up(at(today, 8, 35)) is None  # may still be alive
    outcome = catch_up(at(today, 8, 41))
    assert outcome.status == "done"
    run = SweepRun.objects.get(day=today)
    assert (run.status, run.attempts) == ("done", 2)
    assert Reminder.objects.count() == 1


def test_a_dead_sweep_from_an_earlier_day_is_closed_not_replayed(scene, settings):
    settings.REMINDER_SWEEP_STALE_SECONDS = 600
    yesterday, today = D(2025, 3, 3), D(2025, 3, 4)
    SweepRun.objects.create(day=yesterday, started_at=at(yesterday, 8, 30), status=SweepRun.Status.RUNNING)
    SweepRun.objects.create(day=today, started_at=at(today, 8, 30), status=SweepRun.Status.DONE)
    assert catch_up(at(today, 9)) is None
    old = SweepRun.objects.get(day=yesterday)
    assert old.status == "failed" and "中断" in old.error


def test_failed_sweep_is_recorded_and_retried(scene, monkeypatch):
    today = D(2025, 3, 3)
    scene.task(today + days(1))

    def boom(*args, **kwargs):
        raise RuntimeError("数据库暂时不可用")

    monkeypatch.setattr("obligations.reminders.sweep.generate", boom)
    with pytest.raises(RuntimeError):
        run_daily_sweep(today, now=at(today, 8, 30))
    run = SweepRun.objects.get(day=today)
    assert run.status == "failed" and "数据库暂时不可用" in run.error
    monkeypatch.undo()
    assert catch_up(at(today, 8, 31)).status == "done"
    assert Reminder.objects.count() == 1
