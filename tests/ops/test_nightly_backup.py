"""The nightly backup: installed by setup_schedules (idempotent, Asia/Shanghai), recorded, pruned
by the retention rule (manual backups never), shown to supervisors on the reminder-policy page."""

from __future__ import annotations

import ast
import datetime
import fcntl
import zoneinfo
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule

from obligations.models import BackupRun
from obligations.ops import backups
from obligations.ops.archive import BackupError
from obligations.ops.retention import kept
from obligations.reminders.schedules import install_schedules

from .. import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.datetime


def test_retention_keeps_the_last_days_and_the_last_of_each_month():
    stamps = [D(2026, 1, 1) + datetime.timedelta(days=n, hours=2, minutes=30) for n in range(120)]
    stamps.append(D(2026, 4, 30, 14, 0))  # a second backup on the newest day
    keep = kept(stamps, daily=7, monthly=3)
    newest = D(2026, 4, 30, 14, 0)
    assert {s for s in keep if s >= D(2026, 4, 24)} == {
        newest,
        *(D(2026, 4, d, 2, 30) for d in range(24, 30)),
    }
    assert D(2026, 4, 30, 2, 30) not in keep  # the same day's earlier backup goes
    assert D(2026, 3, 31, 2, 30) in keep and D(2026, 2, 28, 2, 30) in keep  # the last of each month
    assert D(2026, 1, 31, 2, 30) not in keep  # only three months
    assert len(keep) == 7 + 2
    assert kept([], 7, 6) == set() and kept(stamps, 0, 0) == set()


@pytest.mark.django_db
def test_setup_schedules_installs_the_nightly_backup_once(settings):
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    (entry,) = Schedule.objects.filter(name="每日备份")
    assert (entry.func, entry.schedule_type, entry.cron) == (
        "obligations.ops.backups.nightly_backup",
        Schedule.CRON,
        "30 2 * * *",
    )
    assert ast.literal_eval(entry.kwargs) == {
        "q_options": {"timeout": settings.TRACKER_BACKUP_TIMEOUT_SECONDS}
    }
    local = entry.next_run.astimezone(SHANGHAI)
    assert (local.hour, local.minute) == (2, 30)
    assert "每日备份: unchanged" in install_schedules()
    settings.TRACKER_BACKUP_TIME = "03:15"
    assert "每日备份: updated" in install_schedules()
    entry.refresh_from_db()
    assert entry.cron == "15 3 * * *" and entry.next_run.astimezone(SHANGHAI).hour == 3
    assert Schedule.objects.filter(name="每日备份").count() == 1
    heartbeat = Schedule.objects.get(name="集群心跳")
    assert (heartbeat.func, heartbeat.minutes) == ("obligations.ops.heartbeat.beat", 1)


def _fake(directory: Path, stamp: D, label: str) -> Path:
    path = directory / f"duban-{stamp:%Y%m%d-%H%M%S}-{label}.tar.gz"
    path.write_bytes(b"old archive")
    return path


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_backs_up_records_and_prunes(settings, world):
    directory = backups.backup_dir()
    settings.TRACKER_BACKUP_KEEP_DAILY = 3
    settings.TRACKER_BACKUP_KEEP_MONTHLY = 2
    old_nightly = [
        _fake(directory, D(2025, 12, 31) - datetime.timedelta(days=n), "nightly") for n in range(40)
    ]
    manual = _fake(directory, D(2025, 1, 1), "manual")
    before_upgrade = _fake(directory, D(2025, 1, 2), "pre-upgrade")
    BackupRun.objects.create(
        trigger="scheduled",
        status="done",
        started_at=D(2025, 12, 1, 2, 30, tzinfo=SHANGHAI),
        finished_at=D(2025, 12, 1, 2, 31, tzinfo=SHANGHAI),
        file_name=old_nightly[30].name,
    )
    summary = backups.nightly_backup()
    run = BackupRun.objects.filter(status="done").latest("started_at")
    assert run.trigger == "scheduled" and run.file_name.endswith("-nightly.tar.gz") and run.size > 0
    assert summary.startswith(f"backup {run.file_name}")
    remaining = {path.name for path in directory.glob("*.tar.gz")}
    # Today's backup, the two newest old days; months: this month's (today's) and December 2025's.
    assert remaining == {
        run.file_name,
        old_nightly[0].name,
        old_nightly[1].name,
        manual.name,
        before_upgrade.name,
    }
    assert BackupRun.objects.get(file_name=old_nightly[30].name).status == "pruned"
    # Shown on the reminder-policy page's scheduler record.
    client = Client()
    client.force_login(world.supervisor)
    page = client.get(reverse("reminder_policy")).content.decode()
    assert run.file_name in page and "每日备份" in page and "已按保留规则删除" in page


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_recorded_and_a_busy_one_skipped(settings, monkeypatch):
    def broken(dest):
        raise BackupError("pg_dump 失败：connection refused")

    monkeypatch.setattr(backups.db_copy, "dump", broken)
    with pytest.raises(BackupError):
        backups.nightly_backup()
    failed = BackupRun.objects.get()
    assert (failed.status, failed.error) == ("failed", "BackupError: pg_dump 失败：connection refused")
    assert list(backups.backup_dir().glob("*.tar.gz")) == []
    assert [p.name for p in backups.backup_dir().iterdir()] == [".lock"]  # no half-written leftovers
    monkeypatch.undo()
    with (backups.backup_dir() / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert backups.nightly_backup() == "another backup is running; skipped"
    assert BackupRun.objects.count() == 1


@pytest.mark.django_db
def test_supervisors_only_see_the_backup_record():
    liaison = factories.make_liaison("backup_liaison", factories.make_unit())
    client = Client()
    client.force_login(liaison)
    assert client.get(reverse("reminder_policy")).status_code == 403
