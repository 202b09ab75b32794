"""Schedules: declared once, installed idempotently, cron in Shanghai time, no replay storm."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from obligations.models import ReminderPolicy
from obligations.reminders.schedules import SCHEDULES, ScheduleSpec, install_schedules

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NAMES = sorted(spec.name for spec in SCHEDULES)


def ours():
    return Schedule.objects.filter(name__in=NAMES).order_by("name")


def test_migrate_installed_them_and_reinstalling_changes_nothing(db, capsys):
    # post_migrate ran when the test database was built.
    assert sorted(ours().values_list("name", flat=True)) == NAMES
    before = {s.name: (s.pk, s.next_run) for s in ours()}
    call_command("setup_schedules")
    call_command("setup_schedules")
    assert capsys.readouterr().out.count("unchanged") == 2 * len(NAMES)
    assert {s.name: (s.pk, s.next_run) for s in ours()} == before
    assert Schedule.objects.count() == len(NAMES)


def test_the_sweep_runs_daily_at_the_policy_time_in_shanghai(db):
    sweep = Schedule.objects.get(name="每日提醒扫描")
    assert (sweep.func, sweep.schedule_type, sweep.cron) == (
        "obligations.reminders.jobs.daily_sweep",
        "C",
        "30 8 * * *",
    )
    local = sweep.next_run.astimezone(SHANGHAI)
    assert (local.hour, local.minute) == (8, 30)
    assert timezone.now() < sweep.next_run <= timezone.now() + datetime.timedelta(days=1)
    sender = Schedule.objects.get(name="提醒发送")
    assert (sender.func, sender.schedule_type, sender.minutes) == (
        "obligations.reminders.jobs.send_reminders",
        "I",
        1,
    )


def test_changing_the_policy_time_moves_the_schedule(db):
    policy = ReminderPolicy.current()
    policy.sweep_time = datetime.time(9, 15)
    policy.save()  # saving the policy (page or admin) reinstalls the schedules
    sweep = Schedule.objects.get(name="每日提醒扫描")
    assert sweep.cron == "15 9 * * *"
    local = sweep.next_run.astimezone(SHANGHAI)
    assert (local.hour, local.minute) == (9, 15)
    assert install_schedules() == [f"{name}: unchanged" for name in (spec.name for spec in SCHEDULES)]


def test_duplicates_made_by_hand_are_healed_and_extra_specs_can_be_added(db):
    Schedule.objects.create(
        name="提醒发送", func="obligations.reminders.jobs.send_reminders", schedule_type="I", minutes=1
    )
    extra = ScheduleSpec("季度测试任务", "obligations.reminders.jobs.send_reminders", cron="0 7 1 */3 *")
    report = install_schedules(specs=[*SCHEDULES, extra])
    assert report[-1] == "季度测试任务: created"
    assert Schedule.objects.filter(name="提醒发送").count() == 1
    entry = Schedule.objects.get(name="季度测试任务")
    local = entry.next_run.astimezone(SHANGHAI)
    assert (local.day, local.hour, local.minute, local.month % 3) == (1, 7, 0, 1)


def test_nothing_is_installed_at_import_or_app_start(db):
    Schedule.objects.all().delete()
    apps.get_app_config("obligations").ready()
    import importlib

    import obligations.reminders.jobs
    import obligations.reminders.schedules

    importlib.reload(obligations.reminders.schedules)
    importlib.reload(obligations.reminders.jobs)
    assert not Schedule.objects.exists()
    call_command("migrate", verbosity=0)  # post_migrate puts them back
    assert sorted(ours().values_list("name", flat=True)) == NAMES


@pytest.mark.django_db(transaction=True)  # django-q's scheduler closes connections, as in the cluster
def test_after_downtime_each_schedule_fires_once_not_once_per_missed_slot():
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    ours().update(next_run=three_days_ago)
    broker = ORM(list_key="replay-test")
    scheduler(broker=broker)
    queued = OrmQ.objects.filter(key="replay-test")
    assert queued.count() == len(NAMES)  # not ~4,300 minute slots, not three daily sweeps
    for schedule in ours():
        assert schedule.next_run > timezone.now()
    scheduler(broker=broker)  # run again at once: nothing is due
    assert queued.count() == len(NAMES)


# The migration that moved the stored job paths out of obligations.tasks.
PATH_MIGRATION = "0006_schedule_job_paths"


@pytest.mark.django_db(transaction=True)
def test_stored_schedules_follow_the_moved_job_paths_both_ways():
    import importlib

    from tests.migrating import migrate_to

    module = importlib.import_module(f"obligations.migrations.{PATH_MIGRATION}")
    [before] = [dep for dep in module.Migration.dependencies if dep[0] == "obligations"]
    after = ("obligations", PATH_MIGRATION)
    old_paths = {
        "旧每日扫描": "obligations.tasks.daily_sweep",
        "旧提醒发送": "obligations.tasks.send_reminders",
        "旧月度台账": "obligations.tasks.monthly_ledger",
        "他人的任务": "someone.else.job",
    }
    new_paths = {
        "旧每日扫描": "obligations.reminders.jobs.daily_sweep",
        "旧提醒发送": "obligations.reminders.jobs.send_reminders",
        "旧月度台账": "obligations.ledger.monthly.monthly_ledger",
        "他人的任务": "someone.else.job",
    }

    def stored() -> dict[str, str]:
        return dict(Schedule.objects.filter(name__in=old_paths).values_list("name", "func"))

    try:
        migrate_to([before])
        for name, func in old_paths.items():
            Schedule.objects.create(name=name, func=func, schedule_type=Schedule.DAILY)
        migrate_to([after])
        assert stored() == new_paths
        for path in set(new_paths.values()) - {"someone.else.job"}:  # each names a real function
            module_name, function = path.rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module_name), function))
        migrate_to([before])
        assert stored() == old_paths
    finally:
        migrate_to()
