"""The scheduled monthly ledger: last month's workbook, once, recorded, announced to supervisors."""

from __future__ import annotations

import datetime
import zoneinfo

import openpyxl
import pytest
from django_q.models import Schedule

from obligations.dates import previous_month
from obligations.ledger.monthly import monthly_ledger
from obligations.models import LedgerExport, Notification
from tests import factories

from .conftest import MONTH

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 4, 1), datetime.date(2025, 3, 1)),
        (datetime.date(2025, 1, 1), datetime.date(2024, 12, 1)),  # across the year boundary
        (datetime.date(2024, 3, 31), datetime.date(2024, 2, 1)),
    ],
)
def test_previous_month(day, expected):
    assert previous_month(day) == expected


def test_the_schedule_runs_on_the_first_at_six_shanghai_time():
    entry = Schedule.objects.get(name="月度进展台账")
    assert (entry.func, entry.schedule_type, entry.cron) == (
        "obligations.ledger.monthly.monthly_ledger",
        "C",
        "0 6 1 * *",
    )
    local = entry.next_run.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert (local.day, local.hour, local.minute) == (1, 6, 0)


def test_monthly_job_writes_the_ledger_once_and_tells_supervisors(ledger_world):
    other_supervisor = factories.make_supervisor("second_supervisor")
    summary = monthly_ledger(f"{MONTH:%Y-%m}")
    export = LedgerExport.objects.get()
    assert summary == f"ledger 2025-03: {export.rows} rows, {export.size} bytes"
    assert (export.trigger, export.status, export.month, export.created_by) == (
        "scheduled",
        "done",
        MONTH,
        None,
    )
    assert export.rows > 0
    workbook = openpyxl.load_workbook(export.file.path)
    assert workbook.sheetnames[0] == "汇总"
    assert workbook.worksheets[1].max_row == 2 + export.rows

    notices = Notification.objects.filter(title="2025年03月进展台账已生成")
    assert sorted(n.user.username for n in notices) == sorted(
        [ledger_world.supervisor.username, other_supervisor.username]
    )
    assert {n.url for n in notices} == {f"/ledgers/{export.pk}/download/"}

    # A retried or caught-up schedule does not write a second copy ...
    assert monthly_ledger(f"{MONTH:%Y-%m}") == "ledger: already generated"
    assert LedgerExport.objects.count() == 1
    # ... unless asked to.
    monthly_ledger(f"{MONTH:%Y-%m}", force=True)
    assert LedgerExport.objects.filter(trigger="scheduled", status="done").count() == 2


def test_a_failed_run_is_recorded_and_the_next_run_tries_again(ledger_world, monkeypatch):
    from obligations.ledger import storage

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(storage, "build_ledger", broken)
    with pytest.raises(OSError):
        monthly_ledger(f"{MONTH:%Y-%m}")
    failed = LedgerExport.objects.get()
    assert (failed.status, failed.error) == ("failed", "OSError: 磁盘已满")
    assert not Notification.objects.exists()
    monkeypatch.undo()
    monthly_ledger(f"{MONTH:%Y-%m}")
    assert LedgerExport.objects.filter(status="done", trigger="scheduled").count() == 1


def test_done_and_notified_commit_together(ledger_world, monkeypatch):
    """A run that dies while telling supervisors leaves no "done" export (and no file): the
    retried schedule then makes the ledger and the notices, so supervisors are always told."""
    from obligations.ledger import monthly

    def dies(export):
        raise RuntimeError("worker died while notifying")

    monkeypatch.setattr(monthly, "_notify_supervisors", dies)
    with pytest.raises(RuntimeError):
        monthly_ledger(f"{MONTH:%Y-%m}")
    failed = LedgerExport.objects.get()
    assert (failed.status, failed.file.name) == ("failed", "")
    assert not LedgerExport.objects.filter(status="done").exists()
    monkeypatch.undo()

    assert monthly_ledger(f"{MONTH:%Y-%m}").startswith("ledger 2025-03:")
    done = LedgerExport.objects.get(status="done")
    assert Notification.objects.filter(url=f"/ledgers/{done.pk}/download/").count() == 1
