"""python manage.py export_ledger: writes the file, records it, and refuses bad arguments in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from obligations.models import LedgerExport, Plan, UnitAlias

pytestmark = pytest.mark.django_db


def test_exports_with_filters(ledger_world, tmp_path, capsys):
    UnitAlias.objects.create(unit=ledger_world.data, name="区大数据局")
    out = tmp_path / "台账.xlsx"
    call_command(
        "export_ledger",
        "--month",
        "2025-03",
        "--plan",
        str(ledger_world.plan.pk),
        "--unit",
        "区大数据局",
        "--unit",
        "区财政局",
        "--light",
        "red",
        "--light",
        "green",
        "--paper",
        "a3",
        "-o",
        str(out),
    )
    export = LedgerExport.objects.get()
    assert export.trigger == "command" and export.created_by is None
    assert export.filters == {
        "paper": "A3",
        "plans": [ledger_world.plan.pk],
        "units": sorted([ledger_world.data.pk, ledger_world.finance.pk]),
        "lights": ["red", "green"],
    }
    ws = openpyxl.load_workbook(out)["进展台账"]
    texts = [row[2] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert texts == [ledger_world.overdue.text, ledger_world.done_later.text]
    assert out.read_bytes() == Path(export.file.path).read_bytes()
    assert f"2 项任务，写入 {out}" in capsys.readouterr().out


def test_exports_one_place(ledger_world, tmp_path, capsys):
    Plan.objects.filter(pk=ledger_world.plan2.pk).update(jurisdiction="邻市")
    out = tmp_path / "邻市.xlsx"
    call_command("export_ledger", "--month", "2025-03", "--place", "邻市", "-o", str(out))
    export = LedgerExport.objects.get()
    assert export.filters == {"paper": "A4", "places": ["邻市"]}
    book = openpyxl.load_workbook(out)
    rows = book["进展台账"].iter_rows(min_row=3, values_only=True)
    texts = [row[2] for row in rows if isinstance(row[0], int)]
    assert texts == [ledger_world.ongoing.text, "'" + ledger_world.injected.text, ledger_world.extended.text]
    cells = "".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "筛选条件：所属辖区：邻市。" in cells
    assert "3 项任务" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2025/03"], "月份格式"),
        (["--month", "2025-03", "--light", "blue"], "灯色"),
        (["--month", "2025-03", "--unit", "不存在的局"], "未找到单位"),
        (["--month", "2025-03", "--plan", "x"], "数字"),
        (["--month", "2025-03", "--plan", "²"], "数字"),
        (["--month", "2025-03", "--plan", "99999999999999999999"], "数字"),
        (["--month", "2025-03", "--plan", "999999"], "工作方案不存在"),
        (["--month", "2025-03", "--paper", "B5"], "纸张"),
        (["--month", "2025-03", "--place", "没有的市"], "没有所属辖区为“没有的市”的工作方案"),
        (["--month", "2099-01"], "未来月份"),
    ],
)
def test_bad_arguments_exit_2(ledger_world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("export_ledger", *args, "-o", str(tmp_path / "x.xlsx"))
    assert caught.value.returncode == 2
    assert not LedgerExport.objects.exists()
    assert not (tmp_path / "x.xlsx").exists()


def run_command(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "export_ledger", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "2025-13", "-o", "x.xlsx"],
        ["--month", "2025-03"],
        ["--month", "2025-03", "-o", "x.csv"],
        ["--month", "2025-03", "--light", "blue", "-o", "x.xlsx"],
        ["--bogus"],
    ],
)
def test_command_line_errors_are_one_line(tmp_path, args):
    done = run_command(*args, tmp_path=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
