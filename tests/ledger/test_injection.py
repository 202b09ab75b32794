"""Formula injection (OWASP): text that starts like a formula stays text, checked in the written file."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest

from obligations.ledger.cells import safe_text
from obligations.models import ProgressReport, Task
from tests import factories

from .conftest import MONTH, aware

DANGEROUS = [
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_text_quotes_formula_starts(text):
    assert safe_text(text) == "'" + text.replace("\r", "\n")


def test_safe_text_leaves_ordinary_text_alone():
    assert safe_text("推进“一网通办”") == "推进“一网通办”"
    assert safe_text("1+1=2") == "1+1=2"
    assert safe_text("") == ""


def test_safe_text_removes_characters_xml_forbids():
    assert safe_text("第一页\x0c第二页\x00") == "第一页第二页"
    assert safe_text("一\r\n二") == "一\n二"


def test_safe_text_keeps_within_excels_cell_limit():
    assert len(safe_text("长" * 40_000)) == 32_767


@pytest.mark.django_db
def test_no_cell_becomes_a_formula(ledger_world, build):
    w = ledger_world
    plan = factories.make_plan("=cmd|' /C calc'!A0", number="@文号")
    plan.published_at = aware(datetime.date(2025, 1, 5))
    plan.save()
    tasks = []
    for index, text in enumerate(DANGEROUS):
        task = factories.make_task(
            plan,
            text=text,
            lead=[w.finance],
            responsible_person="=1+2" if index == 0 else "",
            deadline_kind=Task.DeadlineKind.ONGOING,
            deadline_raw="+长期",
        )
        ProgressReport.objects.create(task=task, unit=w.finance, period=MONTH, text="@进展")
        tasks.append(task)
    Task.objects.update(created_at=aware(datetime.date(2025, 1, 5)))

    _, wb, data = build({"plans": [plan.pk]})
    ws = wb["进展台账"]
    rows = list(ws.iter_rows(min_row=3))
    assert len(rows) == len(DANGEROUS)
    for row, text in zip(rows, DANGEROUS, strict=True):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
        assert row[2].data_type == "s"
        assert row[2].value == "'" + text.replace("\r", "\n")
        assert row[1].value == "'=cmd|' /C calc'!A0（@文号）"
        assert row[6].value == "'+长期"
        assert row[7].value == "'@进展"
    assert rows[0][5].value == "'=1+2"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
