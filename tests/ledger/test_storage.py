"""generate_ledger_file: the file, its history record, failures, and who may download what."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from obligations.ledger import LedgerFilterError, generate_ledger_file, visible_exports
from obligations.ledger import storage as ledger_storage
from obligations.models import LedgerExport
from tests import factories

from .conftest import MONTH

pytestmark = pytest.mark.django_db


def test_generates_file_and_records_history(ledger_world, settings):
    export = generate_ledger_file(
        MONTH, {"lights": ["red", "green"], "paper": "A3"}, trigger="manual", user=ledger_world.supervisor
    )
    export.refresh_from_db()
    assert export.status == LedgerExport.Status.DONE
    assert export.month == MONTH
    assert export.filters == {"paper": "A3", "lights": ["red", "green"]}
    assert export.trigger == "manual"
    assert export.created_by == ledger_world.supervisor
    assert export.finished_at is not None and export.finished_at >= export.created_at
    assert export.error == ""
    path = Path(export.file.path)
    assert path.is_file()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "ledgers")
    assert export.size == path.stat().st_size > 0
    assert export.rows == 5  # 1 red + 4 green on 31 March
    wb = openpyxl.load_workbook(path)
    assert wb["进展台账"].max_row == 2 + 5
    assert int(wb["进展台账"].page_setup.paperSize) == 8
    # Nothing half-written is left beside it.
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_scheduled_run_has_no_user(ledger_world):
    export = generate_ledger_file(MONTH, {}, trigger="scheduled")
    assert export.created_by is None and export.trigger == "scheduled"
    assert export.rows == 8


def test_failure_is_recorded_and_raised(ledger_world, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(ledger_storage, "write_workbook", broken)
    with pytest.raises(OSError, match="磁盘已满"):
        generate_ledger_file(MONTH, {}, trigger="scheduled")
    export = LedgerExport.objects.get()
    assert export.status == LedgerExport.Status.FAILED
    assert export.error == "OSError: 磁盘已满"
    assert export.finished_at is not None
    assert not export.file
    folder = Path(ledger_storage.default_storage.path("ledgers"))
    assert not any(p.is_file() for p in folder.rglob("*"))


def test_bad_month_or_filters_record_nothing(ledger_world):
    future = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    with pytest.raises(LedgerFilterError):
        generate_ledger_file(future, {}, trigger="manual")
    with pytest.raises(LedgerFilterError):
        generate_ledger_file(MONTH, {"lights": ["purple"]}, trigger="manual")
    assert not LedgerExport.objects.exists()


def test_leader_ledger_holds_only_their_units(ledger_world):
    leader = factories.make_leader("data_leader", ledger_world.data)
    export = generate_ledger_file(MONTH, {}, trigger="manual", user=leader)
    ws = openpyxl.load_workbook(export.file.path)["进展台账"]
    texts = {row[2] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert texts == {ledger_world.overdue.text, ledger_world.done.text, ledger_world.done_later.text}


def test_visible_exports_by_role(ledger_world):
    w = ledger_world
    unit_leader = factories.make_leader("finance_leader", w.finance)
    city_leader = factories.make_leader("city_leader")  # no unit: reads the whole jurisdiction
    liaison = factories.make_liaison("finance_liaison", w.finance)
    scheduled = generate_ledger_file(MONTH, {}, trigger="scheduled")
    own = generate_ledger_file(MONTH, {}, trigger="manual", user=unit_leader)
    assert set(visible_exports(w.supervisor)) == {scheduled, own}
    assert set(visible_exports(city_leader)) == {scheduled, own}
    assert set(visible_exports(unit_leader)) == {own}
    assert not visible_exports(liaison).exists()


def test_download_name():
    export = LedgerExport(pk=7, month=MONTH, filters={"paper": "A4"})
    assert ledger_storage.download_name(export) == "2025年3月进展台账.xlsx"
    export.filters = {"paper": "A4", "units": [1]}
    assert ledger_storage.download_name(export) == "2025年3月进展台账（筛选7）.xlsx"
